"""Every change to the rectification lists (rectification.actions): who may make it (each allowed
role succeeds and is audited; every other role is refused and nothing changes), the status walk
未启动 → 整改中 → 待验收 → 已销号 → 反弹 → … and 逾期, and the bad input of issue 5 — a deadline in
the past, a template longer than the time available, a 销号 without evidence or by someone
without the right, progress over 100% or going backwards without a reason — each refused with a
Chinese message naming the field (or flagged), nothing half-written."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from zhengdun.accounts.models import RoleAssignment
from zhengdun.accounts.roles import Role
from zhengdun.audit.models import Entry
from zhengdun.clues.models import Category
from zhengdun.clues.tests.domain_helpers import register as register_clue
from zhengdun.core import workdays
from zhengdun.core.errors import ConflictError
from zhengdun.core.testing import City
from zhengdun.rectification import actions, schedule
from zhengdun.rectification.actions import _common as common_actions
from zhengdun.rectification.actions import tasks as task_actions
from zhengdun.rectification.models import (
    CloseOff,
    Evidence,
    Institution,
    InstitutionDocument,
    Milestone,
    MilestoneTemplate,
    PlanChange,
    Problem,
    ProgressReport,
    Reopening,
    Task,
    TemplateStep,
)
from zhengdun.rectification.status import ProblemStatus
from zhengdun.rectification.tests.helpers import (
    PDF,
    add_inspector,
    fast_passwords,  # noqa: F401 - fixture
    make_problem,
    office_user_for,
    pdf,
    problem_data,
    row_counts,
    state,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

S = ProblemStatus
DAY = dt.timedelta(days=1)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
USERS = [
    "office_handler",
    "leader_a",
    "handler_a",
    "handler_b",
    "officer_a",
    "outsider",
    "inspector",
    "sysadmin",
    "secadmin",
    "auditor",
]


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture(autouse=True)
def _calendar():
    # plans read the calendar's override table through the cache: start from the library's
    workdays.forget_overrides()
    yield
    workdays.forget_overrides()


@pytest.fixture
def people(city: City) -> City:
    add_inspector(city)
    return city


def current_data(problem: Problem, **overrides: Any) -> dict[str, Any]:
    """A problem's 五定 as its edit form posts them back (ids as text)."""
    data = {
        "title": problem.title,
        "category": str(problem.category_id),
        "source": problem.source,
        "description": problem.description,
        "responsible_unit": str(problem.responsible_unit_id),
        "responsible_leader": str(problem.responsible_leader_id),
        "responsible_person": str(problem.responsible_person_id),
        "measures": problem.measures,
        "standard": problem.standard,
        "deadline": problem.deadline.isoformat(),
    }
    data.update(overrides)
    return data


def report(actor: Any, task: Task, percent: Any, **kw: Any) -> Any:
    task.refresh_from_db()
    kw.setdefault("narrative", "按计划推进整改")
    return actions.report_progress(actor, task, percent=percent, version=task.version, **kw)


def complete(city: City, problem: Problem) -> Problem:
    """Every task of the current round reported 100% by the court."""
    for task in problem.tasks.filter(round=problem.round):
        report(city.handler_a, task, 100, narrative="整改完成")
    problem.refresh_from_db()
    return problem


def close(city: City, problem: Problem, actor: Any = None, **kw: Any) -> CloseOff:
    problem.refresh_from_db()
    kw.setdefault("check_note", "对照验收标准逐项核查，整改到位")
    kw.setdefault("files", [pdf()])
    return actions.close_off(actor or city.office_handler, problem, version=problem.version, **kw)


def reopen(city: City, problem: Problem, actor: Any = None, **kw: Any) -> Reopening:
    problem.refresh_from_db()
    kw.setdefault("kind", "relapse")
    kw.setdefault("reason", "回头看发现问题反弹")
    kw.setdefault("new_deadline", today() + 120 * DAY)
    kw.setdefault("task_title", "再次整改")
    return actions.reopen(actor or city.office_handler, problem, version=problem.version, **kw)


