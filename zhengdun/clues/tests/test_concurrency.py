"""Two people acting on the same clue at once (issue 3 point 5): the second gets a conflict, no
update is lost and no transition runs twice.

(a) in-process: two Python copies of one clue, the second stale when it acts.
(b) PostgreSQL: two threads with their own connections, forced to interleave at the worst point
    (both past the checks before either writes). SQLite serialises writers at BEGIN IMMEDIATE,
    and its in-memory test database is not shared between connections, so (b) is PostgreSQL's.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from zhengdun.clues import actions, workflow
from zhengdun.clues.models import Clue, Disposition, Event, Feedback, Request, Status, Supervision, Transfer
from zhengdun.clues.tests.domain_helpers import (
    add_users,
    advance,
    audit_entries,
    fast_passwords,
    register,
    snapshot,
)
from zhengdun.core.errors import ConflictError, InvalidTransition
from zhengdun.core.testing import build_city

S = Status
REFUSED = (ConflictError, InvalidTransition)


@pytest.fixture(autouse=True)
def _fast_passwords():
    with fast_passwords():
        yield


@pytest.fixture
def town(city):
    return add_users(city)


def _results(town: Any, clue: Clue) -> None:
    for subject in clue.subjects.all():
        actions.record_result(town.handler_a, subject, result="true")


# (source status, first, second): each a (label, event action, call(town, clue)).
Call = tuple[str, str, Callable[[Any, Clue], Any]]
APPROVE: Call = ("approve", "approve_disposition", lambda t, c: actions.approve_disposition(t.leader_a, c))
APPROVE_CITY: Call = (
    "approve_city",
    "approve_disposition",
    lambda t, c: actions.approve_disposition(t.leader_city, c),
)
REJECT: Call = (
    "reject",
    "reject_disposition",
    lambda t, c: actions.reject_disposition(t.leader_city, c, comment="退回"),
)
PROPOSE: Call = (
    "propose",
    "propose_disposition",
    lambda t, c: actions.propose_disposition(t.handler_a, c, disposition="CH", reason="可查"),
)
RETURN: Call = ("return", "return_to_office", lambda t, c: actions.return_clue(t.handler_a, c, reason="错派"))
ASSIGN: Call = (
    "assign",
    "assign",
    lambda t, c: actions.assign_clue(t.office_handler, c, unit=t.court_a, handler=t.handler_a),
)
TRANSFER: Call = (
    "transfer",
    "transfer",
    lambda t, c: actions.transfer_clue(
        t.office_handler, c, target=Transfer.Target.DISCIPLINE, receiver="市纪委监委", reason="移交"
    ),
)
SUBMIT: Call = (
    "submit",
    "submit_closure",
    lambda t, c: actions.submit_closure(t.handler_a, c, reason="办结"),
)
APPROVE_CLOSURE: Call = (
    "approve_closure",
    "approve_closure",
    lambda t, c: actions.approve_closure(t.leader_a, c),
)
REJECT_CLOSURE: Call = (
    "reject_closure",
    "reject_closure",
    lambda t, c: actions.reject_closure(t.leader_city, c, comment="补充"),
)
FEEDBACK: Call = (
    "feedback",
    "record_feedback",
    lambda t, c: actions.record_feedback(
        t.office_handler, c, method=Feedback.Method.PHONE, fed_back_on=c.closed_on, content="已告知"
    ),
)
ARCHIVE: Call = ("archive", "archive", lambda t, c: actions.archive_clue(t.office_handler, c))
REOPEN: Call = ("reopen", "reopen", lambda t, c: actions.reopen_clue(t.leader_a, c, reason="回头看"))

# After a 退回 the clue has left the unit, so the stale second is refused as out of sight.
OUT_OF_SIGHT = (PermissionDenied,)
PAIRS = [
    (S.DISPOSITION_PENDING, APPROVE, APPROVE_CITY),
    (S.DISPOSITION_PENDING, APPROVE, REJECT),
    (S.DISPOSITION_PENDING, REJECT, APPROVE),
    (S.ASSIGNED, PROPOSE, PROPOSE),
    (S.ASSIGNED, PROPOSE, RETURN),
    (S.ASSIGNED, RETURN, PROPOSE, OUT_OF_SIGHT),
    (S.REGISTERED, ASSIGN, TRANSFER),
    (S.REGISTERED, ASSIGN, ASSIGN),
    (S.HANDLING, SUBMIT, SUBMIT),
    (S.HANDLING, SUBMIT, TRANSFER),
    (S.CLOSURE_PENDING, APPROVE_CLOSURE, REJECT_CLOSURE),
    (S.CLOSED, FEEDBACK, FEEDBACK),
    (S.FED_BACK, ARCHIVE, REOPEN),
]


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{p[0]}-{p[1][0]}-then-stale-{p[2][0]}" for p in PAIRS])
def test_it_refuses_a_transition_from_a_stale_copy(town, pair):
    source, first, second = pair[:3]
    refused = pair[3] if len(pair) > 3 else REFUSED
    clue = advance(town, register(town), source)
    if source == S.HANDLING:
        _results(town, clue)
    mine, theirs = Clue.objects.get(pk=clue.pk), Clue.objects.get(pk=clue.pk)
    first[2](town, mine)
    after_first = snapshot(clue)
    with pytest.raises(refused):
        second[2](town, theirs)
    assert snapshot(clue) == after_first
    assert Event.objects.filter(clue=clue, action=first[1]).count() == 1
    assert len(audit_entries(clue, f"clue.{first[1]}")) == 1
    if second[1] != first[1]:
        assert not Event.objects.filter(clue=clue, action=second[1]).exists()
        assert not audit_entries(clue, f"clue.{second[1]}")


def test_it_refuses_an_edit_on_a_stale_version_and_keeps_the_first(town):
    clue = register(town)
    page_a, page_b = Clue.objects.get(pk=clue.pk), Clue.objects.get(pk=clue.pk)
    actions.update_clue(town.office_handler, page_a, version=page_a.version, summary="摘要甲")
    after_first = snapshot(clue)
    with pytest.raises(ConflictError) as err:
        actions.update_clue(town.office_handler, page_b, version=page_b.version, summary="摘要乙")
    assert "刷新" in str(err.value)
    assert snapshot(clue) == after_first
    assert Clue.objects.get(pk=clue.pk).summary == "摘要甲"
    assert [e.data["changes"]["summary"][1] for e in Event.objects.filter(clue=clue, action="edited")] == [
        "摘要甲"
    ]


def test_it_refuses_an_edit_with_an_old_version_number_even_on_a_fresh_object(town):
    clue = register(town)
    old_version = clue.version
    actions.supervise_clue(town.office_handler, clue, level="general", reason="进展缓慢")
    fresh = Clue.objects.get(pk=clue.pk)
    before = snapshot(fresh)
    with pytest.raises(ConflictError):
        actions.update_clue(town.office_handler, fresh, version=old_version, summary="覆盖他人修改")
    assert snapshot(fresh) == before


STALE_STEPS: list[tuple[str, Callable[[Any, Clue], Any]]] = [
    ("supervise", lambda t, c: actions.supervise_clue(t.office_handler, c, level="key", reason="领导批示")),
    ("add_subject", lambda t, c: actions.add_subject(t.office_handler, c, {"name": "李四"})),
    ("name_viewers", lambda t, c: actions.name_viewers(t.office_handler, c, users=[t.handler_a])),
    (
        "attach",
        lambda t, c: actions.add_attachment(
            t.office_handler, c, upload=SimpleUploadedFile("举报信.txt", "举报内容".encode(), "text/plain")
        ),
    ),
    (
        "request_extension",
        lambda t, c: actions.request_extension(
            t.handler_a, c, new_deadline=c.deadline.replace(year=c.deadline.year + 1), reason="需外调"
        ),
    ),
]


@pytest.mark.parametrize(("label", "step"), STALE_STEPS, ids=[s[0] for s in STALE_STEPS])
def test_it_refuses_a_step_from_a_stale_copy_and_writes_nothing(town, label, step):
    clue = advance(town, register(town), S.ASSIGNED)
    stale = Clue.objects.get(pk=clue.pk)
    actions.supervise_clue(town.leader_a, Clue.objects.get(pk=clue.pk), level="general", reason="进展缓慢")
    before = snapshot(clue)
    attachments = clue.attachments.count()
    with pytest.raises(ConflictError):
        step(town, stale)
    assert snapshot(clue) == before
    assert clue.attachments.count() == attachments
    assert Supervision.objects.filter(clue=clue).count() == 1


# --- two connections, PostgreSQL -------------------------------------------------------------------


def _reference_data() -> None:
    # A transactional test starts from whatever the previous one's flush left: reload the
    # channels, categories and default rules the data migration installs (idempotent).
    importlib.import_module("zhengdun.clues.migrations.0003_reference_data").load(apps, None)


def _race(monkeypatch: Any, gate_on: tuple[Any, str], calls: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run the calls in two threads that both pass `gate_on` (an object and a function name)
    before either goes further: the interleaving where a lost update or a double transition
    would happen if the guards were missing."""
    owner, name = gate_on
    real = getattr(owner, name)
    gate = threading.Barrier(len(calls))

    def gated(*args: Any, **kwargs: Any) -> Any:
        value = real(*args, **kwargs)
        gate.wait(timeout=15)
        return value

    monkeypatch.setattr(owner, name, gated)
    start = threading.Barrier(len(calls))
    results: dict[str, Any] = {}

    def run(label: str, call: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=15)
            call()
            results[label] = "ok"
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            results[label] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


