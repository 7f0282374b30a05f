"""The 任务清单/责任清单: tasks of a problem's current round and their progress reports.

Progress is 0–100; lower than the last report only with a reason; reported on a task of the
current round of an open problem; the problem's progress is the weighted mean of its tasks
(kept current here by _rollup, in the same transaction as the report)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from zhengdun.accounts.models import User
from zhengdun.audit.chain import record
from zhengdun.core.text import clean_text
from zhengdun.core.versioning import guarded_update
from zhengdun.rectification.actions._common import (
    CLOSED,
    CONFLICT,
    MAX_TASKS,
    MAX_WEIGHT,
    REASON_MAX,
    REASON_MIN,
    TASK_CONFLICT,
    TEXT_MAX,
    TITLE_MAX,
    _files,
    _future_date,
    _int,
    _locked,
    _person,
    _require_on,
    _store,
    _today,
)
from zhengdun.rectification.models import (
    Evidence,
    Problem,
    ProgressReport,
    Task,
)


def _floor1(value: float) -> Decimal:
    return Decimal(math.floor(value * 10 + 1e-9)) / 10


def _rollup(problem: Problem, today: dt.date) -> None:
    """Recompute the problem's progress facts from the tasks of its current round."""
    tasks = list(problem.tasks.filter(round=problem.round).values_list("progress", "weight"))
    total = sum(w for _, w in tasks)
    progress = _floor1(sum(p * w for p, w in tasks) / total) if total else Decimal("0")
    complete = bool(tasks) and all(p >= 100 for p, _ in tasks)
    reported = ProgressReport.objects.filter(task__problem=problem, task__round=problem.round).exists()
    completed_on = (problem.completed_on or today) if complete else None
    Problem.objects.filter(pk=problem.pk).update(
        progress=progress, complete=complete, reported=reported, completed_on=completed_on
    )
    problem.progress, problem.complete, problem.reported, problem.completed_on = (
        progress,
        complete,
        reported,
        completed_on,
    )


@transaction.atomic
def add_task(
    actor: User,
    problem: Problem,
    *,
    title: Any,
    owner: Any,
    deadline: Any,
    weight: Any = 1,
    today: dt.date | None = None,
) -> Task:
    """Add a task to the problem's current round: an owner from the roster, a deadline between
    today and the problem's deadline, a weight of 1–100 in the problem's progress."""
    today = today or _today()
    _require_on(actor, "rectification.register", problem)
    if problem.closed_on is not None:
        raise ValidationError({"__all__": CLOSED})
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for key, fn in (
        ("title", lambda: clean_text(title, "title", "任务名称", max_length=TITLE_MAX, required=True)),
        ("owner", lambda: _person(actor, owner, "owner", "任务责任人")),
        ("deadline", lambda: _future_date(deadline, "deadline", "完成时限", today)),
        ("weight", lambda: _int(weight, "weight", "权重", 1, MAX_WEIGHT)),
    ):
        try:
            values[key] = fn()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if "deadline" in values and values["deadline"] > problem.deadline:
        errors.setdefault("deadline", []).append(
            f"完成时限不能晚于问题的整改时限（{problem.deadline.isoformat()}）"
        )
    if problem.tasks.filter(round=problem.round).count() >= MAX_TASKS:
        errors.setdefault("__all__", []).append(f"每个问题最多{MAX_TASKS}项任务")
    if errors:
        raise ValidationError(errors)
    guarded_update(Problem, problem.pk, problem.version, CONFLICT)
    problem.version += 1
    position = problem.tasks.filter(round=problem.round).count()
    task = Task.objects.create(
        problem=problem, round=problem.round, position=position, created_by=actor, **values
    )
    _rollup(problem, today)
    record(
        actor,
        "rectification.task_added",
        problem,
        {"task": task.pk, "title": task.title, "owner": task.owner_id, "weight": task.weight},
    )
    return task


@transaction.atomic
def report_progress(
    actor: User,
    task: Task,
    *,
    percent: Any,
    narrative: Any,
    reason: Any = "",
    files: Sequence[Any] = (),
    version: int,
    today: dt.date | None = None,
) -> ProgressReport:
    """Report a task's progress (0–100%) with a narrative and evidence; going below the last
    report needs a reason. The problem's progress and status facts follow in the same transaction."""
    today = today or _today()
    problem = task.problem = _locked(task.problem_id)
    _require_on(actor, "rectification.report", problem)
    if problem.closed_on is not None:
        raise ValidationError({"__all__": CLOSED})
    if task.round != problem.round:
        raise ValidationError({"__all__": "该任务属于以前的整改轮次，不能再报告进展"})
    errors: dict[str, list[str]] = {}
    value: int | None = None
    try:
        value = _int(percent, "percent", "完成进度", 0, 100)
    except ValidationError as exc:
        errors["percent"] = exc.message_dict["percent"]
    try:
        text = clean_text(narrative, "narrative", "进展情况", required=True, max_length=TEXT_MAX)
    except ValidationError as exc:
        errors["narrative"] = exc.message_dict["narrative"]
    why = ""
    try:
        why = clean_text(reason, "reason", "进度回退原因", max_length=REASON_MAX)
    except ValidationError as exc:
        errors["reason"] = exc.message_dict["reason"]
    if "reason" not in errors and value is not None and value < task.progress and len(why) < REASON_MIN:
        errors["reason"] = [
            f"完成进度由{task.progress}%回退到{value}%，请说明回退原因（至少{REASON_MIN}个字）"
        ]
    try:
        checked = _files(files, "files")
    except ValidationError as exc:
        errors["files"] = exc.message_dict["files"]
    if errors or value is None:  # no value means errors["percent"] says why
        raise ValidationError(errors)
    guarded_update(Task, task.pk, version, TASK_CONFLICT, progress=value)
    previous = task.progress
    task.progress, task.version = value, version + 1
    report = ProgressReport.objects.create(
        task=task, percent=value, previous_percent=previous, narrative=text, reason=why, reported_by=actor
    )
    _store(Evidence, {"report": report}, actor, checked)
    _rollup(problem, today)
    Problem.objects.filter(pk=problem.pk).update(updated_at=timezone.now())
    record(
        actor,
        "rectification.progress_reported",
        problem,
        {"task": task.pk, "from": previous, "to": value, "reason": why, "files": len(checked)},
    )
    return report
