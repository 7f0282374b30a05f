"""The milestone templates every deployment starts with (LOCAL: the office edits them on the
工期模板 page). The default serves categories without their own; GJ4 and GJ5 are found by
back-checking old cases (案件倒查, 警情排查), which takes longer than a plain 集中整治."""

from __future__ import annotations

from typing import Any

# (name, category code or None for the default, [(step, working days)])
TEMPLATES: list[tuple[str, str | None, list[tuple[str, int]]]] = [
    ("通用整改模板", None, [("制定方案", 10), ("集中整治", 40), ("验收评估", 10), ("建章立制", 10)]),
    (
        "减刑假释暂予监外执行整改模板",
        "GJ4",
        [("制定方案", 10), ("案件倒查", 60), ("纠正整改", 30), ("验收评估", 10), ("建章立制", 10)],
    ),
    (
        "有案不立压案不查整改模板",
        "GJ5",
        [("制定方案", 5), ("警情排查", 30), ("案件倒查", 30), ("验收评估", 10), ("建章立制", 10)],
    ),
]


def ensure_templates(apps: Any = None) -> None:
    """Create the starting templates that are missing (idempotent; used by the migration, and by
    tests after a flush). With apps, the historical models of a migration are used."""
    if apps is None:
        from django.apps import apps as live

        apps = live
    category_model = apps.get_model("clues", "Category")
    template_model = apps.get_model("rectification", "MilestoneTemplate")
    step_model = apps.get_model("rectification", "TemplateStep")
    for name, code, steps in TEMPLATES:
        category = category_model.objects.filter(code=code).first() if code else None
        if code and category is None:
            continue
        if template_model.objects.filter(category=category).exists():
            continue
        template = template_model.objects.create(name=name, category=category)
        step_model.objects.bulk_create(
            step_model(template=template, position=i, name=step, workdays=days)
            for i, (step, days) in enumerate(steps)
        )
