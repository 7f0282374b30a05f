"""The deadline scan tells exactly the people who handle or approve clues in the handling unit and
may see the clue — decided by scope(), the one visibility rule. Held against the rule written out
by hand (grant on the handling unit's subtree, active account and unit, not a subject of the clue,
named if the clue is 重要) and against the detail page's own test (workflow.may_see), over random
grants, sensitivities, viewers and recusals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhengdun.accounts.models import RoleAssignment, User
from zhengdun.accounts.roles import Role, permissions_of
from zhengdun.clues import actions, deadlines, workflow
from zhengdun.clues.models import Clue, ClueViewer, Notification, Sensitivity
from zhengdun.clues.testing import register
from zhengdun.clues.tests.domain_helpers import fast_passwords
from zhengdun.core.testing import City, make_person, make_user
from zhengdun.org.models import Unit

UNITS = ("city", "county_a", "court_a", "police_a", "station_a", "county_b", "court_b")
HANDLING = ("court_a", "police_a", "station_a", "court_b")
ROLES = (Role.UNIT_HANDLER, Role.LEADER, Role.OFFICE_HANDLER, Role.INSPECTOR, Role.OFFICER)

person = st.fixed_dictionaries(
    {
        "role": st.sampled_from(ROLES),
        "unit": st.sampled_from(UNITS),
        "subject": st.booleans(),  # the clue names this person (回避)
        "viewer": st.booleans(),  # named to see the clue when it is 重要
        "active": st.booleans(),
    }
)


def expected(clue: Clue) -> set[int]:
    """The rule written out by hand, as the scan once computed it in Python."""
    subjects = set(clue.subjects.exclude(person=None).values_list("person_id", flat=True))
    viewers = set(ClueViewer.objects.filter(clue=clue).values_list("user_id", flat=True))
    handling = clue.handling_unit.path
    told = set()
    for user_id, role, path, person_id in RoleAssignment.objects.filter(
        user__is_active=True, unit__is_active=True
    ).values_list("user_id", "role", "unit__path", "user__person_id"):
        perms = permissions_of(role)
        if not handling.startswith(path) or not ({"clues.handle", "clues.approve"} & perms):
            continue
        if person_id is not None and person_id in subjects:
            continue
        if clue.sensitivity == Sensitivity.IMPORTANT and user_id not in viewers:
            continue
        told.add(user_id)
    return told


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    people=st.lists(person, max_size=5),
    handling=st.sampled_from(HANDLING),
    important=st.booleans(),
    near=st.booleans(),
)
def test_the_scan_tells_exactly_those_who_act_and_may_see(
    city: City, people: list[dict[str, Any]], handling: str, important: bool, near: bool
) -> None:
    with fast_passwords(), transaction.atomic():
        units: dict[str, Unit] = {name: getattr(city, name) for name in UNITS}
        made = []
        for i, p in enumerate(people):
            someone = make_person(units[p["unit"]], f"甲{i}")
            user = make_user(f"p{i}", units[p["unit"]], (p["role"], units[p["unit"]]), person=someone)
            if not p["active"]:
                User.objects.filter(pk=user.pk).update(is_active=False)
            made.append((p, user, someone))
        subjects = [{"person_id": city.people["judge_a"].pk}]
        subjects += [{"person_id": someone.pk} for p, _, someone in made if p["subject"]]
        clue = register(
            city,
            subjects=subjects,
            sensitivity=Sensitivity.IMPORTANT if important else Sensitivity.NORMAL,
        )
        actions.assign_clue(city.office_handler, clue, unit=units[handling])
        today = timezone.localdate()
        due = deadlines.near_until(today) if near else today - dt.timedelta(days=1)
        Clue.objects.filter(pk=clue.pk).update(deadline=due)
        if important:
            named = [user for p, user, _ in made if p["viewer"]] + [city.handler_a, city.leader_a]
            ClueViewer.objects.bulk_create(
                [ClueViewer(clue=clue, user=u) for u in named], ignore_conflicts=True
            )
        clue.refresh_from_db()

        deadlines.scan(today)

        told = set(Notification.objects.filter(clue=clue).values_list("user_id", flat=True))
        assert told == expected(clue)
        for user in User.objects.filter(pk__in=told):
            assert workflow.may_see(user, clue), user.username
        transaction.set_rollback(True)