def errors_of(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def working_days(first: dt.date, last: dt.date) -> int:
    """Working days in [first, last], counted one by one."""
    n, day = 0, first
    while day <= last:
        n += workdays.is_workday(day)
        day += DAY
    return n


# --- who may do what: every action × every role -----------------------------------------------


@dataclass
class Case:
    allowed: frozenset[str]
    code: str  # the audit action
    prepare: Callable[[City], dict[str, Any]]
    call: Callable[[Any, dict[str, Any], City], Any]
    # users holding the permission elsewhere get a field error (the unit is outside their reach)
    field_refusal: frozenset[str] = frozenset()


def _problem(city: City, **kw: Any) -> dict[str, Any]:
    problem = make_problem(city, **kw)
    return {"problem": problem, "task": problem.tasks.first()}


def _complete(city: City) -> dict[str, Any]:
    problem = complete(city, make_problem(city, tasks=1))
    return {"problem": problem}


def _closed(city: City) -> dict[str, Any]:
    problem = complete(city, make_problem(city, tasks=1))
    close(city, problem)
    problem.refresh_from_db()
    return {"problem": problem}


def _institution(city: City) -> dict[str, Any]:
    problem = make_problem(city)
    row = actions.register_institution(
        city.office_handler,
        {
            "title": "律师接触交往报告制度",
            "issuing_unit": city.court_a.pk,
            "issued_on": today(),
            "scope": "全院干警",
        },
        files=[pdf()],
    )
    return {"problem": problem, "institution": row}


CASES: dict[str, Case] = {
    "register_problem": Case(
        frozenset({"office_handler", "handler_a"}),
        "rectification.problem_registered",
        lambda city: {},
        lambda user, ctx, city: actions.register_problem(
            user, problem_data(city, responsible_leader=city.people["judge_a"].pk)
        ),
        field_refusal=frozenset({"handler_b"}),
    ),
    "update_problem": Case(
        frozenset({"office_handler", "handler_a"}),
        "rectification.problem_changed",
        _problem,
        lambda user, ctx, city: actions.update_problem(
            user,
            ctx["problem"],
            current_data(ctx["problem"], title="修改后的问题名称"),
            version=ctx["problem"].version,
        ),
    ),
    "set_milestone_workdays": Case(
        frozenset({"office_handler", "handler_a"}),
        "rectification.plan_changed",
        _problem,
        lambda user, ctx, city: actions.set_milestone_workdays(
            user, ctx["problem"], {0: 5}, version=ctx["problem"].version, reason="方案已提前制定"
        ),
    ),
    "complete_milestone": Case(
        frozenset({"office_handler", "handler_a"}),
        "rectification.milestone_done",
        _problem,
        lambda user, ctx, city: actions.complete_milestone(
            user, ctx["problem"].milestones.get(position=0), today()
        ),
    ),
    "add_task": Case(
        frozenset({"office_handler", "handler_a"}),
        "rectification.task_added",
        _problem,
        lambda user, ctx, city: actions.add_task(
            user,
            ctx["problem"],
            title="建立台账",
            owner=city.people["judge_a"].pk,
            deadline=ctx["problem"].deadline,
            weight=2,
        ),
    ),
    "report_progress": Case(
        frozenset({"office_handler", "handler_a"}),
        "rectification.progress_reported",
        lambda city: _problem(city, tasks=1),
        lambda user, ctx, city: actions.report_progress(
            user, ctx["task"], percent=40, narrative="已完成排查", files=[pdf()], version=ctx["task"].version
        ),
    ),
    "close_off": Case(
        frozenset({"office_handler"}),
        "rectification.closed_off",
        _complete,
        lambda user, ctx, city: actions.close_off(
            user, ctx["problem"], check_note="核查属实", files=[pdf()], version=ctx["problem"].version
        ),
    ),
    "reopen": Case(
        frozenset({"office_handler", "leader_a"}),
        "rectification.reopened",
        _closed,
        lambda user, ctx, city: actions.reopen(
            user,
            ctx["problem"],
            kind="review",
            reason="回头看发现问题反弹",
            new_deadline=today() + 90 * DAY,
            task_title="再次整改",
            version=ctx["problem"].version,
        ),
    ),
    "save_template": Case(
        frozenset({"office_handler"}),
        "rectification.template_saved",
        lambda city: {},
        lambda user, ctx, city: actions.save_template(
            user,
            None,
            name="GJ2整改模板",
            category=Category.objects.get(code="GJ2").pk,
            steps=[("制定方案", 5)],
        ),
    ),
    "register_institution": Case(
        frozenset({"office_handler", "handler_a"}),
        "rectification.institution_registered",
        lambda city: _problem(city),
        lambda user, ctx, city: actions.register_institution(
            user,
            {"title": "案件评查制度", "issuing_unit": city.court_a.pk, "issued_on": today(), "scope": "全院"},
            problems=[ctx["problem"]],
            files=[pdf("制度.pdf")],
        ),
        field_refusal=frozenset({"handler_b"}),
    ),
    "link_institution": Case(
        frozenset({"office_handler", "handler_a"}),
        "rectification.institution_linked",
        _institution,
        lambda user, ctx, city: actions.link_institution(user, ctx["institution"], [ctx["problem"]]),
    ),
}


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("name", list(CASES))
def test_each_action_is_done_by_its_roles_and_refused_to_every_other(people, name, username):
    case = CASES[name]
    city = people
    ctx = case.prepare(city)
    user = city.users[username]
    before = row_counts()
    problem_before = state(ctx["problem"]) if "problem" in ctx else None
    if username in case.allowed:
        result = case.call(user, ctx, city)
        entry = Entry.objects.order_by("-seq").first()
        assert entry.action == case.code
        assert entry.actor == user
        assert row_counts() != before
        if "problem" in ctx and name not in ("link_institution", "register_institution"):
            assert entry.object_id == str(ctx["problem"].pk)
        assert result is not None or name == "link_institution"
    else:
        refusal = ValidationError if username in case.field_refusal else PermissionDenied
        with pytest.raises(refusal):
            case.call(user, ctx, city)
        assert row_counts() == before
        if problem_before is not None:
            assert state(ctx["problem"]) == problem_before


def test_every_action_of_the_module_is_in_the_matrix():
    # the package's public functions, wherever they live inside it (actions/*.py)
    public = {
        n
        for n in actions.__all__
        if callable(f := getattr(actions, n))
        and getattr(f, "__module__", "").startswith(actions.__name__ + ".")
    }
    helpers = {"close_off_blockers", "clean_steps", "template_for", "problems_visible", "wuding_of"}
    assert public - helpers == set(CASES)


# --- the status walk ------------------------------------------------------------------------------


def test_a_problem_walks_through_every_status_and_keeps_its_history(city):
    t = today()
    problem = make_problem(city, tasks=2)
    first, second = problem.tasks.order_by("position")
    assert problem.status_on(t) == S.NOT_STARTED
    report(city.handler_a, first, 50)
    problem.refresh_from_db()
    assert problem.status_on(t) == S.IN_PROGRESS
    assert problem.progress == Decimal("16.6")  # (50·1 + 0·2) / 3, floored to one decimal
    report(city.handler_a, first, 100)
    report(city.handler_a, second, 100)
    problem.refresh_from_db()
    assert (problem.status_on(t), problem.progress, problem.completed_on) == (S.AWAITING, Decimal("100.0"), t)
    # 待验收 stands after the deadline too: the unit is done, the office checks
    assert problem.status_on(problem.deadline + DAY) == S.AWAITING
    row = close(city, problem)
    problem.refresh_from_db()
    assert (problem.status_on(t), problem.closed_on, row.round) == (S.CLOSED, t, 1)
    assert row.evidence.count() == 1 and row.evidence.get().content_type == "application/pdf"
    assert problem.status_on(problem.deadline + 400 * DAY) == S.CLOSED
    # 反弹: a new round with a new deadline and its first task
    old_deadline = problem.deadline
    reopening = reopen(city, problem, actor=city.leader_a, new_deadline=t + 60 * DAY)
    problem.refresh_from_db()
    assert problem.status_on(t) == S.RELAPSED
    assert (problem.round, problem.deadline, problem.progress, problem.closed_on) == (
        2,
        t + 60 * DAY,
        0,
        None,
    )
    assert (reopening.old_deadline, reopening.new_deadline, reopening.round) == (
        old_deadline,
        t + 60 * DAY,
        2,
    )
    [new_task] = problem.tasks.filter(round=2)
    assert (new_task.owner, new_task.deadline, new_task.progress) == (
        problem.responsible_person,
        t + 60 * DAY,
        0,
    )
    assert problem.tasks.filter(round=1, progress=100).count() == 2  # the first round stays
    assert all(m.done_on is None for m in problem.milestones.all())
    assert problem.milestones.order_by("-position").first().end <= problem.deadline
    # a report on a task of the earlier round is refused
    with pytest.raises(ValidationError) as refused:
        report(city.handler_a, first, 100)
    assert "以前的整改轮次" in str(refused.value)
    report(city.handler_a, new_task, 30)
    problem.refresh_from_db()
    assert problem.status_on(t) == S.RELAPSED  # 反弹 outranks 整改中
    assert problem.status_on(problem.deadline) == S.RELAPSED
    assert problem.status_on(problem.deadline + DAY) == S.OVERDUE  # 逾期 outranks 反弹
    # reported after the deadline: still 逾期 until done
    report(city.handler_a, new_task, 60, today=problem.deadline + 5 * DAY)
    problem.refresh_from_db()
    assert problem.status_on(problem.deadline + 5 * DAY) == S.OVERDUE
    report(city.handler_a, new_task, 100, today=problem.deadline + 6 * DAY)
    problem.refresh_from_db()
    assert (problem.status_on(problem.deadline + 6 * DAY), problem.completed_on) == (
        S.AWAITING,
        problem.deadline + 6 * DAY,
    )
    close(city, problem, today=problem.deadline + 7 * DAY)
    problem.refresh_from_db()
    assert problem.status_on(problem.deadline + 8 * DAY) == S.CLOSED
    assert not problem.relapsed
    assert list(problem.close_offs.values_list("round", flat=True)) == [1, 2]
    assert problem.reopenings.count() == 1
    assert ProgressReport.objects.filter(task__problem=problem).count() == 6
    codes = list(
        Entry.objects.filter(object_id=str(problem.pk)).order_by("seq").values_list("action", flat=True)
    )
    assert codes.count("rectification.closed_off") == 2 and codes.count("rectification.reopened") == 1


def test_a_problem_nobody_reports_on_is_overdue_the_day_after_its_deadline(city):
    problem = make_problem(city, tasks=1)
    assert problem.status_on(problem.deadline) == S.NOT_STARTED
    assert problem.status_on(problem.deadline + DAY) == S.OVERDUE
    # in Problem.objects.with_status too
    assert Problem.objects.with_status(problem.deadline + DAY).get().derived_status == S.OVERDUE


def test_a_task_added_after_completion_takes_the_problem_back_to_in_progress(city):
    problem = complete(city, make_problem(city, tasks=1))
    assert problem.status_on(today()) == S.AWAITING
    actions.add_task(
        city.office_handler,
        problem,
        title="补充任务",
        owner=city.people["judge_a"].pk,
        deadline=problem.deadline,
    )
    problem.refresh_from_db()
    assert (problem.complete, problem.completed_on, problem.status_on(today())) == (
        False,
        None,
        S.IN_PROGRESS,
    )
    assert problem.progress == Decimal("50.0")


# --- rollup ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "percents", "expected"),
    [
        ((1, 3), (100, 0), "25.0"),
        ((1, 3), (0, 100), "75.0"),
        ((1, 1, 1), (100, 0, 0), "33.3"),  # floored: never shows more than done
        ((1, 2), (50, 100), "83.3"),
        ((100, 1), (99, 100), "99.0"),
        ((7,), (100,), "100.0"),
    ],
)
def test_progress_rolls_up_by_weight(city, weights, percents, expected):
    problem = make_problem(city)
    for i, w in enumerate(weights):
        actions.add_task(
            city.office_handler,
            problem,
            title=f"任务{i}",
            owner=city.people["judge_a"].pk,
            deadline=problem.deadline,
            weight=w,
        )
    for task, percent in zip(problem.tasks.order_by("position"), percents, strict=True):
        if percent:
            report(city.handler_a, task, percent)
    problem.refresh_from_db()
    assert problem.progress == Decimal(expected)
    assert problem.complete == all(p == 100 for p in percents)


