"""Who sees which problems and institutions (actions.problems_visible, accounts.permissions.scope
on Problem and Institution): the office and inspection teams the whole city, a unit handler their
unit's subtree, a leader their county, nobody else anything — the three admins included."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from zhengdun.accounts import permissions
from zhengdun.core.testing import City
from zhengdun.rectification import actions
from zhengdun.rectification.models import Institution, Problem
from zhengdun.rectification.tests.helpers import (
    add_inspector,
    fast_passwords,  # noqa: F401 - fixture
    make_problem,
    pdf,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

# which of the world's rows each user sees
SEES = {
    "office_handler": {"court_a", "station_a", "county_a", "court_b"},
    "inspector": {"court_a", "station_a", "county_a", "court_b"},
    "leader_a": {"court_a", "station_a", "county_a"},
    "handler_a": {"court_a"},
    "handler_b": {"court_b"},
    "officer_a": set(),
    "outsider": set(),
    "sysadmin": set(),
    "secadmin": set(),
    "auditor": set(),
}


@pytest.fixture
def world(city: City) -> dict[str, Any]:
    """A problem and an institution of each of four units: 甲县法院, 城关派出所 (under 甲县公安局),
    甲县 itself and 乙县法院."""
    add_inspector(city)
    person = {
        "court_a": city.people["judge_a"],
        "station_a": city.people["officer_a"],
        "county_a": city.people["leader_a"],
        "court_b": city.people["judge_b"],
    }
    problems, institutions = {}, {}
    for key, who in person.items():
        unit = getattr(city, key)
        problems[key] = make_problem(
            city, title=f"{unit.name}的问题", responsible_unit=unit.pk, responsible_person=who.pk
        )
        institutions[key] = actions.register_institution(
            city.office_handler,
            {
                "title": f"{unit.name}的制度",
                "issuing_unit": unit.pk,
                "issued_on": "2026-01-05",
                "scope": "本单位",
            },
            problems=[problems[key]],
            files=[pdf()],
        )
    return {"problems": problems, "institutions": institutions}


@pytest.mark.parametrize("username", list(SEES))
def test_each_role_sees_the_problems_of_its_reach(city, world, username):
    user = city.users[username]
    by_pk = {p.pk: key for key, p in world["problems"].items()}
    visible = {by_pk[pk] for pk in actions.problems_visible(user).values_list("pk", flat=True)}
    assert visible == SEES[username]
    # the scope every list, map and export starts from is the same one get_for_user answers by
    for key, problem in world["problems"].items():
        if key in SEES[username]:
            assert (
                permissions.get_for_user(user, "rectification.view", Problem.objects.all(), pk=problem.pk)
                == problem
            )
        else:
            with pytest.raises(Http404):
                permissions.get_for_user(user, "rectification.view", Problem.objects.all(), pk=problem.pk)
    # counting by status keeps the scope
    today = world["problems"]["court_a"].deadline
    assert actions.problems_visible(user).with_status(today).count() == len(SEES[username])


@pytest.mark.parametrize("username", list(SEES))
def test_each_role_sees_the_institutions_of_its_reach(city, world, username):
    user = city.users[username]
    by_pk = {row.pk: key for key, row in world["institutions"].items()}
    scoped = permissions.scope(user, "rectification.view", Institution.objects.all())
    assert {by_pk[pk] for pk in scoped.values_list("pk", flat=True)} == SEES[username]
    for key, row in world["institutions"].items():
        if key not in SEES[username]:
            with pytest.raises(Http404):
                permissions.get_for_user(user, "rectification.view", Institution.objects.all(), pk=row.pk)


def test_a_problem_moved_to_another_unit_moves_out_of_sight(city, world):
    problem = world["problems"]["court_a"]
    data = {
        "title": problem.title,
        "category": problem.category_id,
        "source": problem.source,
        "description": problem.description,
        "responsible_unit": city.court_b.pk,
        "responsible_leader": problem.responsible_leader_id,
        "responsible_person": city.people["judge_b"].pk,
        "measures": problem.measures,
        "standard": problem.standard,
        "deadline": problem.deadline,
    }
    actions.update_problem(city.office_handler, problem, data, version=problem.version)
    assert not actions.problems_visible(city.handler_a).filter(pk=problem.pk).exists()
    assert actions.problems_visible(city.handler_b).filter(pk=problem.pk).exists()
    assert not actions.problems_visible(city.leader_a).filter(pk=problem.pk).exists()


def test_an_inactive_grant_unit_shows_nothing(city, world):
    # a grant on a unit that was dissolved gives nothing (permissions reads active units only)
    from zhengdun.org.models import Unit

    Unit.objects.filter(pk=city.court_a.pk).update(is_active=False)
    handler = type(city.handler_a).objects.get(pk=city.handler_a.pk)
    assert not actions.problems_visible(handler).exists()
