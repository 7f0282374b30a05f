"""对账销号 and reopening.

对账销号: only by the office (rectification.close_off), only when every task is at 100%, with the
check against the standard and at least one evidence file; never by the problem's own responsible
leader or person (回避). Reopening (反弹回潮 / 回头看): a closed problem gets a new round, a new
deadline and a first task; earlier rounds stay in the history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.audit.chain import record
from zhengdun.core.text import clean_text
from zhengdun.core.versioning import guarded_update
from zhengdun.rectification import schedule
from zhengdun.rectification.actions._common import (
    CONFLICT,
    REASON_MIN,
    TEXT_MAX,
    TITLE_MAX,
    _files,
    _future_date,
    _locked,
    _person,
    _require_on,
    _store,
    _today,
)
from zhengdun.rectification.actions.plan import _write_plan
from zhengdun.rectification.models import (
    CloseOff,
    Evidence,
    Milestone,
    Problem,
    Reopening,
    Task,
)


def close_off_blockers(actor: User, problem: Problem) -> list[str]:
    """Why the actor may not close this problem off now (empty when they may): shown on the page
    before they try, and checked again by close_off."""
    reasons = []
    if not permissions.has_permission(actor, "rectification.close_off", problem.responsible_unit):
        reasons.append("只有教育整顿办可以对账销号")
    if problem.closed_on is not None:
        reasons.append("该问题已销号")
    elif not problem.complete:
        reasons.append(f"整改任务尚未全部完成（当前进度{problem.progress}%），不能销号")
    person = getattr(actor, "person", None)
    if person is not None and person.pk in (problem.responsible_leader_id, problem.responsible_person_id):
        reasons.append("责任领导、责任人不能为本人负责的问题销号（回避）")
    return reasons


@transaction.atomic
def close_off(
    actor: User,
    problem: Problem,
    *,
    check_note: Any,
    files: Sequence[Any],
    version: int,
    today: dt.date | None = None,
) -> CloseOff:
    """对账销号: the office, having checked the result against the standard, closes the problem
    with evidence (at least one file)."""
    today = today or _today()
    if not permissions.has_permission(actor, "rectification.close_off", problem.responsible_unit):
        raise PermissionDenied("只有教育整顿办可以对账销号")
    # a progress report does not change the problem's version: the completeness checked here
    # must be the stored one, not that of the page the office opened
    stored = _locked(problem.pk)
    blockers = close_off_blockers(actor, stored)
    if blockers:
        raise ValidationError({"__all__": blockers})
    errors: dict[str, list[str]] = {}
    try:
        note = clean_text(
            check_note, "check_note", "对照验收标准核查情况", required=True, max_length=TEXT_MAX
        )
    except ValidationError as exc:
        errors["check_note"] = exc.message_dict["check_note"]
    if not files:
        errors["files"] = ["销号须上传佐证材料"]
    else:
        try:
            checked = _files(files, "files")
        except ValidationError as exc:
            errors["files"] = exc.message_dict["files"]
    if errors:
        raise ValidationError(errors)
    guarded_update(Problem, problem.pk, version, CONFLICT, closed_on=today, relapsed=False)
    problem.refresh_from_db()
    row = CloseOff.objects.create(
        problem=problem, round=problem.round, check_note=note, closed_on=today, decided_by=actor
    )
    _store(Evidence, {"close_off": row}, actor, checked)
    record(
        actor,
        "rectification.closed_off",
        problem,
        {"round": problem.round, "closed_on": today.isoformat(), "files": len(checked)},
    )
    return row


@transaction.atomic
def reopen(
    actor: User,
    problem: Problem,
    *,
    kind: Any,
    reason: Any,
    new_deadline: Any,
    task_title: Any,
    task_owner: Any = None,
    version: int,
    today: dt.date | None = None,
) -> Reopening:
    """Open a closed problem again (反弹回潮 / 回头看): a new round with a new deadline and its
    first task; the earlier rounds, reports and close-offs stay in the history."""
    today = today or _today()
    _require_on(actor, "rectification.reopen", problem)
    if problem.closed_on is None:
        raise ValidationError({"__all__": "只有已销号的问题才能重新整改"})
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if kind not in Reopening.Kind.values:
        errors["kind"] = ["请选择重新整改的原因类别（反弹回潮或回头看）"]
    for key, fn in (
        ("reason", lambda: clean_text(reason, "reason", "原因", required=True, max_length=TEXT_MAX)),
        ("new_deadline", lambda: _future_date(new_deadline, "new_deadline", "新整改时限", today)),
        (
            "task_title",
            lambda: clean_text(task_title, "task_title", "整改任务", max_length=TITLE_MAX, required=True),
        ),
        (
            "task_owner",
            lambda: _person(actor, task_owner or problem.responsible_person_id, "task_owner", "任务责任人"),
        ),
    ):
        try:
            values[key] = fn()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if "reason" in values and len(values["reason"]) < REASON_MIN:
        errors.setdefault("reason", []).append(f"请写明重新整改的原因（至少{REASON_MIN}个字）")
    if errors:
        raise ValidationError(errors)
    old_deadline = problem.deadline
    new_round = problem.round + 1
    guarded_update(
        Problem,
        problem.pk,
        version,
        CONFLICT,
        closed_on=None,
        relapsed=True,
        round=new_round,
        deadline=values["new_deadline"],
        complete=False,
        reported=False,
        completed_on=None,
        progress=Decimal("0"),
    )
    problem.refresh_from_db()
    row = Reopening.objects.create(
        problem=problem,
        kind=kind,
        reason=values["reason"],
        round=new_round,
        old_deadline=old_deadline,
        new_deadline=values["new_deadline"],
        reopened_by=actor,
    )
    Task.objects.create(
        problem=problem,
        round=new_round,
        position=0,
        title=values["task_title"],
        owner=values["task_owner"],
        deadline=values["new_deadline"],
        weight=1,
        created_by=actor,
    )
    # the milestones of the new round: the same steps, back-scheduled from the new deadline
    Milestone.objects.filter(problem=problem).update(done_on=None)
    steps = [schedule.Step(m.name, m.workdays) for m in problem.milestones.order_by("position")]
    _write_plan(actor, problem, steps, today, f"{Reopening.Kind(kind).label}：重新整改")
    record(
        actor,
        "rectification.reopened",
        problem,
        {
            "kind": kind,
            "reason": values["reason"],
            "round": new_round,
            "deadline": [old_deadline.isoformat(), values["new_deadline"].isoformat()],
        },
    )
    return row