# --- registering a problem -----------------------------------------------------------------------


def test_registering_makes_the_plan_from_the_category_template(city):
    t = today()
    problem = make_problem(city)
    assert problem.number == f"ZG{t.year}0001"
    assert make_problem(city).number == f"ZG{t.year}0002"
    steps = [(s.name, s.workdays) for s in actions.template_for(problem.category).steps.all()]
    assert [(m.name, m.workdays) for m in problem.milestones.all()] == steps
    plan = schedule.back_schedule([schedule.Step(*s) for s in steps], problem.deadline, t)
    assert [(m.start, m.end) for m in problem.milestones.all()] == [(s.start, s.end) for s in plan.slots]
    assert (problem.plan_fits, problem.plan_shortfall) == (True, 0)
    change = problem.plan_changes.get()
    assert (change.reason, change.moves, change.fits) == ("制定整改计划", [], True)
    # GJ4 has its own template
    gj4 = make_problem(city, category=Category.objects.get(code="GJ4").pk)
    assert gj4.milestones.count() == 5 and gj4.template.category.code == "GJ4"


def test_a_template_longer_than_the_time_available_is_registered_and_flagged(city):
    t = today()
    deadline = t + 30 * DAY
    problem = actions.register_problem(city.office_handler, problem_data(city, deadline=deadline.isoformat()))
    total = sum(m.workdays for m in problem.milestones.all())
    assert total == 70  # the default template
    last = max(d for d in (deadline - i * DAY for i in range(10)) if workdays.is_workday(d))
    lacking = total - working_days(t, last)
    assert (problem.plan_fits, problem.plan_shortfall) == (False, lacking)
    assert problem.milestones.order_by("position").first().start < t
    assert Entry.objects.get(action="rectification.problem_registered").data["plan_fits"] is False


@pytest.mark.parametrize("days", [0, -1, -365])
def test_a_deadline_today_or_in_the_past_is_refused(city, days):
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        actions.register_problem(
            city.office_handler, problem_data(city, deadline=(today() + days * DAY).isoformat())
        )
    assert list(errors_of(refused)) == ["deadline"]
    assert "整改时限须晚于今天" in errors_of(refused)["deadline"][0]
    assert row_counts() == before


@pytest.mark.parametrize("key", list(actions.FIELD_LABELS))
@pytest.mark.parametrize("blank", ["", None, "   "])
def test_each_of_the_five_definitions_is_required_and_named(city, key, blank):
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        actions.register_problem(city.office_handler, problem_data(city, **{key: blank}))
    assert list(errors_of(refused)) == [key]
    assert actions.FIELD_LABELS[key] in errors_of(refused)[key][0]
    assert row_counts() == before


def test_every_missing_field_is_reported_at_once(city):
    with pytest.raises(ValidationError) as refused:
        actions.register_problem(city.office_handler, {})
    assert set(errors_of(refused)) == set(actions.FIELD_LABELS)
    assert not Problem.objects.exists()


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("title", "题" * 201, "不能超过200个字"),
        ("category", "999999", "问题类别不存在"),
        ("category", "abc", "问题类别不存在"),
        ("source", "rumour", "请选择问题来源"),
        ("deadline", "2026-02-30", "不存在"),
        ("deadline", "明年", "无法识别"),
        ("responsible_leader", "abc", "责任领导"),
        ("responsible_person", "999999", "责任人"),
        ("responsible_unit", "999999", "责任单位"),
    ],
)
def test_bad_values_are_refused_by_field(city, key, value, words):
    with pytest.raises(ValidationError) as refused:
        actions.register_problem(city.office_handler, problem_data(city, **{key: value}))
    assert list(errors_of(refused)) == [key]
    assert words in errors_of(refused)[key][0]
    assert not Problem.objects.exists()


def test_a_unit_handler_registers_only_for_units_and_people_in_reach(city):
    own = problem_data(city, responsible_leader=city.people["judge_a"].pk)
    with pytest.raises(ValidationError) as refused:  # another county's court
        actions.register_problem(city.handler_a, {**own, "responsible_unit": city.court_b.pk})
    assert errors_of(refused) == {"responsible_unit": ["责任单位须是您有权管理的单位"]}
    with pytest.raises(ValidationError) as refused:  # the county above the court
        actions.register_problem(city.handler_a, {**own, "responsible_unit": city.county_a.pk})
    assert list(errors_of(refused)) == ["responsible_unit"]
    with pytest.raises(ValidationError) as refused:  # a person of another county
        actions.register_problem(city.handler_a, {**own, "responsible_person": city.people["judge_b"].pk})
    assert errors_of(refused) == {"responsible_person": ["责任人须从您可查看的在职干警中选择"]}
    with pytest.raises(ValidationError) as refused:  # the county's leader sits above the court
        actions.register_problem(city.handler_a, problem_data(city))
    assert list(errors_of(refused)) == ["responsible_leader"]
    assert not Problem.objects.exists()
    assert actions.register_problem(city.handler_a, own).responsible_unit == city.court_a


def test_a_person_who_left_cannot_be_made_responsible(city):
    from zhengdun.org.models import Person

    Person.objects.filter(pk=city.people["judge_a"].pk).update(status=Person.Status.RETIRED)
    with pytest.raises(ValidationError) as refused:
        actions.register_problem(city.office_handler, problem_data(city))
    assert list(errors_of(refused)) == ["responsible_person"]


def test_a_problem_from_a_clue_keeps_the_link_both_ways_and_needs_the_clue_in_sight(city):
    clue = register_clue(city)  # at the city office: the court cannot see it
    before = row_counts()
    with pytest.raises(PermissionDenied):
        actions.register_problem(
            city.handler_a, problem_data(city, responsible_leader=city.people["judge_a"].pk), source_clue=clue
        )
    assert row_counts() == before
    problem = actions.register_problem(
        city.office_handler, problem_data(city, source="public"), source_clue=clue
    )
    assert (problem.source, problem.source_clue) == ("clue", clue)
    assert list(clue.rectification_problems.all()) == [problem]
    assert Entry.objects.get(action="rectification.problem_registered").data["source_clue"] == clue.pk


def test_html_is_stored_verbatim_for_the_pages_to_escape(city):
    script = '<script>alert("x")</script><b onmouseover=alert(1)>粗体</b>'
    problem = make_problem(city, title=script[:200], description=script, measures=script)
    problem.refresh_from_db()
    assert (problem.title, problem.description, problem.measures) == (script, script, script)
    task = actions.add_task(
        city.office_handler, problem, title=script, owner=city.people["judge_a"].pk, deadline=problem.deadline
    )
    row = report(city.handler_a, task, 10, narrative=script)
    assert (
        Task.objects.get(pk=task.pk).title == script
        and ProgressReport.objects.get(pk=row.pk).narrative == script
    )


# control characters are refused by field in every text input: test_text_inputs.py


# --- changing a problem and its plan ----------------------------------------------------------------


