"""Event notices (clues.notify_events): each role is told of the events it acts on — a unit of
a clue assigned to it, a leader of an approval waiting, a handler of a decision on their
request, the office of a clue returned — each opening the page where they act; never a person
the clue is about, never anyone a 重要 clue does not name, never the actor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from zhengdun.clues import actions
from zhengdun.clues import notifications as _connects  # noqa: F401 - the receiver
from zhengdun.clues.models import Disposition, Notification, Sensitivity, Status
from zhengdun.clues.tests.domain_helpers import add_users, advance, fast_passwords, register
from zhengdun.core.testing import PASSWORD

K = Notification.Kind


@pytest.fixture(autouse=True)
def _fast_passwords():
    with fast_passwords():
        yield


def notices(kind: str) -> dict[str, str]:
    return {n.user.username: n.message for n in Notification.objects.filter(kind=kind).select_related("user")}


@pytest.mark.django_db
def test_an_assignment_tells_the_handling_units_handlers_and_opens_the_proposal(
    city, client, django_capture_on_commit_callbacks
):
    clue = register(city, subject=city.people["officer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.assign_clue(city.office_handler, clue, unit=city.court_a, handler=city.handler_a)
    got = notices(K.ASSIGNED)
    assert set(got) == {"handler_a"}  # not handler_b (other county), not the office who assigned
    assert clue.number in got["handler_a"] and "交办" in got["handler_a"]
    assert client.login(username="handler_a", password=PASSWORD)
    body = client.get(reverse("clues:notifications")).content.decode()
    link = reverse("clues:action", args=[clue.pk, "propose_disposition"]) + "#action-form-propose_disposition"
    assert f'href="{link}"' in body and "新交办" in body


@pytest.mark.django_db
def test_requests_tell_the_approvers_and_decisions_tell_the_handler(city, django_capture_on_commit_callbacks):
    clue = register(city, subject=city.people["officer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        advance(city, clue, Status.ASSIGNED)
        actions.propose_disposition(
            city.handler_a, clue, disposition=Disposition.PRELIMINARY_CHECK, reason="问题具体"
        )
    assert set(notices(K.APPROVAL)) == {"leader_a"}
    assert "处置方式审批" in notices(K.APPROVAL)["leader_a"]
    note = Notification.objects.get(kind=K.APPROVAL)
    assert reverse("clues:action", args=[clue.pk, "approve_disposition"]) in notifications_link(note)
    with django_capture_on_commit_callbacks(execute=True):
        actions.reject_disposition(city.leader_a, clue, comment="事实不清")
    decided = notices(K.DECIDED)
    assert set(decided) == {"handler_a"}
    assert "退回" in decided["handler_a"] and "事实不清" in decided["handler_a"]
    with django_capture_on_commit_callbacks(execute=True):
        actions.request_extension(
            city.handler_a,
            clue,
            new_deadline=timezone.localdate() + dt.timedelta(days=90),
            reason="需调取材料",
        )
    assert Notification.objects.filter(kind=K.APPROVAL, user=city.leader_a).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        actions.decide_extension(city.leader_a, clue, approve=True)
    assert Notification.objects.filter(kind=K.DECIDED, user=city.handler_a).count() == 2


def notifications_link(note: Notification) -> str:
    from zhengdun.clues.notifications import link_for

    return link_for(note)


@pytest.mark.django_db
def test_a_returned_clue_tells_the_office(city, django_capture_on_commit_callbacks):
    clue = register(city, subject=city.people["officer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        advance(city, clue, Status.ASSIGNED)
        actions.return_clue(city.handler_a, clue, reason="不属于本单位管辖")
    got = notices(K.RETURNED)
    assert set(got) == {"office"}
    assert "退回" in got["office"] and "不属于本单位管辖" in got["office"]
    note = Notification.objects.get(kind=K.RETURNED)
    assert notifications_link(note).startswith(reverse("clues:action", args=[clue.pk, "assign"]))


@pytest.mark.django_db
def test_nobody_is_told_about_a_clue_about_themselves(city, django_capture_on_commit_callbacks):
    # the leader of county A is the subject: the approval goes to the city's leader instead
    add_users(city)
    clue = register(city, subject=city.people["leader_a"])
    with django_capture_on_commit_callbacks(execute=True):
        advance(city, clue, Status.ASSIGNED, approver=city.leader_city)
        actions.propose_disposition(
            city.handler_a, clue, disposition=Disposition.PRELIMINARY_CHECK, reason="问题具体"
        )
    assert set(notices(K.APPROVAL)) == {"leader_city"}
    assert not Notification.objects.filter(user=city.leader_a).exists()


@pytest.mark.django_db
def test_an_important_clue_tells_only_those_named(city, django_capture_on_commit_callbacks):
    add_users(city)
    clue = register(city, subject=city.people["officer_a"], sensitivity=Sensitivity.IMPORTANT)
    actions.name_viewers(city.office_handler, clue, users=[city.office_handler, city.handler_a])
    with django_capture_on_commit_callbacks(execute=True):
        advance(city, clue, Status.ASSIGNED)
        actions.propose_disposition(
            city.handler_a, clue, disposition=Disposition.PRELIMINARY_CHECK, reason="问题具体"
        )
    # leaders hold clues.approve on the units but are not named: nobody is told of the request
    assert set(notices(K.ASSIGNED)) == {"handler_a"}
    assert notices(K.APPROVAL) == {}


@pytest.mark.django_db
def test_nothing_is_raised_when_the_step_rolls_back(city, django_capture_on_commit_callbacks):
    from django.db import transaction

    clue = register(city, subject=city.people["officer_a"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            actions.assign_clue(city.office_handler, clue, unit=city.court_a, handler=city.handler_a)
            transaction.set_rollback(True)
    assert not callbacks
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_notice_is_as_old_as_the_step_that_raised_it(city, django_capture_on_commit_callbacks):
    """The demo backdates a clue's steps after the fact, before the commit: the notice, written
    on commit from the stored row, carries the step's time and day (one story in the demo)."""
    from zhengdun.clues.models import Event

    clue = register(city, subject=city.people["officer_a"])
    earlier = timezone.make_aware(dt.datetime(2026, 3, 3, 10, 15))
    with django_capture_on_commit_callbacks(execute=True):
        actions.assign_clue(city.office_handler, clue, unit=city.court_a, handler=city.handler_a)
        Event.objects.filter(clue=clue, action="assign").update(at=earlier)
    (note,) = Notification.objects.filter(kind=K.ASSIGNED)
    assert note.created_at == earlier and note.deadline == dt.date(2026, 3, 3)
