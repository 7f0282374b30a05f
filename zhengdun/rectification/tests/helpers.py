"""Shared builders for the rectification tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
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


# --- added for the domain tests (test_actions, test_status, test_scoping) -----------------------


@pytest.fixture
def fast_passwords(settings: Any) -> None:
    """build_city() creates nine users; the production hasher spends seconds on each. Import it
    into a test module and list it in `pytestmark = pytest.mark.usefixtures(...)`."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def add_inspector(city: Any) -> Any:
    """A 督导组 member on the whole city (rectification.view only); kept in city.users."""
    from zhengdun.accounts.roles import Role
    from zhengdun.core.testing import make_user

    user = make_user("inspector", city.city, (Role.INSPECTOR, city.city))
    city.users["inspector"] = user
    return user


def office_user_for(city: Any, username: str, person: Any) -> Any:
    """An office handler (on the whole city) whose account is linked to a roster person — to test
    回避 when that person is the problem's responsible leader or person."""
    from zhengdun.accounts.roles import Role
    from zhengdun.core.testing import make_user

    user = make_user(username, city.office, (Role.OFFICE_HANDLER, city.city), person=person)
    city.users[username] = user
    return user


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def row_counts() -> dict[str, int]:
    """How many rows each rectification table and the audit trail hold: equal before and after a
    refused action means nothing was half-written."""
    from django.apps import apps

    from zhengdun.audit.models import Entry

    counts = {m.__name__: m.objects.count() for m in apps.get_app_config("rectification").get_models()}
    counts["Entry"] = Entry.objects.count()
    return counts


def state(problem: Problem) -> dict[str, Any]:
    """Everything stored about a problem and what hangs from it, to compare before and after."""
    from zhengdun.rectification.models import Milestone, Task

    row = Problem.objects.filter(pk=problem.pk).values().get()
    row.pop("updated_at")
    return {
        "problem": row,
        "tasks": list(Task.objects.filter(problem=problem).values().order_by("id")),
        "milestones": list(Milestone.objects.filter(problem=problem).values().order_by("position")),
        "counts": row_counts(),
    }