def test_a_deadline_change_recomputes_the_plan_and_lists_what_moved(city):
    t = today()
    problem = make_problem(city)
    old = list(problem.milestones.values_list("start", "end"))
    new_deadline = problem.deadline + 40 * DAY
    with pytest.raises(ValidationError) as refused:  # a reason is needed
        actions.update_problem(
            city.office_handler,
            problem,
            current_data(problem, deadline=new_deadline),
            version=problem.version,
        )
    assert list(errors_of(refused)) == ["reason"]
    with pytest.raises(ValidationError) as refused:  # of at least four characters
        actions.update_problem(
            city.office_handler,
            problem,
            current_data(problem, deadline=new_deadline),
            version=problem.version,
            reason="延期",
        )
    assert list(errors_of(refused)) == ["reason"]
    assert list(problem.milestones.values_list("start", "end")) == old
    actions.update_problem(
        city.office_handler,
        problem,
        current_data(problem, deadline=new_deadline),
        version=problem.version,
        reason="上级要求统筹推进，延长时限",
    )
    problem.refresh_from_db()
    assert problem.deadline == new_deadline
    plan = schedule.back_schedule(
        [schedule.Step(m.name, m.workdays) for m in problem.milestones.all()], new_deadline, t
    )
    new = [(m.start, m.end) for m in problem.milestones.all()]
    assert new == [(s.start, s.end) for s in plan.slots]
    change = problem.plan_changes.first()  # the newest
    assert change.reason == "整改时限调整：上级要求统筹推进，延长时限"
    assert [m["name"] for m in change.moves] == [m.name for m in problem.milestones.all()]
    for move, (a_start, a_end), (b_start, b_end) in zip(change.moves, old, new, strict=True):
        assert (move["old_start"], move["new_end"]) == (a_start.isoformat(), b_end.isoformat())
        assert move["start_shift"] == working_days(a_start + DAY, b_start) > 0
        assert move["end_shift"] == working_days(a_end + DAY, b_end) > 0
    entry = Entry.objects.filter(action="rectification.problem_changed").get()
    assert entry.data["reason"] == "上级要求统筹推进，延长时限"
    assert entry.data["changes"] == {
        "deadline": [(new_deadline - 40 * DAY).isoformat(), new_deadline.isoformat()]
    }


def test_a_change_without_a_new_deadline_keeps_the_plan_and_needs_no_reason(city):
    problem = make_problem(city)
    changes = PlanChange.objects.count()
    actions.update_problem(
        city.office_handler, problem, current_data(problem, measures="新增约谈措施"), version=problem.version
    )
    problem.refresh_from_db()
    assert problem.measures == "新增约谈措施" and problem.version == 2
    assert PlanChange.objects.count() == changes


def test_a_long_reason_fits_the_plan_history(city):
    # the plan history prefixes the reason; a reason of the full 200 characters must still fit
    problem = make_problem(city)
    reason = "因" * 200
    actions.update_problem(
        city.office_handler,
        problem,
        current_data(problem, deadline=problem.deadline + 10 * DAY),
        version=problem.version,
        reason=reason,
    )
    change = problem.plan_changes.first()
    assert len(change.reason) <= 200 and change.reason.startswith("整改时限调整：因")
    assert Entry.objects.get(action="rectification.problem_changed").data["reason"] == reason
    problem.refresh_from_db()
    actions.set_milestone_workdays(
        city.office_handler, problem, {0: 3}, version=problem.version, reason=reason
    )
    assert len(problem.plan_changes.first().reason) <= 200


def test_an_overdue_problem_is_edited_without_moving_its_deadline(city):
    problem = make_problem(city, deadline=(today() + 10 * DAY).isoformat())
    later = today() + 20 * DAY  # the deadline has passed
    actions.update_problem(
        city.office_handler,
        problem,
        current_data(problem, description="补充情况"),
        version=problem.version,
        today=later,
    )
    problem.refresh_from_db()
    assert problem.description == "补充情况" and problem.status_on(later) == S.OVERDUE
    # moving it is checked as any new deadline: after today
    with pytest.raises(ValidationError) as refused:
        actions.update_problem(
            city.office_handler,
            problem,
            current_data(problem, deadline=later),
            version=problem.version,
            reason="重新确定时限",
            today=later,
        )
    assert list(errors_of(refused)) == ["deadline"]


def test_a_unit_handler_edits_a_problem_whose_leader_is_above_the_unit(city):
    # the office named the county's leader; the court keeps them while correcting the problem
    problem = make_problem(city)
    actions.update_problem(
        city.handler_a, problem, current_data(problem, standard="台账完整"), version=problem.version
    )
    problem.refresh_from_db()
    assert (problem.standard, problem.responsible_leader) == ("台账完整", city.people["leader_a"])
    # but cannot name someone else outside the court, nor move the problem out of reach
    with pytest.raises(ValidationError) as refused:
        actions.update_problem(
            city.handler_a,
            problem,
            current_data(
                problem, responsible_person=city.people["judge_b"].pk, responsible_unit=city.court_b.pk
            ),
            version=problem.version,
        )
    assert set(errors_of(refused)) == {"responsible_person", "responsible_unit"}


def test_every_edit_error_is_reported_at_once_with_the_reason(city):
    problem = make_problem(city)
    with pytest.raises(ValidationError) as refused:
        actions.update_problem(
            city.office_handler,
            problem,
            current_data(problem, title="", deadline=problem.deadline + 5 * DAY),
            version=problem.version,
        )
    assert set(errors_of(refused)) == {"title", "reason"}


def test_an_edit_with_a_stale_version_writes_nothing(city):
    problem = make_problem(city)
    stale = problem.version
    actions.update_problem(
        city.office_handler, problem, current_data(problem, title="第一次修改"), version=stale
    )
    before = state(problem)
    with pytest.raises(ConflictError):
        actions.update_problem(
            city.handler_a, problem, current_data(problem, title="第二次修改"), version=stale
        )
    assert state(problem) == before


def test_a_closed_problem_is_not_edited(city):
    problem = complete(city, make_problem(city, tasks=1))
    close(city, problem)
    problem.refresh_from_db()
    before = state(problem)
    for call in (
        lambda: actions.update_problem(
            city.office_handler, problem, current_data(problem, title="改"), version=problem.version
        ),
        lambda: actions.set_milestone_workdays(
            city.office_handler, problem, {0: 3}, version=problem.version, reason="调整工期"
        ),
        lambda: actions.add_task(
            city.office_handler,
            problem,
            title="新任务",
            owner=city.people["judge_a"].pk,
            deadline=problem.deadline,
        ),
        lambda: actions.complete_milestone(city.office_handler, problem.milestones.first(), today()),
    ):
        with pytest.raises(ValidationError) as refused:
            call()
        assert "已销号" in str(refused.value)
    assert state(problem) == before


def test_milestone_durations_change_the_plan_and_the_change_lists_what_moved(city):
    problem = make_problem(city)
    old = list(problem.milestones.all())
    plan = actions.set_milestone_workdays(
        city.handler_a, problem, {1: old[1].workdays + 5}, version=problem.version, reason="排查范围扩大"
    )
    new = list(problem.milestones.all())
    assert new[1].workdays == old[1].workdays + 5
    assert [(m.start, m.end) for m in new[2:]] == [(m.start, m.end) for m in old[2:]]  # later ones stay
    assert new[1].end == old[1].end and new[1].start < old[1].start
    assert new[0].start < old[0].start
    change = problem.plan_changes.first()
    assert change.reason == "节点工期调整：排查范围扩大"
    assert [m["name"] for m in change.moves] == [old[0].name, old[1].name]
    assert [m["start_shift"] for m in change.moves] == [-5, -5]
    assert [m["end_shift"] for m in change.moves] == [-5, 0]
    assert (plan.fits, problem.plan_fits) == (True, True)
    assert Entry.objects.get(action="rectification.plan_changed").data["workdays"] == [
        m.workdays for m in new
    ]


def test_milestone_durations_that_no_longer_fit_are_flagged(city):
    problem = make_problem(city, deadline=(today() + 60 * DAY).isoformat())
    plan = actions.set_milestone_workdays(
        city.office_handler,
        problem,
        {1: schedule.MAX_STEP_WORKDAYS},
        version=problem.version,
        reason="全面倒查",
    )
    problem.refresh_from_db()
    assert (plan.fits, problem.plan_fits, problem.plan_shortfall) == (False, False, plan.shortfall)
    assert plan.shortfall > 0
    assert problem.plan_changes.first().fits is False


