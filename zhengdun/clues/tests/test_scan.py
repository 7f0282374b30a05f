"""The deadline scan (clues.deadlines.scan): who is told about a near-due or overdue clue, and
that each is told once per clue, threshold and deadline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from zhengdun.clues import actions, deadlines
from zhengdun.clues.models import Clue, Notification, Sensitivity, Status
from zhengdun.clues.tests.domain_helpers import add_users, advance, fast_passwords, register
from zhengdun.core import workdays

S = Status
NEAR, OVERDUE = Notification.Kind.NEAR_DUE, Notification.Kind.OVERDUE
COURT_A_TEAM = {"handler_a", "leader_a", "leader_city"}


@pytest.fixture(autouse=True)
def _setup(db):
    with fast_passwords():
        workdays.forget_overrides()
        yield
        workdays.forget_overrides()


@pytest.fixture
def town(city):
    return add_users(city)


def day(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def assigned(town, *, deadline: dt.date, **kw) -> Clue:
    return advance(town, register(town, **kw), S.ASSIGNED, deadline=deadline)


def told(clue: Clue, kind: str | None = None) -> set[str]:
    rows = Notification.objects.filter(clue=clue)
    if kind:
        rows = rows.filter(kind=kind)
    return set(rows.values_list("user__username", flat=True))


def test_it_tells_the_handler_the_units_handlers_and_the_leaders_above(town):
    clue = assigned(town, deadline=day(20))
    assert deadlines.scan(day(0)) == 0  # 20 days away: nothing yet
    raised = deadlines.scan(day(20))
    assert told(clue, NEAR) == COURT_A_TEAM
    assert raised == 3
    note = Notification.objects.get(clue=clue, user=town.handler_a)
    assert clue.number in note.message and "即将到期" in note.message
    assert note.deadline == clue.deadline and note.read_at is None


def test_it_tells_unit_handlers_who_are_not_the_named_handler(town):
    clue = actions.assign_clue(town.office_handler, register(town), unit=town.court_a, deadline=day(5))
    assert clue.handler_id is None
    deadlines.scan(day(5))
    assert told(clue) == COURT_A_TEAM  # handler_a as court A's unit handler


def test_it_tells_each_person_once_per_threshold_and_deadline(town):
    clue = assigned(town, deadline=day(10))
    assert deadlines.scan(day(9)) == 3
    assert deadlines.scan(day(9)) == 0
    assert deadlines.scan(day(10)) == 0  # still near, same deadline
    assert deadlines.scan(day(11)) == 3  # overdue is another threshold
    assert deadlines.scan(day(12)) == 0
    assert deadlines.scan(day(40)) == 0
    assert told(clue, NEAR) == told(clue, OVERDUE) == COURT_A_TEAM
    assert Notification.objects.filter(clue=clue).count() == 6
    overdue = Notification.objects.get(clue=clue, user=town.leader_a, kind=OVERDUE)
    assert "已逾期" in overdue.message


def test_it_warns_again_when_an_extension_moves_the_deadline(town):
    clue = advance(town, register(town), S.HANDLING, deadline=day(10))
    assert deadlines.scan(day(10)) == 3
    actions.request_extension(town.handler_a, clue, new_deadline=day(30), reason="需调取外地证据")
    actions.decide_extension(town.leader_a, Clue.objects.get(pk=clue.pk), approve=True)
    assert deadlines.scan(day(10)) == 0  # no longer near
    assert deadlines.scan(day(30)) == 3
    assert set(Notification.objects.filter(clue=clue).values_list("deadline", flat=True)) == {
        day(10),
        day(30),
    }


def test_it_never_tells_a_subject_of_the_clue(town):
    clue = assigned(town, deadline=day(5), subject=town.people["leader_a"])
    deadlines.scan(day(5))
    deadlines.scan(day(6))
    assert told(clue) == {"handler_a", "leader_city"}


def test_it_tells_only_named_viewers_of_an_important_clue(town):
    clue = assigned(
        town, deadline=day(5), sensitivity=Sensitivity.IMPORTANT, viewers=[town.handler_a, town.leader_city]
    )
    assert deadlines.scan(day(5)) == 2
    assert told(clue) == {"handler_a", "leader_city"}
    # un-named, they hear nothing more of it
    actions.name_viewers(town.office_handler, Clue.objects.get(pk=clue.pk), users=[town.office_handler])
    assert deadlines.scan(day(6)) == 0
    assert told(clue, OVERDUE) == set()


def test_it_does_not_tell_other_counties_or_roles_without_handling_duties(town):
    a = assigned(town, deadline=day(5))
    b = advance(
        town,
        register(town, subject=town.people["judge_b"]),
        S.ASSIGNED,
        unit=town.court_b,
        handler=town.handler_b,
        deadline=day(5),
    )
    deadlines.scan(day(5))
    assert told(a) == COURT_A_TEAM
    assert told(b) == {"handler_b", "leader_city"}
    silent = {"office_handler", "county_office", "officer_a", "outsider", "sysadmin", "secadmin", "auditor"}
    assert not Notification.objects.filter(
        user__username__in=[town.users[u].username for u in silent]
    ).exists()


def test_it_does_not_tell_deactivated_leaders(town):
    clue = assigned(town, deadline=day(5))
    town.leader_city.is_active = False
    town.leader_city.save(update_fields=["is_active"])
    deadlines.scan(day(5))
    assert told(clue) == {"handler_a", "leader_a"}


@pytest.mark.parametrize(
    ("status", "disposition"),
    [
        (S.CLOSED, "CH"),
        (S.FED_BACK, "CH"),
        (S.ARCHIVED, "CH"),
        (S.CLOSED, "LJ"),
        (S.ON_HOLD, "ZC"),
    ],
)
def test_it_tells_nobody_about_clues_no_longer_running(town, status, disposition):
    clue = advance(town, register(town), status, disposition=disposition, deadline=day(5))
    assert clue.deadline == day(5)
    assert deadlines.scan(day(5)) == 0
    assert deadlines.scan(day(30)) == 0
    assert not Notification.objects.exists()


def test_it_tells_nobody_about_unassigned_or_transferred_clues(town):
    register(town)
    clue = assigned(town, deadline=day(5))
    actions.return_clue(town.handler_a, clue, reason="错派")
    moved = assigned(town, deadline=day(5))
    actions.transfer_clue(
        town.office_handler, moved, target="discipline", receiver="市纪委监委", reason="移交"
    )
    assert deadlines.scan(day(5)) == 0
    assert deadlines.scan(day(30)) == 0


def test_it_does_not_tell_a_named_handler_who_has_left_the_unit(town):
    from zhengdun.accounts.models import RoleAssignment

    clue = assigned(town, deadline=day(5))
    RoleAssignment.objects.filter(user=town.handler_a).delete()
    deadlines.scan(day(5))
    assert told(clue) == {"leader_a", "leader_city"}


def test_it_does_not_tell_a_deactivated_handler(town):
    clue = assigned(town, deadline=day(5))
    town.handler_a.is_active = False
    town.handler_a.save(update_fields=["is_active"])
    deadlines.scan(day(5))
    assert told(clue) == {"leader_a", "leader_city"}


def test_the_scan_reads_clues_in_keyset_batches_without_skipping_or_repeating(town):
    from zhengdun.org.models import Unit

    made = [Unit.objects.create(name=f"单位{i}", type=Unit.Type.OTHER, code=f"B{i}") for i in range(7)]
    seen = [u.pk for u in deadlines._in_batches(Unit.objects.filter(pk__in=[u.pk for u in made]), size=3)]
    assert seen == sorted(u.pk for u in made)
