"""Control characters in text a person typed are refused, never stripped (issue #11, one home:
core.text.clean_text): every text input of every rectification action answers a NUL, an escape,
a C1 control or a lone surrogate with a ValidationError keyed by that input, naming it in
Chinese, and nothing is written — no row, no audit entry, no change to the problem."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengdun.core.testing import City
from zhengdun.core.text import is_forbidden
from zhengdun.rectification import actions
from zhengdun.rectification.models import MilestoneTemplate, Task, TemplateStep
from zhengdun.rectification.tests.helpers import (
    fast_passwords,  # noqa: F401 - fixture
    make_problem,
    pdf,
    problem_data,
    row_counts,
    state,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

DAY = dt.timedelta(days=1)
BAD = ["\x00", "\x1b", "\x85", "\ud800"]


def _today() -> dt.date:
    return timezone.localdate()


def _with(good: str, bad: str) -> str:
    # the bad character in the middle of otherwise valid text: nothing may be dropped silently
    return good[:2] + bad + good[2:]


def _report(city: City, task: Task, percent: int, **kw: Any) -> None:
    task.refresh_from_db()
    kw.setdefault("narrative", "按计划推进整改")
    actions.report_progress(city.handler_a, task, percent=percent, version=task.version, **kw)


def _complete(city: City) -> Any:
    problem = make_problem(city, tasks=1)
    _report(city, problem.tasks.get(), 100, narrative="整改完成")
    problem.refresh_from_db()
    return problem


def _closed(city: City) -> Any:
    problem = _complete(city)
    actions.close_off(
        city.office_handler, problem, check_note="对照标准核查到位", files=[pdf()], version=problem.version
    )
    problem.refresh_from_db()
    return problem


def _register(city: City, field: str, bad: str) -> tuple[Any, Callable[[], Any]]:
    data = problem_data(city)
    data[field] = _with(data[field], bad)
    return None, lambda: actions.register_problem(city.office_handler, data)


def _update(city: City, field: str, bad: str) -> tuple[Any, Callable[[], Any]]:
    problem = make_problem(city)
    data = {k: v for k, v in actions.wuding_of(problem).items()}
    reason = "工作量增加，延期整改"
    if field == "reason":
        data["deadline"] = (problem.deadline + 30 * DAY).isoformat()
        reason = _with(reason, bad)
    else:
        data[field] = _with(data[field], bad)
    return problem, lambda: actions.update_problem(
        city.office_handler, problem, data, version=problem.version, reason=reason
    )


def _workdays(city: City, field: str, bad: str) -> tuple[Any, Callable[[], Any]]:
    problem = make_problem(city)
    return problem, lambda: actions.set_milestone_workdays(
        city.office_handler, problem, {0: 3}, version=problem.version, reason=_with("方案调整需要", bad)
    )


def _task(city: City, field: str, bad: str) -> tuple[Any, Callable[[], Any]]:
    problem = make_problem(city)
    return problem, lambda: actions.add_task(
        city.office_handler,
        problem,
        title=_with("开展专项排查", bad),
        owner=city.people["judge_a"].pk,
        deadline=problem.deadline,
    )


def _progress(city: City, field: str, bad: str) -> tuple[Any, Callable[[], Any]]:
    problem = make_problem(city, tasks=1)
    task = problem.tasks.get()
    percent = 50
    kw = {"narrative": "按计划推进整改", "reason": ""}
    if field == "reason":
        _report(city, task, 60)
        problem.refresh_from_db()
        percent = 40
    kw[field] = _with(kw[field] or "复核发现返工", bad)
    task.refresh_from_db()
    return problem, lambda: actions.report_progress(
        city.handler_a, task, percent=percent, version=task.version, **kw
    )


def _close_off(city: City, field: str, bad: str) -> tuple[Any, Callable[[], Any]]:
    problem = _complete(city)
    return problem, lambda: actions.close_off(
        city.office_handler,
        problem,
        check_note=_with("对照标准核查到位", bad),
        files=[pdf()],
        version=problem.version,
    )


def _reopen(city: City, field: str, bad: str) -> tuple[Any, Callable[[], Any]]:
    problem = _closed(city)
    kw = {"reason": "回头看发现问题反弹", "task_title": "再次整改"}
    kw[field] = _with(kw[field], bad)
    return problem, lambda: actions.reopen(
        city.office_handler,
        problem,
        kind="relapse",
        new_deadline=_today() + 120 * DAY,
        version=problem.version,
        **kw,
    )


def _template(city: City, field: str, bad: str) -> tuple[Any, Callable[[], Any]]:
    # editing the default template (a new one for no category would clash with it)
    template = MilestoneTemplate.objects.get(category__isnull=True)
    name, steps = "专项模板", [("制定方案", 5), ("整改落实", 20)]
    if field == "name":
        name = _with(name, bad)
    else:
        steps = [(_with("制定方案", bad), 5), ("整改落实", 20)]
    return None, lambda: actions.save_template(
        city.office_handler, template, name=name, category="", steps=steps, version=template.version
    )


def _institution(city: City, field: str, bad: str) -> tuple[Any, Callable[[], Any]]:
    data = {
        "title": "律师接触交往报告制度",
        "doc_number": "政法〔2024〕1号",
        "issuing_unit": city.court_a.pk,
        "issued_on": _today(),
        "scope": "全院干警",
    }
    data[field] = _with(data[field], bad)
    return None, lambda: actions.register_institution(city.office_handler, data, files=[pdf()])


# (action, input, the label its message names)
CASES = [
    (_register, "title", "问题名称"),
    (_register, "description", "问题描述"),
    (_register, "measures", "整改措施"),
    (_register, "standard", "整改标准"),
    (_update, "title", "问题名称"),
    (_update, "description", "问题描述"),
    (_update, "measures", "整改措施"),
    (_update, "standard", "整改标准"),
    (_update, "reason", "调整原因"),
    (_workdays, "reason", "调整原因"),
    (_task, "title", "任务名称"),
    (_progress, "narrative", "进展情况"),
    (_progress, "reason", "进度回退原因"),
    (_close_off, "check_note", "对照验收标准核查情况"),
    (_reopen, "reason", "原因"),
    (_reopen, "task_title", "整改任务"),
    (_template, "name", "模板名称"),
    (_template, "steps", "节点名称"),
    (_institution, "title", "制度名称"),
    (_institution, "doc_number", "文号"),
    (_institution, "scope", "适用范围"),
]


def _stored(problem: Any) -> Any:
    templates = list(MilestoneTemplate.objects.values().order_by("id"))
    steps = list(TemplateStep.objects.values().order_by("id"))
    return (state(problem) if problem is not None else row_counts()), templates, steps


@pytest.mark.parametrize("bad", BAD, ids=["nul", "esc", "c1", "surrogate"])
@pytest.mark.parametrize(
    ("build", "field", "label"), CASES, ids=[f"{b.__name__[1:]}-{f}" for b, f, _ in CASES]
)
def test_a_control_character_in_any_text_input_is_refused_by_field(city, build, field, label, bad):
    problem, act = build(city, field, bad)
    before = _stored(problem)
    with pytest.raises(ValidationError) as refused:
        act()
    errors = refused.value.message_dict
    assert list(errors) == [field]
    assert any(label in m and "控制字符" in m for m in errors[field]), errors
    assert _stored(problem) == before


def test_tab_and_line_breaks_are_kept(city):
    problem = make_problem(city, description="第一行\n\t第二行\r\n第三行")
    assert problem.description == "第一行\n\t第二行\r\n第三行"


@settings(max_examples=40, deadline=None)
@given(text=st.text(min_size=1, max_size=20))
def test_check_steps_refuse_exactly_the_forbidden_characters(text):
    # the template steps are checked without the database: whatever is typed, a forbidden
    # character is refused under "steps" and anything else is accepted as typed (trimmed)
    try:
        steps = actions.clean_steps([(text, 5)])
    except ValidationError as exc:
        message = exc.message_dict["steps"][0]
        assert any(is_forbidden(ch) for ch in text) or not text.strip() or len(text.strip()) > 40, message
    else:
        assert not any(is_forbidden(ch) for ch in text)
        assert steps[0].name == text.strip()