@pytest.mark.parametrize("bad", [0, -3, 251, "abc", "2.5", "", None])
def test_bad_milestone_durations_are_refused_by_milestone(city, bad):
    problem = make_problem(city)
    before = state(problem)
    with pytest.raises(ValidationError) as refused:
        actions.set_milestone_workdays(
            city.office_handler, problem, {0: 3, 2: bad}, version=problem.version, reason="调整工期"
        )
    assert list(errors_of(refused)) == ["workdays_2"]
    assert "验收评估" in errors_of(refused)["workdays_2"][0]
    assert state(problem) == before


def test_milestone_changes_need_a_reason_known_milestones_and_the_current_version(city):
    problem = make_problem(city)
    before = state(problem)
    with pytest.raises(ValidationError) as refused:
        actions.set_milestone_workdays(
            city.office_handler, problem, {0: 0, 9: 3}, version=problem.version, reason=""
        )
    assert set(errors_of(refused)) == {"reason", "workdays_0", "__all__"}
    with pytest.raises(ConflictError):
        actions.set_milestone_workdays(
            city.office_handler, problem, {0: 3}, version=problem.version - 1, reason="调整工期"
        )
    assert state(problem) == before


def test_a_milestone_is_done_today_or_earlier_once(city):
    problem = make_problem(city)
    milestone = problem.milestones.get(position=0)
    before = state(problem)
    with pytest.raises(ValidationError) as refused:
        actions.complete_milestone(city.handler_a, milestone, today() + DAY)
    assert errors_of(refused) == {"done_on": ["实际完成日期不能晚于今天"]}
    with pytest.raises(ValidationError) as refused:
        actions.complete_milestone(city.handler_a, milestone, "下周")
    assert list(errors_of(refused)) == ["done_on"]
    assert state(problem) == before
    actions.complete_milestone(city.handler_a, milestone, today() - DAY)
    assert Milestone.objects.get(pk=milestone.pk).done_on == today() - DAY
    with pytest.raises(ConflictError):
        actions.complete_milestone(city.office_handler, milestone, today())
    # a deadline change keeps what was done
    problem.refresh_from_db()
    actions.update_problem(
        city.office_handler,
        problem,
        current_data(problem, deadline=problem.deadline + 30 * DAY),
        version=problem.version,
        reason="统筹延期",
    )
    assert Milestone.objects.get(problem=problem, position=0).done_on == today() - DAY


def test_a_milestone_of_a_problem_closed_meanwhile_is_not_marked_done(city):
    problem = complete(city, make_problem(city, tasks=1))
    milestone = Milestone.objects.select_related("problem").get(problem=problem, position=0)  # the page
    close(city, problem)
    with pytest.raises(ValidationError):
        actions.complete_milestone(city.handler_a, milestone, today())
    assert Milestone.objects.get(pk=milestone.pk).done_on is None


# --- tasks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "key", "words"),
    [
        ({"weight": 0}, "weight", "权重须为1到100之间的整数"),
        ({"weight": 101}, "weight", "权重须为1到100之间的整数"),
        ({"weight": "1.5"}, "weight", "权重"),
        ({"title": " "}, "title", "请填写任务名称"),
        ({"owner": None}, "owner", "请选择任务责任人"),
        ({"deadline": "today"}, "deadline", "完成时限"),
        ({"deadline": "past"}, "deadline", "完成时限须晚于今天"),
        ({"deadline": "after"}, "deadline", "不能晚于问题的整改时限"),
    ],
)
def test_bad_tasks_are_refused_by_field(city, kw, key, words):
    problem = make_problem(city)
    values: dict[str, Any] = {
        "title": "建立台账",
        "owner": city.people["judge_a"].pk,
        "deadline": problem.deadline,
        "weight": 1,
    }
    values.update(kw)
    values["deadline"] = {
        "today": today(),
        "past": today() - DAY,
        "after": problem.deadline + DAY,
    }.get(values["deadline"], values["deadline"])
    before = state(problem)
    with pytest.raises(ValidationError) as refused:
        actions.add_task(city.office_handler, problem, **values)
    assert list(errors_of(refused)) == [key]
    assert words in errors_of(refused)[key][0]
    assert state(problem) == before


def test_a_task_owner_must_be_in_the_actors_sight(city):
    problem = make_problem(city)
    with pytest.raises(ValidationError) as refused:
        actions.add_task(
            city.handler_a,
            problem,
            title="建立台账",
            owner=city.people["judge_b"].pk,
            deadline=problem.deadline,
        )
    assert list(errors_of(refused)) == ["owner"]


def test_a_task_on_a_stale_problem_conflicts(city):
    problem = make_problem(city)
    page = Problem.objects.get(pk=problem.pk)
    actions.update_problem(
        city.office_handler, problem, current_data(problem, title="已改名"), version=problem.version
    )
    before = state(problem)
    with pytest.raises(ConflictError):
        actions.add_task(
            city.handler_a, page, title="建立台账", owner=city.people["judge_a"].pk, deadline=page.deadline
        )
    assert state(problem) == before


def test_tasks_are_limited_per_round(city, monkeypatch):
    monkeypatch.setattr(task_actions, "MAX_TASKS", 2)
    problem = make_problem(city, tasks=2)
    with pytest.raises(ValidationError) as refused:
        actions.add_task(
            city.office_handler,
            problem,
            title="第三项",
            owner=city.people["judge_a"].pk,
            deadline=problem.deadline,
        )
    assert "最多2项任务" in str(refused.value)


# --- progress -------------------------------------------------------------------------------------


@pytest.mark.parametrize("percent", [101, -1, "abc", "50.5", 50.5, "", None, "1e2"])
def test_progress_outside_0_to_100_or_not_whole_is_refused(city, percent):
    problem = make_problem(city, tasks=1)
    task = problem.tasks.get()
    before = state(problem)
    with pytest.raises(ValidationError) as refused:
        report(city.handler_a, task, percent)
    assert errors_of(refused) == {"percent": ["完成进度须为0到100之间的整数"]}
    assert state(problem) == before


@pytest.mark.parametrize("percent", [0, 100, " 70 "])
def test_progress_at_the_bounds_is_accepted(city, percent):
    task = make_problem(city, tasks=1).tasks.get()
    row = report(city.handler_a, task, percent)
    assert row.percent == int(str(percent))


def test_progress_going_backwards_needs_a_reason_and_keeps_the_previous_percent(city):
    problem = make_problem(city, tasks=1)
    task = problem.tasks.get()
    report(city.handler_a, task, 80)
    before = state(problem)
    for reason in ("", "   ", "回退了"):  # none, blank, three characters
        with pytest.raises(ValidationError) as refused:
            report(city.handler_a, task, 60, reason=reason)
        assert list(errors_of(refused)) == ["reason"]
        assert "由80%回退到60%" in errors_of(refused)["reason"][0]
    assert state(problem) == before
    row = report(city.handler_a, task, 60, reason="复查发现部分台账缺失")
    assert (row.percent, row.previous_percent, row.reason) == (60, 80, "复查发现部分台账缺失")
    task.refresh_from_db()
    assert task.progress == 60
    entry = Entry.objects.filter(action="rectification.progress_reported").order_by("seq").last()
    assert (entry.data["from"], entry.data["to"], entry.data["reason"]) == (80, 60, "复查发现部分台账缺失")
    # the same percentage again is not going backwards
    assert report(city.handler_a, task, 60).previous_percent == 60


def test_every_progress_error_is_reported_at_once(city):
    task = make_problem(city, tasks=1).tasks.get()
    with pytest.raises(ValidationError) as refused:
        report(city.handler_a, task, 101, narrative="", files=[upload("a.pdf", b"hello")])
    assert set(errors_of(refused)) == {"percent", "narrative", "files"}


