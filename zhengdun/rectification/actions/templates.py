"""工期模板 (configuration): the steps and working days new problems are back-scheduled with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.audit.chain import diff, record
from zhengdun.core.text import clean_text
from zhengdun.core.versioning import guarded_update
from zhengdun.rectification import schedule
from zhengdun.rectification.actions._common import (
    STEP_NAME_MAX,
    TEMPLATE_CONFLICT,
    _category,
    _int,
)
from zhengdun.rectification.models import (
    MilestoneTemplate,
    TemplateStep,
)


def clean_steps(rows: Sequence[tuple[Any, Any]]) -> list[schedule.Step]:
    """Template steps from (name, workdays) rows; blank rows are skipped."""
    steps: list[schedule.Step] = []
    for i, (name, days) in enumerate(rows, start=1):
        # every row's errors go under "steps" (the page marks the row by its number)
        name = clean_text(name, "steps", f"第{i}个节点：节点名称", max_length=STEP_NAME_MAX)
        if not name and str(days or "").strip() == "":
            continue
        if not name:
            raise ValidationError({"steps": f"第{i}个节点：请填写节点名称"})
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
    actor: User,
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
        ("name", lambda: clean_text(name, "name", "模板名称", max_length=60, required=True)),
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
        guarded_update(
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
