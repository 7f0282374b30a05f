"""Builders and checks shared by the clue domain-layer tests (workflow matrix, actions,
concurrency, deadlines, scan, visibility). Not collected by pytest (no test_ prefix)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import override_settings
from django.utils import timezone

from zhengdun.accounts.models import RoleAssignment
from zhengdun.accounts.roles import PERMISSIONS, Role
from zhengdun.audit.models import Entry
from zhengdun.clues import actions
from zhengdun.clues.models import (
    Clue,
    DeadlineChange,
    Disposition,
    Event,
    Feedback,
    Measure,
    Request,
    Result,
    Sensitivity,
    Status,
    Supervision,
    Transfer,
)
from zhengdun.clues.testing import category, channel
from zhengdun.core.testing import City, make_user
from zhengdun.org.models import Unit

S = Status


def add_users(city: City) -> City:
    """Two users build_city() lacks: a second approver above county A (so a leader_a-recused
    clue can still be approved) and an office handler whose reach is county A only."""
    if "leader_city" not in city.users:
        city.users["leader_city"] = make_user("leader_city", city.city, (Role.LEADER, city.city))
        city.users["county_office"] = make_user(
            "county_office", city.county_a, (Role.OFFICE_HANDLER, city.county_a)
        )
    return city


def register(city: City, *, subject: Any = None, actor: Any = None, **kw: Any) -> Clue:
    """A registered clue at the city office (a roster subject, real-name and reachable)."""
    values: dict[str, Any] = {
        "owner_unit": city.city,
        "channel": channel(),
        "received_on": timezone.localdate() - dt.timedelta(days=3),
        "reporting_mode": "real_name",
        "reporter": {"name": "周举报", "phone": "13800000000"},
        "summary": "反映甲县法院张明违规经商办企业",
        "content": "群众来信反映，张明的配偶在城关镇经营一家茶楼。",
        "categories": [category()],
        "subjects": [{"person_id": (subject or city.people["judge_a"]).pk}],
    }
    values.update(kw)
    return actions.register_clue(actor or city.office_handler, **values)


def advance(
    city: City,
    clue: Clue,
    to: str,
    *,
    unit: Unit | None = None,
    handler: Any = None,
    approver: Any = None,
    office: Any = None,
    disposition: str = Disposition.PRELIMINARY_CHECK,
    deadline: dt.date | None = None,
) -> Clue:
    """Move a clue along the main path (like clues.testing.walk) with chosen people."""
    unit = unit or city.court_a
    handler = handler or city.handler_a
    approver = approver or city.leader_a
    office = office or city.office_handler
    today = timezone.localdate()
    steps = {
        S.REGISTERED: lambda c: actions.assign_clue(office, c, unit=unit, handler=handler, deadline=deadline),
        S.ASSIGNED: lambda c: actions.propose_disposition(
            handler, c, disposition=disposition, reason="问题具体，可查性强"
        ),
        S.DISPOSITION_PENDING: lambda c: actions.approve_disposition(approver, c, comment="同意"),
        S.HANDLING: lambda c: results_and_submit(handler, c),
        S.CLOSURE_PENDING: lambda c: actions.approve_closure(approver, c, comment="同意办结"),
        S.CLOSED: lambda c: actions.record_feedback(
            office,
            c,
            method=Feedback.Method.PHONE,
            fed_back_on=max(today, c.closed_on),
            content="已电话告知办理结果",
        ),
        S.FED_BACK: lambda c: actions.archive_clue(office, c),
    }
    for _ in range(len(steps)):
        if clue.status == to or clue.status not in steps:
            break
        steps[clue.status](clue)
        clue.refresh_from_db()
    if clue.status != to:
        raise RuntimeError(f"advance stopped at {clue.status}, wanted {to}")
    return clue


def results_and_submit(handler: Any, clue: Clue, result: str = Result.TRUE) -> Request:
    for subject in clue.subjects.all():
        actions.record_result(handler, subject, result=result, note="经核实")
    return actions.submit_closure(handler, clue, reason="核查完毕，建议办结")


# Every status the matrix needs, and how to reach it from a fresh registration.
WORLD_KEYS = (
    "registered",
    "assigned",
    "disposition_pending",
    "handling",
    "on_hold",
    "closure_pending",
    "closed",
    "closed_lj",
    "fed_back",
    "archived",
    "transferred",
    "merged",
)
KEY_STATUS = {
    "registered": S.REGISTERED,
    "assigned": S.ASSIGNED,
    "disposition_pending": S.DISPOSITION_PENDING,
    "handling": S.HANDLING,
    "on_hold": S.ON_HOLD,
    "closure_pending": S.CLOSURE_PENDING,
    "closed": S.CLOSED,
    "closed_lj": S.CLOSED,
    "fed_back": S.FED_BACK,
    "archived": S.ARCHIVED,
    "transferred": S.TRANSFERRED,
    "merged": S.MERGED,
}


def build_variant(city: City, *, subject: Any, unit: Unit, handler: Any, approver: Any, **reg: Any) -> dict:
    """One clue in each status of WORLD_KEYS, all alike but for the status. Returns {key: pk}."""
    kw = {"unit": unit, "handler": handler, "approver": approver}
    out: dict[str, int] = {}
    for key in ("registered", "assigned", "disposition_pending", "handling", "closure_pending"):
        out[key] = advance(city, register(city, subject=subject, **reg), KEY_STATUS[key], **kw).pk
    for key in ("closed", "fed_back", "archived"):
        out[key] = advance(city, register(city, subject=subject, **reg), KEY_STATUS[key], **kw).pk
    out["on_hold"] = advance(
        city, register(city, subject=subject, **reg), S.ON_HOLD, disposition=Disposition.HOLD, **kw
    ).pk
    out["closed_lj"] = advance(
        city, register(city, subject=subject, **reg), S.CLOSED, disposition=Disposition.CLOSE, **kw
    ).pk
    transferred = register(city, subject=subject, **reg)
    actions.transfer_clue(
        city.office_handler,
        transferred,
        target=Transfer.Target.DISCIPLINE,
        receiver="市纪委监委",
        reason="涉嫌职务违法",
    )
    out["transferred"] = transferred.pk
    merged = register(city, subject=subject, **reg)
    actions.merge_clue(
        city.office_handler, merged, into=Clue.objects.get(pk=out["handling"]), reason="重复件"
    )
    out["merged"] = merged.pk
    for key, pk in out.items():
        status = Clue.objects.get(pk=pk).status
        if status != KEY_STATUS[key]:
            raise RuntimeError(f"{key}: built {status}")
    return out


def build_world(city: City) -> dict[str, dict[str, int]]:
    """Four variants of every status, differing in who may see them:

    main       about judge_a, handled by court_a, approved by leader_a
    recused    about leader_a's own person (leader_a must not see it), approved by leader_city
    important  重要, named viewers office + handler_a + leader_city (not leader_a)
    court_b    about judge_b, handled by court_b, approved by leader_city
    """
    add_users(city)
    return {
        "main": build_variant(
            city,
            subject=city.people["judge_a"],
            unit=city.court_a,
            handler=city.handler_a,
            approver=city.leader_a,
        ),
        "recused": build_variant(
            city,
            subject=city.people["leader_a"],
            unit=city.court_a,
            handler=city.handler_a,
            approver=city.leader_city,
        ),
        "important": build_variant(
            city,
            subject=city.people["judge_a"],
            unit=city.court_a,
            handler=city.handler_a,
            approver=city.leader_city,
            sensitivity=Sensitivity.IMPORTANT,
            viewers=[city.handler_a, city.leader_city],
        ),
        "court_b": build_variant(
            city,
            subject=city.people["judge_b"],
            unit=city.court_b,
            handler=city.handler_b,
            approver=city.leader_city,
        ),
    }


# --- an oracle for permissions, written apart from accounts.permissions ------------------------


class Oracle:
    """Who holds what where, computed by walking parent links (not unit paths) from the grant
    table, so the matrix does not check the scoping code against itself."""

    def __init__(self) -> None:
        self.parent = dict(Unit.objects.values_list("id", "parent_id"))
        self.grants: dict[int, list[tuple[str, int]]] = {}
        for user_id, role, unit_id in RoleAssignment.objects.values_list("user_id", "role", "unit_id"):
            self.grants.setdefault(user_id, []).append((role, unit_id))

    def chain(self, unit_id: int | None) -> set[int]:
        seen: set[int] = set()
        while unit_id is not None:
            seen.add(unit_id)
            unit_id = self.parent[unit_id]
        return seen

    def has(self, user: Any, permission: str, unit_id: int | None) -> bool:
        if unit_id is None:
            return False
        ancestors = self.chain(unit_id)
        return any(
            permission in PERMISSIONS.get(role, frozenset()) and on in ancestors
            for role, on in self.grants.get(user.pk, [])
        )

    def sees(self, user: Any, clue: Clue) -> bool:
        if not (
            self.has(user, "clues.view", clue.owner_unit_id)
            or self.has(user, "clues.view", clue.handling_unit_id)
        ):
            return False
        if user.person_id and clue.subjects.filter(person_id=user.person_id).exists():
            return False
        if clue.sensitivity == Sensitivity.IMPORTANT:
            return clue.viewers.filter(user=user).exists()
        return True


# --- "nothing changed" -------------------------------------------------------------------------


def snapshot(clue: Clue) -> dict[str, Any]:
    """Everything an action might write, for a clue; compared before and after a refusal."""
    row = Clue.objects.values().get(pk=clue.pk)
    return {
        "clue": row,
        "events": Event.objects.count(),
        "audit": Entry.objects.count(),
        "requests": list(Request.objects.filter(clue=clue).values_list("id", "decision", "decided_by_id")),
        "deadline_changes": DeadlineChange.objects.filter(clue=clue).count(),
        "transfers": Transfer.objects.count(),
        "feedbacks": Feedback.objects.count(),
        "supervisions": Supervision.objects.count(),
        "measures": Measure.objects.count(),
        "subjects": list(clue.subjects.values_list("id", "result", "xingtai", "cleared")),
        "viewers": sorted(clue.viewers.values_list("user_id", flat=True)),
    }


def audit_entries(clue: Clue, action: str) -> list[Entry]:
    return list(Entry.objects.filter(object_type="clues.clue", object_id=str(clue.pk), action=action))


def fast_passwords() -> override_settings:
    """build_city() hashes a password per user; with the production hasher (PBKDF2, a million
    rounds) that is most of a test's time. What these tests check does not depend on it."""
    return override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