def test_progress_on_a_closed_problem_is_refused(city):
    problem = complete(city, make_problem(city, tasks=1))
    close(city, problem)
    before = state(problem)
    with pytest.raises(ValidationError) as refused:
        report(city.office_handler, problem.tasks.get(), 100, narrative="补充材料")
    assert "已销号" in str(refused.value)
    assert state(problem) == before


def test_progress_on_a_task_read_before_its_problem_was_closed_is_refused(city):
    problem = complete(city, make_problem(city, tasks=1))
    task = Task.objects.select_related("problem").get(problem=problem)  # the progress page
    close(city, problem)
    before = state(problem)
    with pytest.raises(ValidationError) as refused:
        actions.report_progress(city.handler_a, task, percent=100, narrative="补充材料", version=task.version)
    assert "已销号" in str(refused.value)
    assert state(problem) == before


def test_progress_with_a_stale_task_version_writes_nothing(city):
    problem = make_problem(city, tasks=1)
    task = problem.tasks.get()
    stale = task.version
    report(city.handler_a, task, 30)
    before = state(problem)
    with pytest.raises(ConflictError):
        actions.report_progress(city.office_handler, task, percent=50, narrative="同步更新", version=stale)
    assert state(problem) == before


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("现场照片.pdf", PNG),  # a PNG calling itself a PDF
        ("说明.pdf", "这是一段文字".encode()),  # text calling itself a PDF
        ("照片.png", PDF),
        ("脚本.exe", b"MZ\x90\x00"),
        ("空.pdf", b""),
    ],
)
def test_a_disguised_or_unknown_file_is_refused_with_its_field(city, name, content):
    problem = complete(city, make_problem(city, tasks=1))
    task = make_problem(city, tasks=1).tasks.get()
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        report(city.handler_a, task, 10, files=[pdf(), upload(name, content)])
    assert list(errors_of(refused)) == ["files"] and name in errors_of(refused)["files"][0]
    with pytest.raises(ValidationError) as refused:
        close(city, problem, files=[upload(name, content)])
    assert list(errors_of(refused)) == ["files"] and name in errors_of(refused)["files"][0]
    with pytest.raises(ValidationError) as refused:
        actions.register_institution(
            city.office_handler,
            {"title": "制度", "issuing_unit": city.court_a.pk, "issued_on": today(), "scope": "全院"},
            files=[upload(name, content)],
        )
    assert list(errors_of(refused)) == ["files"]
    assert row_counts() == before
    assert not Evidence.objects.exists()


def test_evidence_files_are_stored_with_their_real_type(city):
    task = make_problem(city, tasks=1).tasks.get()
    row = report(city.handler_a, task, 20, files=[pdf("方案.pdf"), upload("现场.png", PNG, "image/png")])
    stored = list(row.evidence.values_list("original_name", "content_type", "size"))
    assert stored == [("方案.pdf", "application/pdf", len(PDF)), ("现场.png", "image/png", len(PNG))]


def test_too_many_files_are_refused(city, monkeypatch):
    monkeypatch.setattr(common_actions, "MAX_FILES", 2)
    task = make_problem(city, tasks=1).tasks.get()
    with pytest.raises(ValidationError) as refused:
        report(city.handler_a, task, 20, files=[pdf("1.pdf"), pdf("2.pdf"), pdf("3.pdf")])
    assert errors_of(refused) == {"files": ["一次最多上传2个文件"]}


# --- 对账销号 ---------------------------------------------------------------------------------------


def test_close_off_is_refused_until_every_task_is_done(city):
    problem = make_problem(city, tasks=2)
    report(city.handler_a, problem.tasks.first(), 100)
    problem.refresh_from_db()
    assert actions.close_off_blockers(city.office_handler, problem) == [
        "整改任务尚未全部完成（当前进度33.3%），不能销号"
    ]
    before = state(problem)
    with pytest.raises(ValidationError) as refused:
        close(city, problem)
    assert "尚未全部完成" in str(refused.value)
    # a problem without tasks is never complete
    bare = make_problem(city)
    with pytest.raises(ValidationError):
        close(city, bare)
    assert state(problem)["counts"] == row_counts() and state(problem)["problem"] == before["problem"]


def test_close_off_needs_evidence_and_the_check_note(city):
    problem = complete(city, make_problem(city, tasks=1))
    before = state(problem)
    with pytest.raises(ValidationError) as refused:
        close(city, problem, files=[])
    assert errors_of(refused) == {"files": ["销号须上传佐证材料"]}
    with pytest.raises(ValidationError) as refused:
        close(city, problem, check_note="  ")
    assert (
        list(errors_of(refused)) == ["check_note"]
        and "对照验收标准核查情况" in errors_of(refused)["check_note"][0]
    )
    with pytest.raises(ValidationError) as refused:
        close(city, problem, check_note="", files=[])
    assert set(errors_of(refused)) == {"check_note", "files"}
    assert state(problem) == before


@pytest.mark.parametrize("username", ["handler_a", "leader_a", "handler_b", "inspector"])
def test_close_off_by_anyone_but_the_office_is_refused(people, username):
    problem = complete(people, make_problem(people, tasks=1))
    assert "只有教育整顿办可以对账销号" in actions.close_off_blockers(people.users[username], problem)
    before = state(problem)
    with pytest.raises(PermissionDenied):
        close(people, problem, actor=people.users[username])
    assert state(problem) == before


@pytest.mark.parametrize("role", ["responsible_person", "responsible_leader"])
def test_the_responsible_people_do_not_close_off_their_own_problem(city, role):
    problem = complete(city, make_problem(city, tasks=1))
    if role == "responsible_person":
        actor = office_user_for(city, "office_judge", city.people["judge_a"])
    else:  # the county leader also serving in the office
        actor = city.leader_a
        RoleAssignment.objects.create(user=actor, role=Role.OFFICE_HANDLER, unit=city.city)
        actor = type(actor).objects.get(pk=actor.pk)
    assert any("回避" in b for b in actions.close_off_blockers(actor, problem))
    before = state(problem)
    with pytest.raises(ValidationError) as refused:
        close(city, problem, actor=actor)
    assert "回避" in str(refused.value)
    assert state(problem) == before
    assert actions.close_off_blockers(city.office_handler, problem) == []


def test_close_off_twice_is_refused(city):
    problem = complete(city, make_problem(city, tasks=1))
    close(city, problem)
    before = state(problem)
    with pytest.raises(ValidationError) as refused:
        close(city, problem)
    assert "该问题已销号" in str(refused.value)
    stale = Problem.objects.get(pk=problem.pk)
    stale.closed_on, stale.version = None, stale.version - 1  # a page opened before the close-off
    with pytest.raises((ValidationError, ConflictError)):
        actions.close_off(
            city.office_handler, stale, check_note="再次核查", files=[pdf()], version=stale.version
        )
    assert state(problem) == before
    assert CloseOff.objects.count() == 1


def test_close_off_acts_on_the_stored_progress_not_the_page(city):
    # the office opened the page while the problem was complete; the court then reported a
    # task back down (a report does not change the problem's version)
    problem = complete(city, make_problem(city, tasks=1))
    page = Problem.objects.get(pk=problem.pk)
    report(city.handler_a, problem.tasks.get(), 60, reason="复查发现遗漏问题")
    before = state(problem)
    with pytest.raises(ValidationError) as refused:
        actions.close_off(
            city.office_handler, page, check_note="核查属实", files=[pdf()], version=page.version
        )
    assert "尚未全部完成" in str(refused.value)
    assert state(problem) == before


def test_close_off_with_a_stale_version_writes_nothing(city):
    problem = complete(city, make_problem(city, tasks=1))
    stale = problem.version
    actions.update_problem(
        city.office_handler, problem, current_data(problem, standard="新标准"), version=stale
    )
    before = state(problem)
    with pytest.raises(ConflictError):
        actions.close_off(city.office_handler, problem, check_note="核查属实", files=[pdf()], version=stale)
    assert state(problem) == before


# --- reopening ------------------------------------------------------------------------------------


