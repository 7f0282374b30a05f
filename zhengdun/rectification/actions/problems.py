"""The 问题清单: registering a problem with its 五定 and editing them (a moved deadline needs a
reason and recomputes the plan), and the scope every list, map and export starts from.

五定: title, category, source, description, responsible unit/leader/person, measures, standard
and a deadline after today are all required."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.audit.chain import diff, record
from zhengdun.clues.models import Clue
from zhengdun.core.dates import parse_date
from zhengdun.core.text import clean_text
from zhengdun.core.versioning import guarded_update
from zhengdun.rectification import schedule
from zhengdun.rectification.actions._common import (
    CLOSED,
    CONFLICT,
    REASON_MIN,
    TEXT_MAX,
    TITLE_MAX,
    _category,
    _date,
    _future_date,
    _next_number,
    _person,
    _require_on,
    _same,
    _source,
    _today,
    _unit,
)
from zhengdun.rectification.actions.plan import _steps_of, _write_plan, template_for
from zhengdun.rectification.models import (
    Problem,
    ProblemSource,
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
    actor: User, data: dict[str, Any], today: dt.date, *, permission: str, current: Problem | None = None
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

    take(
        "title",
        lambda: clean_text(data.get("title"), "title", "问题名称", max_length=TITLE_MAX, required=True),
    )
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
    take(
        "description",
        lambda: clean_text(
            data.get("description"), "description", "问题描述", required=True, max_length=TEXT_MAX
        ),
    )
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
    take(
        "measures",
        lambda: clean_text(data.get("measures"), "measures", "整改措施", required=True, max_length=TEXT_MAX),
    )
    take(
        "standard",
        lambda: clean_text(data.get("standard"), "standard", "整改标准", required=True, max_length=TEXT_MAX),
    )
    take("deadline", deadline)
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def register_problem(
    actor: User,
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
    actor: User,
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
        reason = clean_text(reason, "reason", "调整原因", required=deadline_moved, max_length=200)
        if deadline_moved and len(reason) < REASON_MIN:
            raise ValidationError({"reason": f"调整整改时限须说明原因（至少{REASON_MIN}个字）"})
    except ValidationError as exc:
        errors.setdefault("reason", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    before = wuding_of(problem)
    guarded_update(Problem, problem.pk, version, CONFLICT, **cleaned)
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


def problems_visible(actor: User) -> Any:
    """The problems the actor may see (the one scope every list, map and export starts from)."""
    return permissions.scope(actor, "rectification.view", Problem.objects.all())
