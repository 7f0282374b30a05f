"""Who sees which clue: permissions.scope(user, "clues.view", …) for every user of the test city,
recusal (回避) of a clue's subjects, 重要 clues for named viewers only, and the same answer from
get_for_user (404) and from the actions (PermissionDenied)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from zhengdun.accounts import permissions
from zhengdun.accounts.roles import Role
from zhengdun.audit.models import Entry
from zhengdun.clues import actions, search, workflow
from zhengdun.clues.models import Clue, Sensitivity, Status
from zhengdun.clues.tests.domain_helpers import add_users, advance, fast_passwords, register, snapshot
from zhengdun.core.testing import make_person, make_user

S = Status


@pytest.fixture(autouse=True)
def _fast_passwords():
    with fast_passwords():
        yield


@pytest.fixture
def town(city):
    return add_users(city)


@pytest.fixture
def clues(town):
    people = town.people
    made = {
        "court_a": advance(town, register(town), S.ASSIGNED),
        "court_b": advance(
            town,
            register(town, subject=people["judge_b"]),
            S.ASSIGNED,
            unit=town.court_b,
            handler=town.handler_b,
        ),
        "city_registered": register(town),
        "county_registered": register(town, owner_unit=town.county_a, actor=town.county_office),
        "about_leader_a": advance(
            town, register(town, subject=people["leader_a"]), S.DISPOSITION_PENDING, approver=town.leader_city
        ),
        "about_officer_a": advance(town, register(town, subject=people["officer_a"]), S.ASSIGNED),
        "important": advance(
            town, register(town, sensitivity=Sensitivity.IMPORTANT, viewers=[town.handler_a]), S.ASSIGNED
        ),
    }
    return made


ALL = {
    "court_a",
    "court_b",
    "city_registered",
    "county_registered",
    "about_leader_a",
    "about_officer_a",
    "important",
}
EXPECTED = {
    # the city office registered them all, so it is also named on the 重要 one
    "office_handler": ALL,
    "county_office": {"court_a", "county_registered", "about_leader_a", "about_officer_a"},
    "leader_city": ALL - {"important"},
    "leader_a": {"court_a", "county_registered", "about_officer_a"},  # not his own, not 重要
    "handler_a": {"court_a", "about_leader_a", "about_officer_a", "important"},
    "handler_b": {"court_b"},
    "officer_a": set(),  # 干警 have no clues.view at all
    "outsider": set(),
    "sysadmin": set(),  # 三员 run the system, they do not read case files
    "secadmin": set(),
    "auditor": set(),
}


def visible(user, clues) -> set[str]:
    ids = set(permissions.scope(user, "clues.view", Clue.objects.all()).values_list("pk", flat=True))
    return {name for name, clue in clues.items() if clue.pk in ids}


def test_it_scopes_clues_for_every_user_of_the_city(town, clues):
    assert set(EXPECTED) == set(town.users)
    problems = {}
    for username, user in town.users.items():
        got = visible(user, clues)
        if got != EXPECTED[username]:
            problems[username] = {"missing": EXPECTED[username] - got, "extra": got - EXPECTED[username]}
    assert not problems, problems
    # and nothing beyond the clues made here
    assert permissions.scope(town.office_handler, "clues.view", Clue.objects.all()).count() == len(ALL)


def test_it_answers_404_for_a_clue_out_of_scope_like_a_missing_one(town, clues):
    for username, user in town.users.items():
        for name, clue in clues.items():
            if name in EXPECTED[username]:
                assert permissions.get_for_user(user, "clues.view", Clue.objects.all(), pk=clue.pk) == clue
            else:
                with pytest.raises(Http404):
                    permissions.get_for_user(user, "clues.view", Clue.objects.all(), pk=clue.pk)
            assert workflow.may_see(user, clue) is (name in EXPECTED[username])
    with pytest.raises(Http404):
        permissions.get_for_user(town.office_handler, "clues.view", Clue.objects.all(), pk=10**9)


def test_it_keeps_search_within_scope(town, clues):
    # every clue here shares the default summary; search narrows scope, never widens it
    for username, user in town.users.items():
        found = search.filter_clues(permissions.scope(user, "clues.view", Clue.objects.all()), "经商办企业")
        assert {n for n, c in clues.items() if c in set(found)} == EXPECTED[username], username


def test_it_refuses_a_recused_leader_who_holds_the_permission(town, clues):
    clue = clues["about_leader_a"]
    assert permissions.has_permission(town.leader_a, "clues.approve", clue.handling_unit)
    before = snapshot(clue)
    with pytest.raises(PermissionDenied):
        actions.approve_disposition(town.leader_a, clue, comment="同意")
    with pytest.raises(PermissionDenied):
        actions.reject_disposition(town.leader_a, clue, comment="不同意")
    with pytest.raises(PermissionDenied):
        actions.supervise_clue(town.leader_a, clue, level="general", reason="进展缓慢")
    with pytest.raises(PermissionDenied):
        actions.reveal_reporter(town.leader_a, clue)
    assert snapshot(clue) == before
    assert workflow.available(town.leader_a, clue) == []
    actions.approve_disposition(town.leader_city, clue, comment="同意")


def test_it_refuses_a_recused_unit_handler(town):
    judge = make_person(town.court_a, "孙法官")
    handler = make_user("handler_a2", town.court_a, (Role.UNIT_HANDLER, town.court_a), person=judge)
    clue = advance(town, register(town, subject=judge), S.ASSIGNED)
    assert workflow.may_see(town.handler_a, clue)
    assert not workflow.may_see(handler, clue)
    with pytest.raises(PermissionDenied):
        actions.propose_disposition(handler, clue, disposition="TH", reason="拟谈话函询")
    with pytest.raises(PermissionDenied):
        actions.return_clue(handler, clue, reason="错派")
    assert workflow.available(handler, clue) == []
    # nor may the office make them the handler of a clue about themselves
    other = register(town, subject=judge)
    before = snapshot(other)
    with pytest.raises(ValidationError) as err:
        actions.assign_clue(town.office_handler, other, unit=town.court_a, handler=handler)
    assert "回避" in err.value.message_dict["handler"][0]
    assert snapshot(other) == before


def test_it_keeps_recusal_over_naming(town):
    clue = register(
        town, subject=town.people["leader_a"], sensitivity=Sensitivity.IMPORTANT, viewers=[town.leader_a]
    )
    assert not workflow.may_see(town.leader_a, clue)
    actions.name_viewers(town.office_handler, clue, users=[town.leader_a, town.leader_city])
    assert not workflow.may_see(town.leader_a, clue)
    assert workflow.may_see(town.leader_city, Clue.objects.get(pk=clue.pk))


def test_it_shows_an_important_clue_only_while_named(town, clues):
    clue = clues["important"]
    assert not workflow.may_see(town.leader_a, clue)
    with pytest.raises(PermissionDenied):
        actions.supervise_clue(town.leader_a, clue, level="key", reason="领导批示")
    actions.name_viewers(town.office_handler, clue, users=[town.office_handler, town.leader_a])
    clue = Clue.objects.get(pk=clue.pk)
    assert workflow.may_see(town.leader_a, clue)
    assert not workflow.may_see(town.handler_a, clue)  # no longer named
    with pytest.raises(PermissionDenied):
        actions.propose_disposition(town.handler_a, clue, disposition="TH", reason="拟谈话函询")
    actions.supervise_clue(town.leader_a, clue, level="key", reason="领导批示")
    # naming does not widen the unit scope: handler_b named on a court A clue still cannot act
    actions.name_viewers(
        town.office_handler, Clue.objects.get(pk=clue.pk), users=[town.office_handler, town.handler_b]
    )
    assert not workflow.may_see(town.handler_b, Clue.objects.get(pk=clue.pk))


def test_it_shows_the_reporter_only_to_holders_of_the_right_and_audits_each_view(town, clues):
    clue = clues["court_a"]
    with pytest.raises(PermissionDenied):
        actions.reveal_reporter(town.handler_a, clue)  # sees the clue, not the reporter
    with pytest.raises(PermissionDenied):
        actions.reveal_reporter(town.handler_b, clue)
    views = Entry.objects.filter(action="clue.reporter_viewed").count()
    assert actions.reveal_reporter(town.leader_a, clue)["name"] == "周举报"
    assert actions.reveal_reporter(town.office_handler, clue)["phone"] == "13800000000"
    assert Entry.objects.filter(action="clue.reporter_viewed").count() == views + 2
