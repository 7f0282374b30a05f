"""倒排工期: a problem's milestones scheduled back from its deadline with its category's template,
recomputed (with what moved) when the deadline or a milestone's working days change; a plan that
does not fit is flagged (工期不足), not refused. Milestones are marked done here too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from zhengdun.accounts.models import User
from zhengdun.audit.chain import record
from zhengdun.clues.models import Category
from zhengdun.core.errors import ConflictError
from zhengdun.core.text import clean_text
from zhengdun.core.versioning import guarded_update
from zhengdun.rectification import schedule
from zhengdun.rectification.actions._common import (
    CLOSED,
    CONFLICT,
    _clip,
    _date,
    _int,
    _locked,
    _require_on,
    _today,
)
from zhengdun.rectification.models import (
    PLAN_REASON_MAX,
    Milestone,
    MilestoneTemplate,
    PlanChange,
    Problem,
)


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
    actor: User, problem: Problem, steps: Sequence[schedule.Step], today: dt.date, reason: str
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
        reason=_clip(reason, PLAN_REASON_MAX),
        moves=[m.as_dict() for m in moved],
        fits=plan.fits,
        shortfall=plan.shortfall,
        changed_by=actor,
    )
    return plan


@transaction.atomic
def set_milestone_workdays(
    actor: User,
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
        reason = clean_text(reason, "reason", "调整原因", max_length=200, required=True)
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
    guarded_update(Problem, problem.pk, version, CONFLICT)
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
    actor: User, milestone: Milestone, done_on: Any, *, today: dt.date | None = None
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