def _one_won(results: dict[str, Any]) -> str:
    winners = [label for label, r in results.items() if r == "ok"]
    losers = [r for r in results.values() if r != "ok"]
    assert len(winners) == 1, results
    assert all(isinstance(r, REFUSED) for r in losers), results
    return winners[0]


# Decided at collection, so on SQLite the transactional fixture (and its flush) never runs.
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two writers at once need a server database; SQLite queues them at BEGIN IMMEDIATE",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_lets_one_of_two_simultaneous_approvals_through(monkeypatch):
    _reference_data()
    with fast_passwords():
        town = add_users(build_city())
    clue = advance(town, register(town), S.DISPOSITION_PENDING)
    version = Clue.objects.get(pk=clue.pk).version
    leaders = {"leader_a": town.leader_a, "leader_city": town.leader_city}

    def approve(user: Any) -> Callable[[], Any]:
        return lambda: actions.approve_disposition(user, Clue.objects.get(pk=clue.pk), comment=user.username)

    # both have read the pending request before either decides it
    results = _race(monkeypatch, (actions._common, "_pending"), {k: approve(u) for k, u in leaders.items()})
    winner = _one_won(results)
    clue.refresh_from_db()
    assert (clue.status, clue.disposition, clue.version) == (
        S.HANDLING,
        Disposition.PRELIMINARY_CHECK,
        version + 1,
    )
    (req,) = Request.objects.filter(clue=clue, kind=Request.Kind.DISPOSITION)
    assert (req.decision, req.decided_by_id, req.comment) == ("approved", leaders[winner].pk, winner)
    assert Event.objects.filter(clue=clue, action="approve_disposition").count() == 1
    assert len(audit_entries(clue, "clue.approve_disposition")) == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_lets_one_of_two_simultaneous_transitions_through(monkeypatch):
    _reference_data()
    with fast_passwords():
        town = add_users(build_city())
    clue = advance(town, register(town), S.ASSIGNED)

    def propose() -> Any:
        return actions.propose_disposition(
            town.handler_a, Clue.objects.get(pk=clue.pk), disposition="TH", reason="拟谈话函询"
        )

    def give_back() -> Any:
        return actions.return_clue(town.handler_a, Clue.objects.get(pk=clue.pk), reason="不属本院管辖")

    # both have passed workflow.check on the stored ASSIGNED state before either moves it
    results = _race(monkeypatch, (workflow, "check"), {"propose": propose, "return": give_back})
    winner = _one_won(results)
    clue.refresh_from_db()
    moved = {
        "propose": ("propose_disposition", S.DISPOSITION_PENDING),
        "return": ("return_to_office", S.REGISTERED),
    }
    assert clue.status == moved[winner][1]
    transitions = list(Event.objects.filter(clue=clue).exclude(to_status="").values_list("action", flat=True))
    assert transitions == ["assign", moved[winner][0]]
    assert Request.objects.filter(clue=clue, kind=Request.Kind.DISPOSITION).count() == (winner == "propose")
