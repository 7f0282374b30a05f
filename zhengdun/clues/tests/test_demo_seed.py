"""The demo clues: every state of the lifecycle is there after `zhengdun seed`, made through the
real actions (timelines and audit entries), and each demo login sees clues of its own."""

import pytest
from django.core.management import call_command

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.audit.chain import verify_chain
from zhengdun.clues.models import Clue, Event, Status


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.DEMO_RECORDS = True
    call_command("seed", officers=400, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_every_state_has_demo_clues(seeded):
    present = set(Clue.objects.values_list("status", flat=True))
    assert present == set(Status.values)
    assert Clue.objects.filter(status__in=[Status.HANDLING, Status.ASSIGNED], deadline__isnull=False).exists()


def test_demo_clues_have_real_timelines_and_a_sound_audit_chain(seeded):
    for clue in Clue.objects.filter(status=Status.ARCHIVED)[:5]:
        actions = list(Event.objects.filter(clue=clue).values_list("action", flat=True))
        assert actions[0] == "registered" and "archive" in actions
    assert list(verify_chain()) == []


def test_each_demo_login_sees_what_its_role_should(seeded):
    def visible(username):
        user = User.objects.get(username=username)
        return permissions.scope(user, "clues.view", Clue.objects.all())

    normal = Clue.objects.filter(sensitivity="normal")
    assert visible("office").filter(sensitivity="normal").count() == normal.count()
    assert visible("unit_handler").exists()
    assert visible("county_leader").exists()
    assert visible("unit_handler").count() < visible("office").count()
    assert not visible("auditor").exists()
    assert not visible("sysadmin").exists()


def test_demo_steps_happen_in_office_hours_on_working_days(seeded):
    """One story: every backdated step of a demo clue (and so its reminders) falls on a working
    day (调休 included) between 08:30 and 17:30, in order, and none after now."""
    from django.utils import timezone

    from zhengdun.core import workdays

    now = timezone.now()
    # clues turned from self-report items are made by the self-report step at the seed's own
    # moment (converted "today"), not backdated by this one
    for clue in Clue.objects.exclude(channel__code="self_report").prefetch_related("events"):
        moments = [e.at for e in sorted(clue.events.all(), key=lambda e: e.pk)]
        assert moments == sorted(moments), clue.number
        for at in moments:
            local = timezone.localtime(at)
            assert at <= now
            assert workdays.is_workday(local.date()), (clue.number, local)
            assert (8, 30) <= (local.hour, local.minute) and (local.hour, local.minute) <= (17, 30), (
                clue.number,
                local,
            )
