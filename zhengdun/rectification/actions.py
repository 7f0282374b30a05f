"""Every change to the rectification lists goes through these functions — pages, the seed and
(later) imports and the API.

Each function takes the acting user first, checks the permission on the problem's responsible
unit (accounts.permissions), checks the input (ValidationError keyed by field, a Chinese message
naming the field), writes, keeps the problem's status facts current (rollup) and appends the
audit entry — all in one transaction. Changes to a problem or task guard on the stored version
(UPDATE … WHERE version = n): of two people acting at once the second gets ConflictError.

Rules kept here:
- 五定: title, category, source, description, responsible unit/leader/person, measures, standard
  and a deadline after today are all required.
- 倒排工期: the plan is made from the category's template and recomputed (with what moved) when
  the deadline or a milestone's duration changes; a plan that does not fit is flagged, not refused.
- Progress: 0–100; lower than the last report only with a reason; reported on a task of the
  current round of an open problem; the problem's progress is the weighted mean of its tasks.
- 对账销号: only by the office (rectification.close_off), only when every task is at 100%, with
  the check against the standard and at least one evidence file; never by the problem's own
  responsible leader or person (回避).
- Reopening (反弹回潮 / 回头看): a closed problem gets a new round, a new deadline and a first task.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.audit.chain import diff, record
from zhengdun.clues.models import Category, Clue, NumberSequence
from zhengdun.core.dates import parse_date
from zhengdun.core.errors import ConflictError
from zhengdun.core.files import sniff_upload
from zhengdun.org.models import Person, Unit
from zhengdun.rectification import schedule
from zhengdun.rectification.models import (
    CloseOff,
    Evidence,
    Institution,
    InstitutionDocument,
    Milestone,
    MilestoneTemplate,
    PlanChange,
    Problem,
    ProblemSource,
    ProgressReport,
    Reopening,
    Task,
    TemplateStep,
)

CONFLICT = "该问题已被他人修改，请刷新页面查看最新情况后再操作"
TASK_CONFLICT = "该任务的进度已被他人更新，请刷新页面查看最新情况后再操作"
TEMPLATE_CONFLICT = "该工期模板已被他人修改，请刷新页面查看最新情况后再操作"
CLOSED = "该问题已销号，不能再修改；如问题反弹或回头看发现问题，请“重新整改”"

TITLE_MAX = 200
TEXT_MAX = 5000
REASON_MIN = 4
MAX_TASKS = 50
MAX_WEIGHT = 100
MAX_FILES = 10

# A problem's five definitions (五定) and the other fields a form edits, with their labels
FIELD_LABELS = {
    "title": "问题名称",
    "category": "问题类别",
    "source": "问题来源",
    "description": "问题描述",
    "responsible_unit": "责任单位",
    "responsible_leader": "责任领导",
    "responsible_person": "责任人",
    "measures": "整改措施",
    "standard": "整改标准",
    "deadline": "整改时限",
}


# --- helpers ---------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _text(value: Any, key: str, label: str, *, required: bool = True, max_length: int = TEXT_MAX) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationError({key: f"请填写{label}"})
    if len(text) > max_length:
        raise ValidationError({key: f"{label}不能超过{max_length}个字"})
    return text


def _date(value: Any, key: str, label: str) -> dt.date:
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ValidationError({key: f"{label}：{exc}"}) from exc


def _future_date(value: Any, key: str, label: str, today: dt.date) -> dt.date:
    day = _date(value, key, label)
    if day <= today:
        raise ValidationError({key: f"{label}须晚于今天（{today.isoformat()}）"})
    return day


def _int(value: Any, key: str, label: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise ValidationError({key: f"{label}须为{low}到{high}之间的整数"}) from exc
    if not low <= number <= high:
        raise ValidationError({key: f"{label}须为{low}到{high}之间的整数"})
    return number


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _same(value: Any, stored_pk: Any) -> bool:
    """Whether a submitted choice is the one already stored (a form posts ids as text)."""
    return value not in (None, "") and str(_pk(value)).strip() == str(stored_pk)


def _locked(pk: int) -> Problem:
    """The problem as stored now, its row locked until the transaction ends: decisions that
    depend on its facts (closed, round, complete) must not act on a copy read before another
    change, and progress rollups of the same problem must not interleave."""
    return Problem.objects.select_for_update().get(pk=pk)


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _person(actor: Any, value: Any, key: str, label: str) -> Person:
    """A roster person the actor may see, still serving."""
    if value in (None, ""):
        raise ValidationError({key: f"请选择{label}"})
    visible = permissions.scope(actor, "org.view_person", Person.objects.select_related("unit"))
    try:
        person = visible.filter(pk=_pk(value), status=Person.Status.ACTIVE).first()
    except (TypeError, ValueError):
        person = None
    if person is None:
        raise ValidationError({key: f"{label}须从您可查看的在职干警中选择"})
    return person


def _unit(actor: Any, value: Any, permission: str) -> Unit:
    if value in (None, ""):
        raise ValidationError({"responsible_unit": "请选择责任单位"})
    try:
        unit = Unit.objects.filter(pk=_pk(value), is_active=True).first()
    except (TypeError, ValueError):
        unit = None
    if unit is None or not permissions.has_permission(actor, permission, unit):
        raise ValidationError({"responsible_unit": "责任单位须是您有权管理的单位"})
    return unit


def _require_on(actor: Any, permission: str, problem: Problem) -> None:
    permissions.require(actor, permission, problem.responsible_unit)


def _files(uploads: Iterable[Any], key: str) -> list[tuple[Any, str, bytes]]:
    checked = []
    for upload in uploads:
        try:
            content_type, data = sniff_upload(upload)
        except ValidationError as exc:
            raise ValidationError({key: f"{getattr(upload, 'name', '')}：{exc.messages[0]}"}) from exc
        checked.append((upload, content_type, data))
    if len(checked) > MAX_FILES:
        raise ValidationError({key: f"一次最多上传{MAX_FILES}个文件"})
    return checked


def _store(model: type, owner: dict[str, Any], actor: Any, files: list[tuple[Any, str, bytes]]) -> list[Any]:
    import hashlib

    rows = []
    for upload, content_type, data in files:
        sha = hashlib.sha256(data).hexdigest()
        row = model(
            **owner,
            original_name=(getattr(upload, "name", "") or "file")[:200],
            content_type=content_type,
            size=len(data),
            sha256=sha,
            uploaded_by=actor,
        )
        row.file.save(sha, ContentFile(data), save=False)
        row.save()
        rows.append(row)
    return rows


def _guarded_update(model: type, pk: int, version: int, message: str, **values: Any) -> None:
    """UPDATE … WHERE version = n, or ConflictError: the stored row moved since the caller read it."""
    updated = model.objects.filter(pk=pk, version=version).update(version=version + 1, **values)
    if updated != 1:
        raise ConflictError(message)


def _next_number(today: dt.date) -> str:
    key = f"ZG-{today.year}"
    NumberSequence.objects.get_or_create(prefix=key)
    seq = NumberSequence.objects.select_for_update().get(prefix=key)
    seq.last += 1
    seq.save(update_fields=["last"])
    return settings.RECTIFICATION_NUMBER_PATTERN.format(year=today.year, serial=seq.last)


def template_for(category: Category) -> MilestoneTemplate | None:
    """The category's own template, else the default one (the template without a category)."""
    own = MilestoneTemplate.objects.filter(category=category).first()
    if own is not None:
        return own
    return MilestoneTemplate.objects.filter(category__isnull=True).order_by("id").first()


