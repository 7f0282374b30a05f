"""Every action of the declared table × every status × every user: workflow.check allows exactly
when the status is a source, the user holds the permission on the row's unit and may see the
clue; then every transition function of clues.actions, once where it is allowed and once from
each state where it is not.

The clues (four visibility variants × twelve states) are built once for the module inside a
transaction that is rolled back at the end; each test runs in its own savepoint on top.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from unittest.mock import patch

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zhengdun.clues import actions, workflow
from zhengdun.clues.models import Clue, Disposition, Event, Feedback, Request, Status, Transfer
from zhengdun.clues.tests.domain_helpers import (
    KEY_STATUS,
    WORLD_KEYS,
    Oracle,
    audit_entries,
    build_world,
    fast_passwords,
    snapshot,
)
from zhengdun.core.errors import InvalidTransition
from zhengdun.core.testing import City, build_city

S = Status
OWNER, HANDLING, EITHER = workflow.OWNER, workflow.HANDLING, workflow.EITHER
IN_HAND = {S.ASSIGNED, S.DISPOSITION_PENDING, S.HANDLING, S.CLOSURE_PENDING}
NOT_FINAL = set(S) - {S.MERGED, S.ARCHIVED}
OPEN = {S.REGISTERED, S.ASSIGNED, S.DISPOSITION_PENDING, S.HANDLING, S.CLOSURE_PENDING}

# The lifecycle as issue 3 and domain.md §3 describe it, restated here so that an edit of
# workflow.ACTIONS that changes who may do what from where has to be made twice.
# name: (sources, targets, permission, unit)
EXPECTED: dict[str, tuple[set[str], set[str], str, str]] = {
    "assign": ({S.REGISTERED}, {S.ASSIGNED}, "clues.assign", OWNER),
    "return_to_office": ({S.ASSIGNED}, {S.REGISTERED}, "clues.handle", HANDLING),
    "propose_disposition": ({S.ASSIGNED}, {S.DISPOSITION_PENDING}, "clues.handle", HANDLING),
    "approve_disposition": (
        {S.DISPOSITION_PENDING},
        {S.HANDLING, S.ON_HOLD, S.CLOSED},
        "clues.approve",
        EITHER,
    ),
    "reject_disposition": ({S.DISPOSITION_PENDING}, {S.ASSIGNED}, "clues.approve", EITHER),
    "reactivate": ({S.ON_HOLD}, {S.ASSIGNED}, "clues.handle", HANDLING),
    "submit_closure": ({S.HANDLING}, {S.CLOSURE_PENDING}, "clues.handle", HANDLING),
    "approve_closure": ({S.CLOSURE_PENDING}, {S.CLOSED}, "clues.approve", EITHER),
    "reject_closure": ({S.CLOSURE_PENDING}, {S.HANDLING}, "clues.approve", EITHER),
    "record_feedback": ({S.CLOSED, S.FED_BACK}, {S.FED_BACK}, "clues.feedback", EITHER),
    "archive": ({S.CLOSED, S.FED_BACK, S.TRANSFERRED}, {S.ARCHIVED}, "clues.assign", OWNER),
    "transfer": ({S.REGISTERED, S.ASSIGNED, S.HANDLING}, {S.TRANSFERRED}, "clues.assign", OWNER),
    "merge": ({S.REGISTERED}, {S.MERGED}, "clues.assign", OWNER),
    "reopen": ({S.CLOSED, S.FED_BACK, S.ARCHIVED}, {S.HANDLING}, "clues.approve", EITHER),
    "edit": ({S.REGISTERED, S.ASSIGNED}, set(), "clues.register", OWNER),
    "edit_subjects": ({S.REGISTERED, S.ASSIGNED, S.HANDLING}, set(), "clues.register", EITHER),
    "record_result": ({S.HANDLING}, set(), "clues.handle", HANDLING),
    "record_measure": ({S.HANDLING}, set(), "clues.handle", HANDLING),
    "record_case": ({S.HANDLING}, set(), "clues.handle", HANDLING),
    "request_extension": (IN_HAND, set(), "clues.handle", HANDLING),
    "decide_extension": (IN_HAND, set(), "clues.approve", EITHER),
    "supervise": (OPEN, set(), "clues.supervise", EITHER),
    "record_transfer_outcome": ({S.TRANSFERRED, S.ARCHIVED}, set(), "clues.assign", OWNER),
    "attach": (NOT_FINAL, set(), "clues.attach", EITHER),
    "name_viewers": (NOT_FINAL, set(), "clues.assign", OWNER),
}


@dataclass
class World:
    city: City
    ids: dict[str, dict[str, int]]
    oracle: Oracle

    def clue(self, variant: str, key: str) -> Clue:
        # always from the database: an earlier test may have moved the Python object
        return Clue.objects.select_related("owner_unit", "handling_unit").get(pk=self.ids[variant][key])

    def all_clues(self) -> Iterator[tuple[str, str, Clue]]:
        for variant, keys in self.ids.items():
            for key in keys:
                yield variant, key, self.clue(variant, key)


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), fast_passwords():
        block = transaction.atomic()
        block.__enter__()
        try:
            city = build_city()
            ids = build_world(city)
            yield World(city, ids, Oracle())
        finally:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


def expected_outcome(world: World, sees: bool, user: Any, clue: Clue, name: str) -> str:
    sources, _targets, permission, where = EXPECTED[name]
    if not sees:
        return "denied"  # out of sight: not even the state is disclosed
    if clue.status not in sources:
        return "invalid"
    units = {
        OWNER: [clue.owner_unit_id],
        HANDLING: [clue.handling_unit_id],
        EITHER: [clue.owner_unit_id, clue.handling_unit_id],
    }[where]
    return "ok" if any(world.oracle.has(user, permission, u) for u in units) else "denied"


def outcome(user: Any, clue: Clue, name: str) -> str:
    try:
        workflow.check(user, clue, name)
    except InvalidTransition:
        return "invalid"
    except PermissionDenied:
        return "denied"
    return "ok"


@dataclass
class Decisions:
    got: dict[tuple[str, str, str, str], str]  # (action, variant, key, username) → ok/invalid/denied
    expected: dict[tuple[str, str, str, str], str]
    offered: dict[tuple[str, str, str], set[str]]  # (variant, key, username) → available() names
    status: dict[tuple[str, str], str]


# Tests on the module's data ask for `db` as well: pytest-django runs database tests first and
# the rest after the transactional ones, whose flush would have emptied the reference tables.
@pytest.fixture(scope="module")
def decisions(world: World, django_db_blocker: Any) -> Decisions:
    """check() for every action × clue × user, computed once. may_see() is the one query in
    check(); it depends on the user and the clue only, so it is asked once per pair here (the
    real function, memoised for the loop) — the rest of check() runs for every triple."""
    real_may_see = workflow.may_see
    seen: dict[tuple[int, int], bool] = {}

    def may_see(user: Any, clue: Clue) -> bool:
        key = (user.pk, clue.pk)
        if key not in seen:
            seen[key] = real_may_see(user, clue)
        return seen[key]

    result = Decisions({}, {}, {}, {})
    with django_db_blocker.unblock(), patch.object(workflow, "may_see", may_see):
        for variant, key, clue in world.all_clues():
            result.status[(variant, key)] = clue.status
            for username, user in world.city.users.items():
                sees = world.oracle.sees(user, clue)
                for name in EXPECTED:
                    result.got[(name, variant, key, username)] = outcome(user, clue, name)
                    result.expected[(name, variant, key, username)] = expected_outcome(
                        world, sees, user, clue, name
                    )
                result.offered[(variant, key, username)] = {a.name for a in workflow.available(user, clue)}
    return result


def test_it_declares_the_expected_table():
    assert set(workflow.ACTIONS) == set(EXPECTED)
    for name, (sources, targets, permission, where) in EXPECTED.items():
        action = workflow.ACTIONS[name]
        assert (set(action.sources), set(action.targets), action.permission, action.unit) == (
            sources,
            targets,
            permission,
            where,
        ), name


def test_it_builds_every_status_for_the_matrix(world, db):
    assert {KEY_STATUS[k] for k in WORLD_KEYS} == set(Status)
    for variant, key, clue in world.all_clues():
        assert clue.status == KEY_STATUS[key], (variant, key)
    assert world.clue("main", "closed_lj").disposition == Disposition.CLOSE
    assert world.clue("main", "on_hold").disposition == Disposition.HOLD


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_it_allows_each_action_exactly_for_source_state_permission_and_sight(decisions, db, name):
    problems = []
    counts = {"ok": 0, "invalid": 0, "denied": 0}
    for (action, variant, key, username), got in decisions.got.items():
        if action != name:
            continue
        counts[got] += 1
        expected = decisions.expected[(action, variant, key, username)]
        if got != expected:
            status = decisions.status[(variant, key)]
            problems.append(
                f"({name}, {key}/{variant} [{status}], {username}): expected {expected}, got {got}"
            )
    assert not problems, "\n".join(problems)
    # allowed somewhere and refused both ways somewhere: the matrix is not vacuous
    assert counts["ok"] and counts["invalid"] and counts["denied"], counts


def test_it_offers_as_buttons_exactly_the_actions_check_allows(decisions, db):
    problems = []
    for (variant, key, username), offered in decisions.offered.items():
        allowed = {n for n in EXPECTED if decisions.got[(n, variant, key, username)] == "ok"}
        if offered != allowed:
            problems.append(
                f"({key}/{variant}, {username}): offered {sorted(offered)}, allowed {sorted(allowed)}"
            )
    assert not problems, "\n".join(problems)


def test_it_decides_for_every_user_of_the_city(decisions, world, db):
    users = {u for (_a, _v, _k, u) in decisions.got}
    assert users == set(world.city.users)
    assert {"office_handler", "leader_a", "handler_a", "handler_b", "officer_a", "outsider"} <= users
    assert {"sysadmin", "secadmin", "auditor"} <= users


def test_it_lets_the_main_actors_act_somewhere(world, db):
    # a guard against an oracle that denies everything alike
    city = world.city
    assert outcome(city.office_handler, world.clue("main", "registered"), "assign") == "ok"
    assert outcome(city.handler_a, world.clue("main", "assigned"), "propose_disposition") == "ok"
    assert outcome(city.leader_a, world.clue("main", "disposition_pending"), "approve_disposition") == "ok"
    assert (
        outcome(city.leader_a, world.clue("recused", "disposition_pending"), "approve_disposition")
        == "denied"
    )
    assert (
        outcome(city.leader_city, world.clue("recused", "disposition_pending"), "approve_disposition") == "ok"
    )
    assert (
        outcome(city.leader_a, world.clue("important", "disposition_pending"), "approve_disposition")
        == "denied"
    )
    assert outcome(city.handler_b, world.clue("main", "assigned"), "propose_disposition") == "denied"
    assert outcome(city.handler_b, world.clue("court_b", "assigned"), "propose_disposition") == "ok"
    assert outcome(city.county_office, world.clue("main", "registered"), "assign") == "denied"
    assert outcome(city.sysadmin, world.clue("main", "registered"), "assign") == "denied"


# --- the transition functions --------------------------------------------------------------------


@dataclass
class Spec:
    name: str
    actor: str
    call: Callable[[World, Any, Clue], Any]
    allowed: tuple[str, ...]  # world keys (main variant) from which one call succeeds
    target: dict[str, str]  # world key → status after
    prep: Callable[[World, Clue], None] | None = None


def _record_results(w: World, clue: Clue) -> None:
    for subject in clue.subjects.all():
        actions.record_result(w.city.handler_a, subject, result="true", note="属实")


def _record_outcome(w: World, clue: Clue) -> None:
    actions.record_transfer_outcome(
        w.city.office_handler, clue.transfers.get(), outcome="给予诫勉", result="true"
    )


def _today() -> Any:
    return timezone.localdate()


SPECS = [
    Spec(
        "assign",
        "office_handler",
        lambda w, u, c: actions.assign_clue(u, c, unit=w.city.court_a, handler=w.city.handler_a),
        ("registered",),
        {"registered": S.ASSIGNED},
    ),
    Spec(
        "return_to_office",
        "handler_a",
        lambda w, u, c: actions.return_clue(u, c, reason="不属于本院管辖"),
        ("assigned",),
        {"assigned": S.REGISTERED},
    ),
    Spec(
        "propose_disposition",
        "handler_a",
        lambda w, u, c: actions.propose_disposition(u, c, disposition="TH", reason="拟谈话函询"),
        ("assigned",),
        {"assigned": S.DISPOSITION_PENDING},
    ),
    Spec(
        "approve_disposition",
        "leader_a",
        lambda w, u, c: actions.approve_disposition(u, c, comment="同意"),
        ("disposition_pending",),
        {"disposition_pending": S.HANDLING},
    ),
    Spec(
        "reject_disposition",
        "leader_a",
        lambda w, u, c: actions.reject_disposition(u, c, comment="依据不足，重新研判"),
        ("disposition_pending",),
        {"disposition_pending": S.ASSIGNED},
    ),
    Spec(
        "reactivate",
        "handler_a",
        lambda w, u, c: actions.reactivate_clue(u, c, reason="收到新的举报材料"),
        ("on_hold",),
        {"on_hold": S.ASSIGNED},
    ),
    Spec(
        "submit_closure",
        "handler_a",
        lambda w, u, c: actions.submit_closure(u, c, reason="核查完毕"),
        ("handling",),
        {"handling": S.CLOSURE_PENDING},
        prep=_record_results,
    ),
    Spec(
        "approve_closure",
        "leader_a",
        lambda w, u, c: actions.approve_closure(u, c, comment="同意办结"),
        ("closure_pending",),
        {"closure_pending": S.CLOSED},
    ),
    Spec(
        "reject_closure",
        "leader_a",
        lambda w, u, c: actions.reject_closure(u, c, comment="证据不充分"),
        ("closure_pending",),
        {"closure_pending": S.HANDLING},
    ),
    Spec(
        "record_feedback",
        "office_handler",
        lambda w, u, c: actions.record_feedback(
            u, c, method=Feedback.Method.PHONE, fed_back_on=_today(), content="已告知办理结果"
        ),
        ("closed", "closed_lj", "fed_back"),
        {"closed": S.FED_BACK, "closed_lj": S.FED_BACK, "fed_back": S.FED_BACK},
    ),
    Spec(
        "archive",
        "office_handler",
        lambda w, u, c: actions.archive_clue(u, c),
        ("fed_back", "transferred"),
        {"fed_back": S.ARCHIVED, "transferred": S.ARCHIVED},
        prep=lambda w, c: _record_outcome(w, c) if c.status == S.TRANSFERRED else None,
    ),
    Spec(
        "transfer",
        "office_handler",
        lambda w, u, c: actions.transfer_clue(
            u, c, target=Transfer.Target.DISCIPLINE, receiver="市纪委监委", reason="涉嫌职务违法"
        ),
        ("registered", "assigned", "handling"),
        {"registered": S.TRANSFERRED, "assigned": S.TRANSFERRED, "handling": S.TRANSFERRED},
    ),
    Spec(
        "merge",
        "office_handler",
        lambda w, u, c: actions.merge_clue(u, c, into=w.clue("main", "handling"), reason="重复件"),
        ("registered",),
        {"registered": S.MERGED},
    ),
    Spec(
        "reopen",
        "leader_a",
        lambda w, u, c: actions.reopen_clue(u, c, reason="回头看发现新问题"),
        ("closed", "fed_back", "archived"),
        {"closed": S.HANDLING, "fed_back": S.HANDLING, "archived": S.HANDLING},
    ),
]
SPEC_IDS = [s.name for s in SPECS]


def test_it_covers_every_transition_of_the_table():
    assert set(SPEC_IDS) == {n for n, a in workflow.ACTIONS.items() if a.is_transition}


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_it_refuses_each_transition_from_every_wrong_state_and_changes_nothing(world, db, spec):
    actor = world.city.users[spec.actor]
    sources = EXPECTED[spec.name][0]
    tried = 0
    for key in WORLD_KEYS:
        clue = world.clue("main", key)
        if clue.status in sources:
            continue
        expected = InvalidTransition if world.oracle.sees(actor, clue) else PermissionDenied
        before = snapshot(clue)
        with pytest.raises(expected):
            spec.call(world, actor, clue)
        assert snapshot(clue) == before, (spec.name, key)
        tried += 1
    assert tried == sum(KEY_STATUS[k] not in sources for k in WORLD_KEYS)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_it_runs_each_transition_from_its_states_with_event_and_audit(world, db, spec, monkeypatch):
    actor = world.city.users[spec.actor]
    for key in spec.allowed:
        sid = transaction.savepoint()
        clue = world.clue("main", key)
        if spec.prep:
            spec.prep(world, clue)
            clue = world.clue("main", key)
        before_status = clue.status
        events_before = Event.objects.filter(clue=clue, action=spec.name).count()
        audit_before = len(audit_entries(clue, f"clue.{spec.name}"))

        # the audit entry is written in the transaction of the change: when it fails, nothing stays
        state = snapshot(clue)

        def broken_record(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("audit store unavailable")

        with monkeypatch.context() as m:
            m.setattr(actions._common, "record", broken_record)
            with pytest.raises(RuntimeError):
                spec.call(world, actor, clue)
        assert snapshot(clue) == state, (spec.name, key)

        clue = world.clue("main", key)
        spec.call(world, actor, clue)
        clue = world.clue("main", key)
        target = spec.target[key]
        assert clue.status == target, (spec.name, key)
        assert clue.version == state["clue"]["version"] + 1, (spec.name, key)
        events = list(Event.objects.filter(clue=clue, action=spec.name).order_by("id"))
        assert len(events) == events_before + 1, (spec.name, key)
        assert (events[-1].from_status, events[-1].to_status, events[-1].actor_id) == (
            before_status,
            target,
            actor.pk,
        )
        entries = audit_entries(clue, f"clue.{spec.name}")
        assert len(entries) == audit_before + 1, (spec.name, key)
        assert entries[0].data["status"] == [before_status, target]
        assert entries[0].actor_id == actor.pk
        transaction.savepoint_rollback(sid)


def test_it_refuses_a_transition_without_its_reason_and_changes_nothing(world, db):
    clue = world.clue("main", "assigned")
    before = snapshot(clue)
    with pytest.raises(ValidationError) as err:
        actions.return_clue(world.city.handler_a, clue, reason="   ")
    assert "reason" in err.value.message_dict
    assert snapshot(clue) == before


def test_it_keeps_the_pending_request_answered_once(world, db):
    clue = world.clue("main", "disposition_pending")
    actions.approve_disposition(world.city.leader_a, clue, comment="同意")
    req = Request.objects.get(clue=clue, kind=Request.Kind.DISPOSITION)
    assert (req.decision, req.decided_by_id) == (Request.Decision.APPROVED, world.city.leader_a.pk)
    assert not Request.objects.filter(clue=clue, decision="").exists()
