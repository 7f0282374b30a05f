"""Clue builders for tests: a registered clue about a person of the test city, and a helper that
walks a clue through the lifecycle to a given status with the right user at each step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from zhengdun.accounts.models import User
from zhengdun.clues import actions
from zhengdun.clues.models import Category, Channel, Clue, Disposition, Feedback, Result, Status
from zhengdun.core.testing import City
from zhengdun.org.models import Person


def channel(code: str = "letter") -> Channel:
    return Channel.objects.get(code=code)


def category(code: str = "GJ2") -> Category:
    return Category.objects.get(code=code)


def register(city: City, *, subject: Person | None = None, actor: User | None = None, **kw: Any) -> Clue:
    values: dict[str, Any] = {
        "owner_unit": city.city,
        "channel": channel(),
        "received_on": timezone.localdate() - dt.timedelta(days=3),
        "reporting_mode": "real_name",
        "reporter": {"name": "周举报", "phone": "13800000000"},
        "summary": "反映甲县法院张明违规经商办企业",
        "content": "群众来信反映，张明的配偶在城关镇经营一家茶楼，张明长期参与经营并从中获利。",
        "categories": [category()],
        "subjects": [{"person_id": (subject or city.people["judge_a"]).pk}],
    }
    values.update(kw)
    return actions.register_clue(actor or city.office_handler, **values)


def walk(city: City, clue: Clue, to: str, *, disposition: str = Disposition.PRELIMINARY_CHECK) -> Clue:
    """Move a clue along the main path until it reaches status `to`."""
    office, handler, leader = city.office_handler, city.handler_a, city.leader_a
    steps = [
        (Status.ASSIGNED, lambda c: actions.assign_clue(office, c, unit=city.court_a, handler=handler)),
        (
            Status.DISPOSITION_PENDING,
            lambda c: actions.propose_disposition(
                handler, c, disposition=disposition, reason="问题具体，可查性强"
            ),
        ),
        (Status.HANDLING, lambda c: actions.approve_disposition(leader, c, comment="同意")),
        (Status.CLOSURE_PENDING, lambda c: _results_and_submit(city, c)),
        (Status.CLOSED, lambda c: actions.approve_closure(leader, c, comment="同意办结")),
        (
            Status.FED_BACK,
            lambda c: actions.record_feedback(
                office,
                c,
                method=Feedback.Method.PHONE,
                fed_back_on=timezone.localdate(),
                content="已电话告知办理结果",
            ),
        ),
        (Status.ARCHIVED, lambda c: actions.archive_clue(office, c)),
    ]
    for _status, step in steps:
        if clue.status == to:
            break
        step(clue)
        clue.refresh_from_db()
    if clue.status != to:
        raise RuntimeError(f"walk stopped at {clue.status}, wanted {to}")
    return clue


def _results_and_submit(city: City, clue: Clue) -> Any:
    for subject in clue.subjects.all():
        actions.record_result(city.handler_a, subject, result=Result.TRUE, note="经核实基本属实")
    return actions.submit_closure(city.handler_a, clue, reason="初核完毕，建议办结")