def _steps_of(template: MilestoneTemplate | None) -> list[schedule.Step]:
    if template is None:
        return []
    return [schedule.Step(s.name, s.workdays) for s in template.steps.all()]


def _current_slots(problem: Problem) -> list[schedule.Slot]:
    return [
        schedule.Slot(m.position, m.name, m.workdays, m.start, m.end)
        for m in problem.milestones.order_by("position")
    ]


def _round_began(problem: Problem, today: dt.date) -> dt.date:
    """The day the problem's current round began: its latest reopening, else its registration
    (today, while it is being registered)."""
    if problem.round > 1:
        reopened = problem.reopenings.order_by("-reopened_at").values_list("reopened_at", flat=True).first()
        if reopened is not None:
            return timezone.localdate(reopened)
        return today
    if problem.created_at is None:
        return today
    return timezone.localdate(problem.created_at)


def _write_plan(
    actor: Any, problem: Problem, steps: Sequence[schedule.Step], today: dt.date, reason: str
) -> schedule.Plan:
    """Schedule steps back from the problem's deadline, store the milestones (keeping the done
    dates of milestones that stay), and log what moved.

    Whether the plan fits is judged against the day the current round began (registration, or
    the reopening) — on that day, against today, as the issue asks. A plan recomputed later (a
    deadline extension in the middle of 集中整治) has its first milestones behind it by design;
    judging those against today would flag every running plan as 工期不足."""
    old = _current_slots(problem)
    done = dict(problem.milestones.values_list("position", "done_on"))
    plan = schedule.back_schedule(steps, problem.deadline, min(_round_began(problem, today), today))
    problem.milestones.all().delete()
    Milestone.objects.bulk_create(
        Milestone(
            problem=problem,
            position=slot.position,
            name=slot.name,
            workdays=slot.workdays,
            start=slot.start,
            end=slot.end,
            done_on=done.get(slot.position),
        )
        for slot in plan.slots
    )
    Problem.objects.filter(pk=problem.pk).update(plan_fits=plan.fits, plan_shortfall=plan.shortfall)
    problem.plan_fits, problem.plan_shortfall = plan.fits, plan.shortfall
    moved = schedule.moves(old, plan.slots) if old else []
    if old and not moved:
        return plan
    PlanChange.objects.create(
        problem=problem,
        # the page's prefix plus a reason of up to 200 characters; the audit entry keeps it whole
        reason=_clip(reason, PlanChange._meta.get_field("reason").max_length),
        moves=[m.as_dict() for m in moved],
        fits=plan.fits,
        shortfall=plan.shortfall,
        changed_by=actor,
    )
    return plan


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