def test_reopening_needs_a_closed_problem(city):
    problem = complete(city, make_problem(city, tasks=1))
    before = state(problem)
    with pytest.raises(ValidationError) as refused:
        reopen(city, problem)
    assert "只有已销号的问题才能重新整改" in str(refused.value)
    assert state(problem) == before


@pytest.mark.parametrize(
    ("kw", "keys"),
    [
        ({"reason": ""}, {"reason"}),
        ({"reason": "反弹"}, {"reason"}),  # too short to say why
        ({"new_deadline": "past"}, {"new_deadline"}),
        ({"new_deadline": "today"}, {"new_deadline"}),
        ({"new_deadline": "not a date"}, {"new_deadline"}),
        ({"kind": "other"}, {"kind"}),
        ({"task_title": ""}, {"task_title"}),
        ({"task_owner": "judge_b"}, {"task_owner"}),
        (
            {"reason": "", "new_deadline": "past", "kind": "", "task_title": ""},
            {"reason", "new_deadline", "kind", "task_title"},
        ),
    ],
)
def test_bad_reopenings_are_refused_by_field(city, kw, keys):
    problem = complete(city, make_problem(city, tasks=1))
    close(city, problem)
    kw = dict(kw)
    if "new_deadline" in kw:
        kw["new_deadline"] = {"past": today() - DAY, "today": today()}.get(
            kw["new_deadline"], kw["new_deadline"]
        )
    if kw.get("task_owner") == "judge_b":
        kw["task_owner"] = city.people["judge_b"].pk
    before = state(problem)
    with pytest.raises(ValidationError) as refused:
        reopen(city, problem, actor=city.leader_a, **kw)
    assert set(errors_of(refused)) == keys
    assert state(problem) == before


def test_reopening_with_a_stale_version_writes_nothing(city):
    problem = complete(city, make_problem(city, tasks=1))
    close(city, problem)
    problem.refresh_from_db()
    page = Problem.objects.get(pk=problem.pk)
    reopen(city, problem)
    before = state(problem)
    with pytest.raises(ConflictError):
        actions.reopen(
            city.leader_a,
            page,
            kind="review",
            reason="回头看发现问题",
            new_deadline=today() + 30 * DAY,
            task_title="再整改",
            version=page.version,
        )
    assert state(problem) == before


def test_reopening_schedules_the_same_steps_back_from_the_new_deadline(city):
    problem = complete(city, make_problem(city, tasks=1))
    actions.complete_milestone(city.handler_a, problem.milestones.get(position=0), today())
    close(city, problem)
    new_deadline = today() + 300 * DAY
    reopen(city, problem, kind="review", new_deadline=new_deadline)
    problem.refresh_from_db()
    steps = [schedule.Step(m.name, m.workdays) for m in problem.milestones.all()]
    plan = schedule.back_schedule(steps, new_deadline, today())
    assert [(m.start, m.end, m.done_on) for m in problem.milestones.all()] == [
        (s.start, s.end, None) for s in plan.slots
    ]
    change = problem.plan_changes.first()
    assert change.reason == "回头看：重新整改" and len(change.moves) == len(steps)


# --- templates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "words"),
    [
        ([], "至少需要一个节点"),
        ([("", "")], "至少需要一个节点"),
        ([("制定方案", 0)], "1到250之间的整数"),
        ([("制定方案", 251)], "1到250之间的整数"),
        ([("制定方案", "十")], "1到250之间的整数"),
        ([("", 5)], "请填写节点名称"),
        ([("节" * 41, 5)], "不能超过40个字"),
        ([(f"节点{i}", 1) for i in range(schedule.MAX_STEPS + 1)], f"最多{schedule.MAX_STEPS}个节点"),
    ],
)
def test_bad_template_steps_are_refused(city, steps, words):
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        actions.save_template(
            city.office_handler,
            None,
            name="新模板",
            category=Category.objects.get(code="GJ2").pk,
            steps=steps,
        )
    assert list(errors_of(refused)) == ["steps"]
    assert words in errors_of(refused)["steps"][0]
    assert row_counts() == before


def test_a_template_needs_a_name_and_every_error_shows_at_once(city):
    with pytest.raises(ValidationError) as refused:
        actions.save_template(city.office_handler, None, name=" ", category="999999", steps=[])
    assert set(errors_of(refused)) == {"name", "category", "steps"}
    assert "模板名称" in errors_of(refused)["name"][0]


def test_one_template_per_category_and_one_default(city):
    gj4 = Category.objects.get(code="GJ4")
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        actions.save_template(
            city.office_handler, None, name="另一个", category=gj4.pk, steps=[("制定方案", 5)]
        )
    assert errors_of(refused) == {"category": [f"“{gj4.name}”已有工期模板，请修改原模板"]}
    with pytest.raises(ValidationError) as refused:
        actions.save_template(
            city.office_handler, None, name="另一个默认", category="", steps=[("制定方案", 5)]
        )
    assert errors_of(refused) == {"category": ["“默认”已有工期模板，请修改原模板"]}
    assert row_counts() == before


def test_a_template_is_changed_under_its_version_and_used_by_new_problems_only(city):
    gj2 = Category.objects.get(code="GJ2")
    old = make_problem(city, category=gj2.pk)  # made from the default template
    template = actions.save_template(
        city.office_handler,
        None,
        name="GJ2整改模板",
        category=gj2.pk,
        steps=[("制定方案", 5), ("集中整治", 20)],
    )
    assert [(s.name, s.workdays) for s in template.steps.all()] == [("制定方案", 5), ("集中整治", 20)]
    changed = actions.save_template(
        city.office_handler,
        template,
        name="GJ2整改模板",
        category=gj2.pk,
        steps=[("制定方案", 3), ("", ""), ("验收", 2)],
        version=1,
    )
    assert changed.version == 2
    assert list(TemplateStep.objects.filter(template=template).values_list("name", "workdays")) == [
        ("制定方案", 3),
        ("验收", 2),
    ]
    entry = Entry.objects.filter(action="rectification.template_saved").order_by("seq").last()
    assert entry.data["changes"]["steps"] == [["制定方案:5", "集中整治:20"], ["制定方案:3", "验收:2"]]
    with pytest.raises(ConflictError):
        actions.save_template(
            city.office_handler, template, name="改名", category=gj2.pk, steps=[("制定方案", 3)], version=1
        )
    assert MilestoneTemplate.objects.get(pk=template.pk).name == "GJ2整改模板"
    assert old.milestones.count() == 4  # old plans keep their steps
    new = make_problem(city, category=gj2.pk)
    assert list(new.milestones.values_list("name", "workdays")) == [("制定方案", 3), ("验收", 2)]


# --- 建章立制 ----------------------------------------------------------------------------------------


def institution_data(city: City, **kw: Any) -> dict[str, Any]:
    data = {
        "title": "干警与律师接触交往报告制度",
        "doc_number": "甲法〔2026〕12号",
        "issuing_unit": city.court_a.pk,
        "issued_on": today().isoformat(),
        "scope": "全院干警",
    }
    data.update(kw)
    return data


@pytest.mark.parametrize(
    ("kw", "key", "words"),
    [
        ({"title": ""}, "title", "请填写制度名称"),
        ({"issuing_unit": ""}, "issuing_unit", "制定单位"),
        ({"issued_on": ""}, "issued_on", "印发日期"),
        ({"issued_on": "tomorrow"}, "issued_on", "印发日期不能晚于今天"),
        ({"scope": ""}, "scope", "请填写适用范围"),
        ({"doc_number": "号" * 61}, "doc_number", "文号不能超过60个字"),
    ],
)
def test_bad_institutions_are_refused_by_field(city, kw, key, words):
    if kw.get("issued_on") == "tomorrow":
        kw = {"issued_on": today() + DAY}
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        actions.register_institution(city.handler_a, institution_data(city, **kw), files=[pdf()])
    assert list(errors_of(refused)) == [key]
    assert words in errors_of(refused)[key][0]
    assert row_counts() == before


