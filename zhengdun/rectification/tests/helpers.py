"""Shared builders for the rectification tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from zhengdun.clues.models import Category
from zhengdun.rectification import actions
from zhengdun.rectification.models import Problem

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "佐证.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def problem_data(city: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "title": "违规参与律师饭局问题",
        "category": Category.objects.get(code="GJ1").pk,
        "source": "self_check",
        "description": "部分干警与律师不正当接触交往",
        "responsible_unit": city.court_a.pk,
        "responsible_leader": city.people["leader_a"].pk,
        "responsible_person": city.people["judge_a"].pk,
        "measures": "开展专项排查，建立记录报告制度",
        "standard": "排查全覆盖，记录报告率100%",
        "deadline": (dt.date.today() + dt.timedelta(days=200)).isoformat(),
    }
    data.update(overrides)
    return data


def make_problem(city: Any, actor: Any = None, *, tasks: int = 0, **overrides: Any) -> Problem:
    problem = actions.register_problem(actor or city.office_handler, problem_data(city, **overrides))
    for i in range(tasks):
        actions.add_task(
            actor or city.office_handler,
            problem,
            title=f"任务{i + 1}",
            owner=city.people["judge_a"].pk,
            deadline=problem.deadline,
            weight=i + 1,
        )
    problem.refresh_from_db()
    return problem