def wuding_of(problem: Problem) -> dict[str, Any]:
    """A problem's 五定 as the data register_problem/update_problem take (ids, ISO date): what an
    edit form starts from and what the audit entry compares."""
    return {
        "title": problem.title,
        "category": problem.category_id,
        "source": problem.source,
        "description": problem.description,
        "responsible_unit": problem.responsible_unit_id,
        "responsible_leader": problem.responsible_leader_id,
        "responsible_person": problem.responsible_person_id,
        "measures": problem.measures,
        "standard": problem.standard,
        "deadline": problem.deadline.isoformat(),
    }


def _clean_problem(
    actor: Any, data: dict[str, Any], today: dt.date, *, permission: str, current: Problem | None = None
) -> dict[str, Any]:
    """The 五定 fields of data, checked; every error at once, keyed by field.

    When editing (current given), a value left as stored stands without being checked again: an
    overdue problem keeps its past deadline while a typo is corrected, and a unit handler may edit
    a problem whose responsible leader sits above their unit (outside the roster they see)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def kept(key: str, stored_pk: Any, stored: Any, fn: Any) -> Any:
        return (lambda: stored) if current is not None and _same(data.get(key), stored_pk) else fn

    def deadline() -> dt.date:
        day = _date(data.get("deadline"), "deadline", "整改时限")
        if current is not None and day == current.deadline:
            return day
        return _future_date(day, "deadline", "整改时限", today)

    def take(key: str, fn: Any) -> None:
        try:
            cleaned[key] = fn()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)

    take("title", lambda: _text(data.get("title"), "title", "问题名称", max_length=TITLE_MAX))
    take(
        "category",
        kept(
            "category",
            getattr(current, "category_id", None),
            getattr(current, "category", None),
            lambda: _category(data.get("category")),
        ),
    )
    take("source", lambda: _source(data.get("source")))
    take("description", lambda: _text(data.get("description"), "description", "问题描述"))
    take(
        "responsible_unit",
        kept(
            "responsible_unit",
            getattr(current, "responsible_unit_id", None),
            getattr(current, "responsible_unit", None),
            lambda: _unit(actor, data.get("responsible_unit"), permission),
        ),
    )
    take(
        "responsible_leader",
        kept(
            "responsible_leader",
            getattr(current, "responsible_leader_id", None),
            getattr(current, "responsible_leader", None),
            lambda: _person(actor, data.get("responsible_leader"), "responsible_leader", "责任领导"),
        ),
    )
    take(
        "responsible_person",
        kept(
            "responsible_person",
            getattr(current, "responsible_person_id", None),
            getattr(current, "responsible_person", None),
            lambda: _person(actor, data.get("responsible_person"), "responsible_person", "责任人"),
        ),
    )
    take("measures", lambda: _text(data.get("measures"), "measures", "整改措施"))
    take("standard", lambda: _text(data.get("standard"), "standard", "整改标准"))
    take("deadline", deadline)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _category(value: Any) -> Category:
    if value in (None, ""):
        raise ValidationError({"category": "请选择问题类别"})
    try:
        category = Category.objects.filter(pk=_pk(value), is_active=True).first()
    except (TypeError, ValueError):
        category = None
    if category is None:
        raise ValidationError({"category": "问题类别不存在或已停用"})
    return category


def _source(value: Any) -> str:
    if value not in ProblemSource.values:
        raise ValidationError({"source": "请选择问题来源"})
    return str(value)


# --- the problem list (问题清单) ----------------------------------------------------------------


@transaction.atomic
def register_problem(
    actor: Any,
    data: dict[str, Any],
    *,
    source_clue: Clue | None = None,
    source_selfreport_item: Any = None,
    today: dt.date | None = None,
) -> Problem:
    """Put a problem on the 问题清单 with its 五定, schedule its milestones backwards from the
    deadline (倒排工期) and, when made from a clue's findings or a self-report item, keep the link.

    The responsible unit must lie in the actor's rectification.register subtree; a source clue or
    self-report item must be one the actor may see."""
    today = today or _today()
    permissions.require(actor, "rectification.register")
    cleaned = _clean_problem(actor, data, today, permission="rectification.register")
    if source_clue is not None:
        visible = permissions.scope(actor, "clues.view", Clue.objects.all())
        if not visible.filter(pk=source_clue.pk).exists():
            raise PermissionDenied("您无权查看该线索")
        cleaned["source"] = ProblemSource.CLUE
    if source_selfreport_item is not None:
        from zhengdun.selfreports.models import SelfReport

        # an item is seen through its report (the report carries the unit; items have no scope)
        reports = permissions.scope(
            actor,
            "selfreports.view",
            SelfReport.objects.filter(pk=source_selfreport_item.report_id, submitted_at__isnull=False),
        )
        if not reports.exists():
            raise PermissionDenied("您无权查看该自查事项")
        cleaned["source"] = ProblemSource.SELF_CHECK
    template = template_for(cleaned["category"])
    problem = Problem.objects.create(
        number=_next_number(today),
        template=template,
        source_clue=source_clue,
        source_selfreport_item=source_selfreport_item,
        created_by=actor,
        **cleaned,
    )
    plan = _write_plan(actor, problem, _steps_of(template), today, "制定整改计划")
    record(
        actor,
        "rectification.problem_registered",
        problem,
        {
            "number": problem.number,
            "title": problem.title,
            "deadline": problem.deadline.isoformat(),
            "plan_fits": plan.fits,
            "source_clue": getattr(source_clue, "pk", None),
            "source_selfreport_item": getattr(source_selfreport_item, "pk", None),
        },
    )
    return problem


@transaction.atomic
def update_problem(
    actor: Any,
    problem: Problem,
    data: dict[str, Any],
    *,
    version: int,
    reason: str = "",
    today: dt.date | None = None,
) -> Problem:
    """Change a problem's 五定. A changed deadline needs a reason and recomputes the plan (the
    change shows what moved); the responsible unit may only move within the actor's reach. Values
    left as stored stand (an overdue problem keeps its deadline); a problem made from a clue or a
    self-report item keeps its source."""
    today = today or _today()
    _require_on(actor, "rectification.register", problem)
    if problem.closed_on is not None:
        raise ValidationError({"__all__": CLOSED})
    if problem.source_clue_id or problem.source_selfreport_item_id:
        # made from a clue or a self-report item: the source says so, as long as the link stands
        data = {**data, "source": problem.source}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned = _clean_problem(actor, data, today, permission="rectification.register", current=problem)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        typed = parse_date(data.get("deadline"))
    except ValueError:
        typed = problem.deadline
    deadline_moved = typed != problem.deadline
    try:
        reason = _text(reason, "reason", "调整原因", required=deadline_moved, max_length=200)
        if deadline_moved and len(reason) < REASON_MIN:
            raise ValidationError({"reason": f"调整整改时限须说明原因（至少{REASON_MIN}个字）"})
    except ValidationError as exc:
        errors.setdefault("reason", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    before = wuding_of(problem)
    _guarded_update(Problem, problem.pk, version, CONFLICT, **cleaned)
    problem.refresh_from_db()
    pulled: list[int] = []
    if deadline_moved:
        steps = [schedule.Step(m.name, m.workdays) for m in problem.milestones.order_by("position")]
        _write_plan(actor, problem, steps, today, f"整改时限调整：{reason}")
        # a task may not end after its problem: tasks of this round due later follow the new
        # deadline (listed in the audit entry), rather than locking the deadline in place
        later = problem.tasks.filter(round=problem.round, deadline__gt=problem.deadline)
        pulled = list(later.values_list("pk", flat=True))
        later.update(deadline=problem.deadline)
    after = wuding_of(problem)
    record(
        actor,
        "rectification.problem_changed",
        problem,
        {"changes": diff(before, after), "reason": reason, "tasks_pulled_in": pulled},
    )
    return problem


@transaction.atomic
def set_milestone_workdays(
    actor: Any,
    problem: Problem,
    durations: dict[int, Any],
    *,
    version: int,
    reason: str,
    today: dt.date | None = None,
) -> schedule.Plan:
    """Change the working days of some milestones (by position) and back-schedule again from the
    deadline; the plan change lists what moved."""
    today = today or _today()
    _require_on(actor, "rectification.register", problem)
    if problem.closed_on is not None:
        raise ValidationError({"__all__": CLOSED})
    errors: dict[str, list[str]] = {}
    try:
        reason = _text(reason, "reason", "调整原因", max_length=200)
    except ValidationError as exc:
        errors["reason"] = exc.messages
    milestones = list(problem.milestones.order_by("position"))
    by_position = {m.position: m for m in milestones}
    steps = []
    for m in milestones:
        value = durations.get(m.position, m.workdays)
        key = f"workdays_{m.position}"
        try:
            days = _int(value, key, f"“{m.name}”的工期", 1, schedule.MAX_STEP_WORKDAYS)
        except ValidationError as exc:
            errors[key] = exc.message_dict[key]
            continue
        steps.append(schedule.Step(m.name, days))
    unknown = set(durations) - set(by_position)
    if unknown:
        errors.setdefault("__all__", []).append("要调整的工期节点不存在，请刷新页面")
    if errors:
        raise ValidationError(errors)
    _guarded_update(Problem, problem.pk, version, CONFLICT)
    problem.refresh_from_db()
    plan = _write_plan(actor, problem, steps, today, f"节点工期调整：{reason}")
    record(
        actor,
        "rectification.plan_changed",
        problem,
        {"workdays": [s.workdays for s in steps], "reason": reason, "fits": plan.fits},
    )
    return plan


@transaction.atomic
def complete_milestone(
    actor: Any, milestone: Milestone, done_on: Any, *, today: dt.date | None = None
) -> Milestone:
    """Mark a milestone done on a day (not in the future)."""
    today = today or _today()
    problem = _locked(milestone.problem_id)
    _require_on(actor, "rectification.report", problem)
    if problem.closed_on is not None:
        raise ValidationError({"__all__": CLOSED})
    day = _date(done_on, "done_on", "实际完成日期")
    if day > today:
        raise ValidationError({"done_on": "实际完成日期不能晚于今天"})
    updated = Milestone.objects.filter(pk=milestone.pk, done_on__isnull=True).update(done_on=day)
    if updated != 1:
        raise ConflictError("该节点已被标记完成，请刷新页面")
    milestone.done_on = day
    record(
        actor,
        "rectification.milestone_done",
        problem,
        {"milestone": milestone.name, "done_on": day.isoformat()},
    )
    return milestone


# --- the task and responsibility lists (任务清单/责任清单) ---------------------------------------


@transaction.atomic
def add_task(
    actor: Any,
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
        ("title", lambda: _text(title, "title", "任务名称", max_length=TITLE_MAX)),
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
    _guarded_update(Problem, problem.pk, problem.version, CONFLICT)
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
    actor: Any,
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
        text = _text(narrative, "narrative", "进展情况")
    except ValidationError as exc:
        errors["narrative"] = exc.message_dict["narrative"]
    why = str(reason or "").strip()[:500]
    if value is not None and value < task.progress and len(why) < REASON_MIN:
        errors["reason"] = [
            f"完成进度由{task.progress}%回退到{value}%，请说明回退原因（至少{REASON_MIN}个字）"
        ]
    try:
        checked = _files(files, "files")
    except ValidationError as exc:
        errors["files"] = exc.message_dict["files"]
    if errors:
        raise ValidationError(errors)
    _guarded_update(Task, task.pk, version, TASK_CONFLICT, progress=value)
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


# --- 对账销号 and reopening ----------------------------------------------------------------------


def close_off_blockers(actor: Any, problem: Problem) -> list[str]:
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
    actor: Any,
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
        note = _text(check_note, "check_note", "对照验收标准核查情况")
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
    _guarded_update(Problem, problem.pk, version, CONFLICT, closed_on=today, relapsed=False)
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
    actor: Any,
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
        ("reason", lambda: _text(reason, "reason", "原因")),
        ("new_deadline", lambda: _future_date(new_deadline, "new_deadline", "新整改时限", today)),
        ("task_title", lambda: _text(task_title, "task_title", "整改任务", max_length=TITLE_MAX)),
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
    _guarded_update(
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


# --- templates (configuration) ---------------------------------------------------------------


def clean_steps(rows: Sequence[tuple[Any, Any]]) -> list[schedule.Step]:
    """Template steps from (name, workdays) rows; blank rows are skipped."""
    steps: list[schedule.Step] = []
    for i, (name, days) in enumerate(rows, start=1):
        name = str(name or "").strip()
        if not name and str(days or "").strip() == "":
            continue
        if not name:
            raise ValidationError({"steps": f"第{i}个节点：请填写节点名称"})
        if len(name) > 40:
            raise ValidationError({"steps": f"第{i}个节点：节点名称不能超过40个字"})
        days_value = _int(
            days, "steps", f"第{i}个节点“{name}”的工期（工作日）", 1, schedule.MAX_STEP_WORKDAYS
        )
        steps.append(schedule.Step(name, days_value))
    if not steps:
        raise ValidationError({"steps": "工期模板至少需要一个节点"})
    if len(steps) > schedule.MAX_STEPS:
        raise ValidationError({"steps": f"工期模板最多{schedule.MAX_STEPS}个节点"})
    return steps


@transaction.atomic
def save_template(
    actor: Any,
    template: MilestoneTemplate | None,
    *,
    name: Any,
    category: Any,
    steps: Sequence[tuple[Any, Any]],
    version: int | None = None,
) -> MilestoneTemplate:
    """Create or change a milestone template. The plans of problems already made keep their own
    durations (a problem's plan changes through set_milestone_workdays); new problems use this."""
    permissions.require(actor, "rectification.configure")
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for key, fn in (
        ("name", lambda: _text(name, "name", "模板名称", max_length=60)),
        ("category", lambda: _category(category) if category not in (None, "") else None),
        ("steps", lambda: clean_steps(steps)),
    ):
        try:
            values[key] = fn()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if "category" in values:
        chosen = values["category"]
        clash = MilestoneTemplate.objects.filter(category=chosen)
        if template is not None:
            clash = clash.exclude(pk=template.pk)
        if clash.exists():
            label = chosen.name if chosen else "默认"
            errors.setdefault("category", []).append(f"“{label}”已有工期模板，请修改原模板")
    if errors:
        raise ValidationError(errors)
    title, chosen, cleaned = values["name"], values["category"], values["steps"]
    if template is None:
        template = MilestoneTemplate.objects.create(name=title, category=chosen)
        before: dict[str, Any] = {}
    else:
        before = {"name": template.name, "category": template.category_id, "steps": _steps_repr(template)}
        _guarded_update(
            MilestoneTemplate, template.pk, version or 0, TEMPLATE_CONFLICT, name=title, category=chosen
        )
        template.refresh_from_db()
        template.steps.all().delete()
    TemplateStep.objects.bulk_create(
        TemplateStep(template=template, position=i, name=s.name, workdays=s.workdays)
        for i, s in enumerate(cleaned)
    )
    after = {"name": template.name, "category": template.category_id, "steps": _steps_repr(template)}
    record(actor, "rectification.template_saved", template, {"changes": diff(before, after)})
    return template


def _steps_repr(template: MilestoneTemplate) -> list[str]:
    return [f"{s.name}:{s.workdays}" for s in template.steps.all()]


# --- 建章立制 -----------------------------------------------------------------------------------


@transaction.atomic
def register_institution(
    actor: Any,
    data: dict[str, Any],
    *,
    problems: Sequence[Problem] = (),
    files: Sequence[Any] = (),
    today: dt.date | None = None,
) -> Institution:
    """Record an institution or rule produced (建章立制): title, issuing unit, date, scope and its
    document, linked to the problems it addresses (problems the actor may see)."""
    today = today or _today()
    permissions.require(actor, "rectification.institutions")
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def issuing_unit() -> Unit:
        try:
            return _unit(actor, data.get("issuing_unit"), "rectification.institutions")
        except ValidationError as exc:
            raise ValidationError({"issuing_unit": "制定单位须是您有权管理的单位"}) from exc

    def issued_on() -> dt.date:
        day = _date(data.get("issued_on"), "issued_on", "印发日期")
        if day > today:
            raise ValidationError({"issued_on": "印发日期不能晚于今天"})
        return day

    for key, fn in (
        ("title", lambda: _text(data.get("title"), "title", "制度名称", max_length=TITLE_MAX)),
        (
            "doc_number",
            lambda: _text(data.get("doc_number"), "doc_number", "文号", required=False, max_length=60),
        ),
        ("issuing_unit", issuing_unit),
        ("issued_on", issued_on),
        ("scope", lambda: _text(data.get("scope"), "scope", "适用范围")),
    ):
        try:
            values[key] = fn()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    checked: list[tuple[Any, str, bytes]] = []
    if not files:
        errors.setdefault("files", []).append("请上传制度文件")
    else:
        try:
            checked = _files(files, "files")
        except ValidationError as exc:
            errors["files"] = exc.message_dict["files"]
    visible = permissions.scope(actor, "rectification.view", Problem.objects.all())
    wanted = {p.pk for p in problems}
    if wanted and visible.filter(pk__in=wanted).count() != len(wanted):
        errors.setdefault("problems", []).append("所选问题中有您无权查看的问题")
    if errors:
        raise ValidationError(errors)
    row = Institution.objects.create(created_by=actor, **values)
    row.problems.set(wanted)
    _store(InstitutionDocument, {"institution": row}, actor, checked)
    record(
        actor,
        "rectification.institution_registered",
        row,
        {"title": row.title, "doc_number": row.doc_number, "problems": sorted(wanted)},
    )
    return row


@transaction.atomic
def link_institution(actor: Any, institution: Institution, problems: Sequence[Problem]) -> None:
    """Set the problems an institution addresses (within what the actor may see)."""
    permissions.require(actor, "rectification.institutions", institution.issuing_unit)
    visible = permissions.scope(actor, "rectification.view", Problem.objects.all())
    wanted = {p.pk for p in problems}
    if wanted and visible.filter(pk__in=wanted).count() != len(wanted):
        raise ValidationError({"problems": "所选问题中有您无权查看的问题"})
    # links to problems the actor cannot see stay as they are
    hidden = set(institution.problems.exclude(pk__in=visible.values("pk")).values_list("pk", flat=True))
    before = sorted(institution.problems.values_list("pk", flat=True))
    institution.problems.set(wanted | hidden)
    record(
        actor,
        "rectification.institution_linked",
        institution,
        {"problems": [before, sorted(wanted | hidden)]},
    )


def problems_visible(actor: Any) -> Any:
    """The problems the actor may see (the one scope every list, map and export starts from)."""
    return permissions.scope(actor, "rectification.view", Problem.objects.all())