def test_an_institution_needs_its_document_and_every_error_shows_at_once(city):
    with pytest.raises(ValidationError) as refused:
        actions.register_institution(city.handler_a, institution_data(city))
    assert errors_of(refused) == {"files": ["请上传制度文件"]}
    with pytest.raises(ValidationError) as refused:
        actions.register_institution(city.handler_a, {})
    assert set(errors_of(refused)) == {"title", "issuing_unit", "issued_on", "scope", "files"}
    assert not Institution.objects.exists()


def test_an_institution_links_only_problems_and_units_in_reach(city):
    ours = make_problem(city)
    theirs = make_problem(
        city, responsible_unit=city.court_b.pk, responsible_person=city.people["judge_b"].pk
    )
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        actions.register_institution(
            city.handler_a, institution_data(city), problems=[ours, theirs], files=[pdf()]
        )
    assert errors_of(refused) == {"problems": ["所选问题中有您无权查看的问题"]}
    with pytest.raises(ValidationError) as refused:
        actions.register_institution(
            city.handler_a, institution_data(city, issuing_unit=city.court_b.pk), files=[pdf()]
        )
    assert errors_of(refused) == {"issuing_unit": ["制定单位须是您有权管理的单位"]}
    assert row_counts() == before
    row = actions.register_institution(
        city.handler_a, institution_data(city), problems=[ours], files=[pdf("制度.pdf")]
    )
    assert list(row.problems.all()) == [ours] and list(ours.institutions.all()) == [row]
    assert InstitutionDocument.objects.get(institution=row).original_name == "制度.pdf"
    assert Entry.objects.get(action="rectification.institution_registered").data["problems"] == [ours.pk]


def test_linking_keeps_the_links_the_actor_cannot_see(city):
    ours = make_problem(city)
    theirs = make_problem(
        city, responsible_unit=city.court_b.pk, responsible_person=city.people["judge_b"].pk
    )
    row = actions.register_institution(
        city.office_handler, institution_data(city), problems=[theirs], files=[pdf()]
    )
    with pytest.raises(ValidationError) as refused:
        actions.link_institution(city.handler_a, row, [ours, theirs])
    assert errors_of(refused) == {"problems": ["所选问题中有您无权查看的问题"]}
    actions.link_institution(city.handler_a, row, [ours])
    assert set(row.problems.all()) == {ours, theirs}
    actions.link_institution(city.handler_a, row, [])
    assert set(row.problems.all()) == {theirs}
    actions.link_institution(city.office_handler, row, [])
    assert not row.problems.exists()
    with pytest.raises(PermissionDenied):
        actions.link_institution(city.handler_b, row, [theirs])


def test_a_problem_from_a_self_report_item_keeps_the_link_and_needs_the_item_in_sight(city):
    from zhengdun.selfreports import actions as selfreport_actions
    from zhengdun.selfreports.tests.helpers import file, item, open_campaign

    campaign = open_campaign(city)
    submitted = file(city.handler_a, campaign, [item()], person=city.people["judge_a"]).items.get()
    draft = selfreport_actions.start_draft(
        city.office_handler, campaign=campaign, person=city.people["officer_a"]
    )
    selfreport_actions.save_draft(city.office_handler, draft, items=[item()], declares_nothing=False)
    before = row_counts()
    with pytest.raises(PermissionDenied):  # another county's discipline staff
        actions.register_problem(
            city.handler_b,
            problem_data(
                city,
                responsible_unit=city.court_b.pk,
                responsible_leader=city.people["judge_b"].pk,
                responsible_person=city.people["judge_b"].pk,
            ),
            source_selfreport_item=submitted,
        )
    with pytest.raises(PermissionDenied):  # an item of a report not submitted yet
        actions.register_problem(
            city.office_handler, problem_data(city), source_selfreport_item=draft.items.get()
        )
    assert row_counts() == before
    problem = actions.register_problem(
        city.handler_a,
        problem_data(city, responsible_leader=city.people["judge_a"].pk, source="opinion"),
        source_selfreport_item=submitted,
    )
    assert (problem.source, problem.source_selfreport_item) == ("self_check", submitted)
    assert list(submitted.rectification_problems.all()) == [problem]


def test_a_problem_made_from_a_clue_keeps_its_source_when_edited(city):
    problem = actions.register_problem(
        city.office_handler, problem_data(city), source_clue=register_clue(city)
    )
    actions.update_problem(
        city.office_handler,
        problem,
        current_data(problem, source="public", title="改名"),
        version=problem.version,
    )
    problem.refresh_from_db()
    assert (problem.title, problem.source) == ("改名", "clue")


# --- two people at once (PostgreSQL: two connections) --------------------------------------------

# Decided at collection, so on SQLite the transactional fixture (and its flush) never runs.
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two writers at once need a server database; SQLite queues them at BEGIN IMMEDIATE",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_tasks_finished_at_once_leave_the_problem_complete(city, monkeypatch):
    """Each report rolls the problem up from the tasks it can see; without the problem's row lock
    the two rollups would each miss the other's task and the problem would stay 整改中."""
    problem = make_problem(city, tasks=2)
    first, second = problem.tasks.order_by("position")
    real = task_actions._rollup
    gate = threading.Barrier(2)

    def gated(*args: Any, **kwargs: Any) -> Any:
        # wait (briefly) for the other report to reach its rollup too: with the lock it never
        # can, and this one goes on alone
        try:
            gate.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass
        return real(*args, **kwargs)

    monkeypatch.setattr(task_actions, "_rollup", gated)
    results: dict[str, Any] = {}

    def run(task: Task) -> None:
        try:
            actions.report_progress(city.handler_a, task, percent=100, narrative="完成", version=task.version)
            results[task.title] = "ok"
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            results[task.title] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    assert results == {first.title: "ok", second.title: "ok"}
    problem.refresh_from_db()
    assert (problem.complete, problem.progress) == (True, Decimal("100.0"))


def test_an_earlier_deadline_pulls_later_task_deadlines_in(city):
    problem = make_problem(city, tasks=2)
    new_deadline = problem.deadline - dt.timedelta(days=30)
    data = problem_data(city, deadline=new_deadline.isoformat())
    actions.update_problem(
        city.office_handler, problem, data, version=problem.version, reason="上级要求提前完成"
    )
    assert set(problem.tasks.values_list("deadline", flat=True)) == {new_deadline}
    entry = Entry.objects.filter(action="rectification.problem_changed").latest("seq")
    assert sorted(entry.data["tasks_pulled_in"]) == sorted(problem.tasks.values_list("pk", flat=True))


def test_a_running_plan_recomputed_later_is_judged_from_the_day_its_round_began(city):
    # registered today with 200 days: the plan fits. 150 days on, in the middle of the work,
    # the deadline is extended: the first milestones now lie behind "today", but the plan still
    # starts after the day the problem was registered, so it fits.
    problem = make_problem(city)
    assert problem.plan_fits
    later = timezone.localdate() + dt.timedelta(days=150)
    data = problem_data(city, deadline=(problem.deadline + dt.timedelta(days=20)).isoformat())
    actions.update_problem(
        city.office_handler, problem, data, version=problem.version, reason="工作量增加延期", today=later
    )
    problem.refresh_from_db()
    assert problem.milestones.order_by("position").first().start < later
    assert problem.plan_fits and problem.plan_shortfall == 0


def test_pulling_the_deadline_in_before_the_plan_could_start_is_flagged(city):
    problem = make_problem(city)
    soon = timezone.localdate() + dt.timedelta(days=30)
    data = problem_data(city, deadline=soon.isoformat())
    actions.update_problem(city.office_handler, problem, data, version=problem.version, reason="上级要求提前")
    problem.refresh_from_db()
    first = problem.milestones.order_by("position").first()
    assert first.start < timezone.localdate()
    assert not problem.plan_fits
    assert problem.plan_shortfall == workdays.workdays_between(first.start, _first_workday_from_today())


def _first_workday_from_today() -> dt.date:
    today = timezone.localdate()
    return today if workdays.is_workday(today) else workdays.add_workdays(today, 1)
