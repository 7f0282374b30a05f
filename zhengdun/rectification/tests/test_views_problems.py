"""The 问题清单 pages per role: the list (scope, filters, capped count, sort, htmx, xlsx export as
filtered), 登记问题 (pickers scoped to the user, bad input kept with the field's message, made from
a clue's findings or a self-report item), and a problem's page (forms only for those who may use
them, refused POSTs changing nothing, conflicts, 倒排工期 changes, progress, 对账销号, 重新整改,
evidence downloads audited)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from zhengdun.accounts.roles import Role
from zhengdun.audit.models import Entry
from zhengdun.clues.models import Category, Result, Status
from zhengdun.clues.testing import register as register_clue
from zhengdun.clues.testing import walk
from zhengdun.core.testing import make_user
from zhengdun.rectification import actions
from zhengdun.rectification.models import Evidence, Problem, ProgressReport, Task
from zhengdun.rectification.tests.helpers import PDF, make_problem, pdf, problem_data

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
ADMINS = ["sysadmin", "secadmin", "auditor"]
LIST = "/rectification/problems/"


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_inspector(city: Any) -> Any:
    if "inspector" not in city.users:
        city.users["inspector"] = make_user("inspector", city.city, (Role.INSPECTOR, city.city))
    return city.users["inspector"]


def in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def overdue_problem(city: Any, *, days: int = 10, **overrides: Any) -> Problem:
    """A problem registered long ago whose deadline passed `days` days ago."""
    today = timezone.localdate()
    data = problem_data(city, deadline=(today - dt.timedelta(days=days)).isoformat(), **overrides)
    return actions.register_problem(city.office_handler, data, today=today - dt.timedelta(days=400))


def listed(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-problem="(\d+)"', html)}


def finish_tasks(city: Any, problem: Problem) -> Problem:
    for task in problem.tasks.filter(round=problem.round):
        actions.report_progress(
            city.office_handler, task, percent=100, narrative="已完成", version=task.version
        )
    problem.refresh_from_db()
    return problem


@pytest.fixture
def world(city: Any) -> dict[str, Problem]:
    """A problem in each corner of the test city."""
    add_inspector(city)
    return {
        "a": make_problem(city, tasks=2),
        "b": make_problem(
            city,
            title="乙县法院案件久拖不结问题",
            category=Category.objects.get(code="GJ5").pk,
            source="public",
            responsible_unit=city.court_b.pk,
            responsible_person=city.people["judge_b"].pk,
        ),
        "station": make_problem(
            city,
            title="派出所受案不及时问题",
            source="inspection",
            responsible_unit=city.station_a.pk,
            responsible_person=city.people["officer_a"].pk,
            deadline=in_days(5),
        ),
        "overdue": overdue_problem(city, title="涉案财物管理不规范问题"),
    }


# --- visibility ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("office_handler", {"a", "b", "station", "overdue"}),
        ("inspector", {"a", "b", "station", "overdue"}),
        ("leader_a", {"a", "station", "overdue"}),  # 甲县: the court and the police station
        ("handler_a", {"a", "overdue"}),
        ("handler_b", {"b"}),
    ],
)
def test_the_list_shows_each_role_its_reach(city, world, username, expected):
    response = client_for(city.users[username]).get(LIST)
    assert response.status_code == 200
    assert listed(response.content.decode()) == {world[k].pk for k in expected}


@pytest.mark.parametrize("username", ["officer_a", "outsider", *ADMINS])
def test_the_list_and_export_are_for_those_who_follow_the_lists(city, world, username):
    client = client_for(city.users[username])
    assert client.get(LIST).status_code == 403
    assert client.get("/rectification/problems/export/").status_code == 403
    assert client.get("/rectification/problems/new/").status_code == 403


@pytest.mark.parametrize(
    ("username", "visible"),
    [
        ("office_handler", {"a", "b", "station", "overdue"}),
        ("leader_a", {"a", "station", "overdue"}),
        ("handler_a", {"a", "overdue"}),
        ("handler_b", {"b"}),
        ("officer_a", set()),
        ("outsider", set()),
        ("sysadmin", set()),
    ],
)
def test_a_problem_page_is_404_out_of_reach(city, world, username, visible):
    client = client_for(city.users[username])
    for key, problem in world.items():
        expected = 200 if key in visible else 404
        assert client.get(f"{LIST}{problem.pk}/").status_code == expected, key


# --- the list ------------------------------------------------------------------------------------


def test_the_list_shows_the_columns_and_flags(city, world):
    html = client_for(city.office_handler).get(LIST).content.decode()
    a = world["a"]
    assert a.number in html and "违规参与律师饭局问题" in html and "甲县人民法院" in html
    assert "赵书记 / 张明" in html
    assert '<span class="badge red" data-flag="overdue">逾期</span>' in html
    assert '<span class="badge yellow" data-flag="near">临期</span>' in html
    assert 'data-status="not_started">未启动</span>' in html
    assert "0.0%" in html and "共 <strong data-count>4</strong> 个问题" in html


def test_the_list_is_sorted_by_deadline_and_can_be_resorted(city, world):
    client = client_for(city.office_handler)
    html = client.get(LIST).content.decode()
    order = [int(pk) for pk in re.findall(r'data-problem="(\d+)"', html)]
    assert order[:2] == [world["overdue"].pk, world["station"].pk]
    html = client.get(LIST, {"sort": "-deadline"}).content.decode()
    assert [int(pk) for pk in re.findall(r'data-problem="(\d+)"', html)] == order[::-1]


def test_the_list_filters(city, world):
    client = client_for(city.office_handler)

    def shown(**params: Any) -> set[int]:
        return listed(client.get(LIST, params).content.decode())

    ids = {k: p.pk for k, p in world.items()}
    assert shown(category=Category.objects.get(code="GJ5").pk) == {ids["b"]}
    assert shown(source="inspection") == {ids["station"]}
    assert shown(unit=city.county_a.pk) == {ids["a"], ids["station"], ids["overdue"]}
    assert shown(unit=city.station_a.pk) == {ids["station"]}
    assert shown(flag="overdue") == {ids["overdue"]}
    assert shown(flag="near") == {ids["station"]}
    assert shown(status="overdue") == {ids["overdue"]}
    assert shown(status="not_started") == {ids["a"], ids["b"], ids["station"]}
    assert shown(q="久拖") == {ids["b"]}
    assert shown(q=world["station"].number[-4:]) == {ids["station"]}
    finish_tasks(city, world["a"])
    assert shown(status="awaiting") == {ids["a"]}
    actions.close_off(
        city.office_handler, world["a"], check_note="已核查", files=[pdf()], version=world["a"].version
    )
    assert shown(status="closed") == {ids["a"]}
    assert shown(status="open") == {ids["b"], ids["station"], ids["overdue"]}
    # htmx gets the table alone
    html = client.get(LIST, {"source": "public"}, **HX).content.decode()
    assert "<html" not in html and listed(html) == {ids["b"]}


def test_a_unit_out_of_reach_lists_nothing_never_everything(city, world):
    html = client_for(city.handler_a).get(LIST, {"unit": city.court_b.pk}).content.decode()
    assert listed(html) == set() and "所选单位不在您的查看范围内" in html


def test_the_count_is_capped(city, world, settings):
    settings.LIST_COUNT_CAP = 2
    html = client_for(city.office_handler).get(LIST).content.decode()
    assert "共 <strong data-count>2+</strong> 个问题" in html


def test_the_export_holds_exactly_the_filtered_rows(city, world):
    from openpyxl import load_workbook

    finish_tasks(city, world["a"])
    actions.close_off(
        city.office_handler, world["a"], check_note="已核查", files=[pdf()], version=world["a"].version
    )
    client = client_for(city.leader_a)
    response = client.get("/rectification/problems/export/", {"unit": city.county_a.pk, "status": "open"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("问题编号", "类别代码", "问题类别", "问题名称")
    assert {
        "责任单位",
        "责任人",
        "整改措施",
        "整改时限",
        "整改状态",
        "佐证材料（份）",
        "验收人",
        "销号日期",
        "回头看",
    } <= set(header)
    numbers = {r[0] for r in rows[1:]}
    assert numbers == {world["station"].number, world["overdue"].number}  # not the closed one, not 乙县
    by_number = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    station = by_number[world["station"].number]
    assert station["整改时限"].date() == world["station"].deadline
    assert sheet.cell(row=2, column=header.index("整改时限") + 1).number_format == "yyyy-mm-dd"
    assert (
        station["问题来源"] == "明察暗访"
        and station["整改状态"] == "未启动"
        and station["时限预警"] == "临期"
    )
    assert by_number[world["overdue"].number]["整改状态"] == "逾期"
    # the closed problem, exported on its own, carries its evidence, checker and date
    response = client_for(city.office_handler).get("/rectification/problems/export/", {"status": "closed"})
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True)
    )
    closed = dict(zip(rows[0], rows[1], strict=True))
    assert len(rows) == 2 and closed["问题编号"] == world["a"].number
    assert closed["佐证材料（份）"] == 1 and closed["验收人"] == "office"
    assert closed["销号日期"].date() == timezone.localdate() and closed["整改进度（%）"] == 100.0
    entry = Entry.objects.filter(action="rectification.problems_exported").order_by("id").first()
    assert entry.actor == city.leader_a and entry.data["rows"] == 2


def test_the_export_of_an_invalid_filter_is_empty(city, world):
    from openpyxl import load_workbook

    response = client_for(city.handler_a).get("/rectification/problems/export/", {"unit": city.court_b.pk})
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True)
    )
    assert len(rows) == 1  # the header only


# --- 登记问题 ------------------------------------------------------------------------------------


def court_head(city: Any) -> Any:
    """甲县法院's president: a leader a unit handler of the court may pick (leader_a, of the
    county, lies outside the court's roster)."""
    from zhengdun.core.testing import make_person
    from zhengdun.org.models import Person

    return Person.objects.filter(name="钱院长").first() or make_person(
        city.court_a, "钱院长", position="院长"
    )


def post_data(city: Any, **overrides: Any) -> dict[str, Any]:
    return problem_data(city, **{"responsible_leader": court_head(city).pk, **overrides})


def test_the_register_form_offers_only_units_within_reach(city):
    html = client_for(city.handler_a).get("/rectification/problems/new/").content.decode()
    assert "甲县人民法院" in html and "乙县人民法院" not in html and "乙县" not in html
    assert f'<option value="{city.court_a.pk}" selected>' in html  # their own unit by default
    office = client_for(city.office_handler).get("/rectification/problems/new/").content.decode()
    assert "乙县人民法院" in office and '<option value="" selected>请选择责任单位</option>' in office
    assert 'name="responsible_leader_q"' in html and 'hx-get="/rectification/problems/people/"' in html
    assert client_for(city.leader_a).get("/rectification/problems/new/").status_code == 403


def test_registering_a_problem(city):
    client = client_for(city.handler_a)
    response = client.post("/rectification/problems/new/", post_data(city))
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{LIST}{problem.pk}/"
    assert problem.created_by == city.handler_a and problem.milestones.count() == 4
    html = client.get(response["Location"]).content.decode()
    assert f"已登记问题{problem.number}" in html and "制定方案" in html


def test_bad_input_keeps_the_input_and_names_the_field(city):
    client = client_for(city.handler_a)
    data = post_data(
        city,
        title="<script>alert(1)</script>律师饭局",
        deadline=(timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        measures="",
        responsible_unit=city.court_b.pk,
    )
    response = client.post("/rectification/problems/new/", data)
    html = response.content.decode()
    assert response.status_code == 200 and not Problem.objects.exists()
    # at the top, each message once — prefixed with its field's label unless it names the field
    assert "<li>请填写整改措施</li>" in html
    assert "<li>责任单位须是您有权管理的单位</li>" in html and "责任单位：责任单位" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;律师饭局" in html and "<script>alert(1)" not in html
    assert "开展专项排查" not in html or "排查全覆盖，记录报告率100%" in html  # the standard kept
    # a deadline in the past: the action's message beside the field, input kept
    response = client.post("/rectification/problems/new/", post_data(city, deadline="2020年1月1日"))
    html = response.content.decode()
    assert "整改时限须晚于今天" in html and 'value="2020年1月1日"' in html and not Problem.objects.exists()


def test_the_person_picker_resolves_typed_names_and_offers_choices(city):
    client = client_for(city.handler_a)
    data = post_data(city)
    judge = city.people["judge_a"]
    data.pop("responsible_person")
    data["responsible_person_q"] = judge.police_no
    response = client.post("/rectification/problems/new/", data)
    assert response.status_code == 302 and Problem.objects.get().responsible_person == judge
    # a name matching nobody the user may see: the field says so and keeps the text
    data["responsible_person_q"] = "李华"  # 乙县法院, out of handler_a's reach
    html = client.post("/rectification/problems/new/", data).content.decode()
    assert "没有找到“李华”" in html and Problem.objects.count() == 1
    # the htmx search lists matches within reach only
    found = client.get(
        "/rectification/problems/people/", {"field": "responsible_person", "responsible_person_q": "张"}
    ).content.decode()
    assert "张明" in found and 'name="responsible_person"' in found
    found = client_for(city.handler_b).get(
        "/rectification/problems/people/", {"field": "responsible_person", "responsible_person_q": "张明"}
    )
    assert "没有找到" in found.content.decode()
    assert (
        client_for(city.leader_a).get("/rectification/problems/people/", {"field": "owner"}).status_code
        == 200
    )
    assert (
        client_for(city.officer_a).get("/rectification/problems/people/", {"field": "owner"}).status_code
        == 403
    )


def test_several_matches_come_back_as_choices(city):
    from zhengdun.core.testing import make_person

    make_person(city.court_a, "张明远")
    data = post_data(city)
    data.pop("responsible_person")
    data["responsible_person_q"] = "张明"
    html = client_for(city.handler_a).post("/rectification/problems/new/", data).content.decode()
    assert "找到多名干警，请在列表中选择责任人" in html and "张明远" in html and not Problem.objects.exists()


@pytest.fixture
def substantiated(city: Any) -> Any:
    """A clue about 张明 handled by 甲县法院, found 属实 with a 查实问题类别 of its own."""
    from zhengdun.clues import actions as clue_actions

    clue = walk(city, register_clue(city), Status.HANDLING)
    subject = clue.subjects.get()
    clue_actions.record_result(
        city.handler_a,
        subject,
        result=Result.TRUE,
        note="张明配偶经营茶楼属实",
        finding_categories=[Category.objects.get(code="GJ3")],
    )
    return clue, subject


def test_registering_from_a_clue_prefills_and_keeps_the_link(city, substantiated):
    clue, subject = substantiated
    client = client_for(city.handler_a)
    url = f"/rectification/problems/new/?clue={clue.pk}&subject={subject.pk}"
    html = client.get(url).content.decode()
    gj3 = Category.objects.get(code="GJ3")
    assert f"线索{clue.number}" in html and "违规参股借贷问题" in html
    assert f'<option value="{gj3.pk}" selected>' in html and "张明配偶经营茶楼属实" in html
    assert f'<option value="{city.court_a.pk}" selected>' in html  # 张明's unit
    data = post_data(city, source="public", category=gj3.pk)
    response = client.post(url, data)
    problem = Problem.objects.get()
    assert response.status_code == 302 and problem.source_clue == clue and problem.source == "clue"
    html = client.get(f"{LIST}{problem.pk}/").content.decode()
    assert f'href="/clues/{clue.pk}/" data-link="clue">线索{clue.number}</a>' in html


def test_a_clue_out_of_reach_or_unsubstantiated_cannot_be_the_origin(city, substantiated):
    clue, subject = substantiated
    url = f"/rectification/problems/new/?clue={clue.pk}&subject={subject.pk}"
    assert client_for(city.handler_b).get(url).status_code == 404
    assert client_for(city.handler_b).post(url, post_data(city)).status_code == 404
    from zhengdun.clues.models import ClueSubject

    ClueSubject.objects.filter(pk=subject.pk).update(result=Result.FALSE)
    assert client_for(city.handler_a).get(url).status_code == 404
    assert client_for(city.handler_a).get("/rectification/problems/new/?clue=abc").status_code == 404
    assert not Problem.objects.exists()


def test_the_source_clue_is_linked_only_for_those_who_may_see_it(city):
    hidden = register_clue(city)  # registered at the city office, not assigned: 甲县 cannot see it
    problem = actions.register_problem(city.office_handler, problem_data(city), source_clue=hidden)
    office = client_for(city.office_handler).get(f"{LIST}{problem.pk}/").content.decode()
    assert f"线索{hidden.number}" in office
    html = client_for(city.handler_a).get(f"{LIST}{problem.pk}/").content.decode()
    assert hidden.number not in html and "来源线索您无权查看" in html


def test_registering_from_a_self_report_item(city):
    from zhengdun.selfreports.tests.helpers import file, item, open_campaign

    campaign = open_campaign(city)
    report = file(
        city.handler_a, campaign, [item("GJ2", description="配偶经营茶楼")], person=city.people["judge_a"]
    )
    entry = report.items.get()
    client = client_for(city.handler_a)
    url = f"/rectification/problems/new/?item={entry.pk}"
    html = client.get(url).content.decode()
    assert "张明的自查报告（第1版）第1项" in html and "配偶经营茶楼" in html
    response = client.post(url, post_data(city))
    problem = Problem.objects.get()
    assert (
        response.status_code == 302
        and problem.source_selfreport_item == entry
        and problem.source == "self_check"
    )
    html = client.get(f"{LIST}{problem.pk}/").content.decode()
    assert f'href="/selfreports/{report.pk}/#item-{entry.pk}" data-link="selfreport"' in html
    assert client_for(city.handler_b).get(url).status_code == 404


# --- a problem's page: who sees which form ---------------------------------------------------------


def forms_on(html: str) -> set[str]:
    return set(re.findall(r'data-action="(\w+)"', html)) | set(re.findall(r'id="form-(\w+)"', html))


def test_each_role_sees_only_the_forms_it_may_use(city, world):
    a = world["a"]
    url = f"{LIST}{a.pk}/"
    office = forms_on(client_for(city.office_handler).get(url).content.decode())
    assert {"edit", "plan", "add_task", "report", "milestone_done"} <= office
    assert "reopen" not in office and "close_off" not in office  # not complete yet: blockers instead
    handler = client_for(city.handler_a).get(url).content.decode()
    assert {"edit", "plan", "add_task", "report"} <= forms_on(handler)
    assert 'id="close"' not in handler and "暂不能销号" not in handler
    for username in ("leader_a", "inspector"):
        html = client_for(city.users[username]).get(url).content.decode()
        assert (
            forms_on(html) & {"edit", "plan", "add_task", "report", "close_off", "reopen", "milestone_done"}
            == set()
        )
    office_html = client_for(city.office_handler).get(url).content.decode()
    assert "暂不能销号" in office_html and "整改任务尚未全部完成（当前进度0.0%），不能销号" in office_html
    finish_tasks(city, a)
    html = client_for(city.office_handler).get(url).content.decode()
    assert "close_off" in forms_on(html) and 'data-status="awaiting">待验收</span>' in html
    actions.close_off(city.office_handler, a, check_note="已核查", files=[pdf()], version=a.version)
    for username in ("office_handler", "leader_a"):
        html = client_for(city.users[username]).get(url).content.decode()
        assert "reopen" in forms_on(html) and "edit" not in forms_on(html) and "report" not in forms_on(html)
    assert "reopen" not in forms_on(client_for(city.handler_a).get(url).content.decode())


@pytest.mark.parametrize("username", ["leader_a", "inspector"])
def test_posts_without_the_right_are_refused_and_change_nothing(city, world, username):
    a = world["a"]
    task = a.tasks.first()
    client = client_for(city.users[username])
    before = (
        Problem.objects.filter(pk=a.pk).values().get(),
        list(Task.objects.values()),
        Entry.objects.count(),
    )
    posts = [
        (f"{LIST}{a.pk}/edit/", {**problem_data(city, title="改名"), "version": a.version}),
        (f"{LIST}{a.pk}/plan/", {"workdays_0": 5, "reason": "压缩工期", "version": a.version}),
        (
            f"{LIST}{a.pk}/tasks/",
            {"title": "新任务", "owner": city.people["judge_a"].pk, "deadline": in_days(10), "weight": 1},
        ),
        (f"{LIST}tasks/{task.pk}/report/", {"percent": 50, "narrative": "推进中", "version": task.version}),
        (f"{LIST}{a.pk}/close-off/", {"check_note": "已核查", "version": a.version, "files": pdf()}),
        (f"{LIST}milestones/{a.milestones.first().pk}/done/", {"done_on": timezone.localdate().isoformat()}),
    ]
    for url, data in posts:
        response = client.post(url, data, **HX)
        html = response.content.decode()
        assert response.status_code in (403, 422), url
        assert "您没有" in html or "只有教育整顿办可以对账销号" in html, url
    # without htmx the page comes back with the refused form open, its message and input
    response = client.post(
        f"{LIST}tasks/{task.pk}/report/", {"percent": "55", "narrative": "我来报告", "version": 1}
    )
    html = response.content.decode()
    assert response.status_code == 403 and "<html" in html
    assert "您没有报告该问题整改进展的权限" in html and "我来报告" in html
    after = (
        Problem.objects.filter(pk=a.pk).values().get(),
        list(Task.objects.values()),
        Entry.objects.count(),
    )
    assert after == before
    assert not ProgressReport.objects.exists()


def test_posts_on_a_problem_out_of_reach_are_404(city, world):
    b = world["b"]
    client = client_for(city.handler_a)
    assert client.post(f"{LIST}{b.pk}/edit/", {"version": b.version}).status_code == 404
    task = actions.add_task(
        city.office_handler, b, title="任务", owner=city.people["judge_b"].pk, deadline=in_days(20)
    )
    assert client.post(f"{LIST}tasks/{task.pk}/report/", {"percent": 10}).status_code == 404
    assert client.get(f"{LIST}tasks/{task.pk}/report/").status_code == 404


# --- a problem's page: the forms ----------------------------------------------------------------


def test_reporting_progress_inline(city, world):
    a = world["a"]
    task = a.tasks.order_by("position").first()
    client = client_for(city.handler_a)
    url = f"{LIST}tasks/{task.pk}/report/"
    form = client.get(url, **HX).content.decode()
    assert (
        f'id="form-report-{task.pk}"' in form
        and "<html" not in form
        and 'enctype="multipart/form-data"' in form
    )
    # bad input: the fragment comes back with the message beside the field, input kept
    response = client.post(
        url, {"percent": "150", "narrative": "已排查三个庭室", "version": task.version}, **HX
    )
    html = response.content.decode()
    assert response.status_code == 422 and "完成进度须为0到100之间的整数" in html and "已排查三个庭室" in html
    assert not ProgressReport.objects.exists()
    response = client.post(
        url,
        {"percent": "60", "narrative": "已排查三个庭室", "version": task.version, "files": pdf("排查表.pdf")},
        **HX,
    )
    assert response.status_code == 200 and response["HX-Redirect"] == f"{LIST}{a.pk}/#task-{task.pk}"
    a.refresh_from_db()
    assert a.progress == 20  # task 1 (weight 1) at 60%, task 2 (weight 2) at 0%
    html = client.get(f"{LIST}{a.pk}/").content.decode()
    assert "20.0%" in html and "排查表.pdf" in html and 'data-status="in_progress">整改中</span>' in html
    # going back without a reason is refused with the reason field's message
    task.refresh_from_db()
    response = client.post(url, {"percent": "40", "narrative": "发现遗漏", "version": task.version}, **HX)
    assert response.status_code == 422 and "请说明回退原因" in response.content.decode()
    # without htmx, a refusal renders the page with the form open at its task
    response = client.post(url, {"percent": "x", "narrative": "", "version": task.version})
    html = response.content.decode()
    assert response.status_code == 422 and "<html" in html and f'id="form-report-{task.pk}"' in html
    assert "请填写进展情况" in html


def test_a_stale_version_is_a_conflict(city, world):
    a = world["a"]
    task = a.tasks.first()
    client = client_for(city.handler_a)
    stale_task = task.version
    actions.report_progress(city.office_handler, task, percent=30, narrative="office", version=task.version)
    response = client.post(
        f"{LIST}tasks/{task.pk}/report/",
        {"percent": "50", "narrative": "我的报告", "version": stale_task},
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 409 and "该任务的进度已被他人更新" in html and "我的报告" in html
    a.refresh_from_db()
    stale = a.version
    actions.update_problem(city.office_handler, a, problem_data(city, title="先改的名称"), version=a.version)
    data = {**problem_data(city, title="后改的名称"), "version": stale}
    data["responsible_leader"] = court_head(city).pk
    response = client.post(f"{LIST}{a.pk}/edit/", data, **HX)
    html = response.content.decode()
    assert response.status_code == 409 and "该问题已被他人修改" in html and "后改的名称" in html
    assert Problem.objects.get(pk=a.pk).title == "先改的名称"


def test_editing_the_deadline_needs_a_reason_and_moves_the_plan(city, world):
    a = world["a"]
    client = client_for(city.handler_a)
    new = (a.deadline + dt.timedelta(days=14)).isoformat()
    data = {**post_data(city, deadline=new), "version": a.version}
    response = client.post(f"{LIST}{a.pk}/edit/", data, **HX)
    assert response.status_code == 422 and "修改整改时限须说明调整原因" in response.content.decode()
    assert Problem.objects.get(pk=a.pk).deadline == a.deadline
    response = client.post(f"{LIST}{a.pk}/edit/", {**data, "reason": "上级要求延长两周"}, **HX)
    assert response.status_code == 200 and response["HX-Redirect"].startswith(f"{LIST}{a.pk}/")
    html = client.get(f"{LIST}{a.pk}/").content.decode()
    assert "整改时限调整：上级要求延长两周" in html and "建章立制：开始" in html and "（推迟" in html


def test_changing_durations_shows_what_moved_and_when_the_plan_falls_short(city, world):
    a = world["a"]
    client = client_for(city.office_handler)
    old = {m.position: m for m in a.milestones.all()}
    response = client.post(
        f"{LIST}{a.pk}/plan/",
        {
            "workdays_0": 10,
            "workdays_1": 35,
            "workdays_2": 10,
            "workdays_3": 10,
            "reason": "集中整治压缩",
            "version": a.version,
        },
    )
    assert response.status_code == 302
    new = {m.position: m for m in a.milestones.all()}
    html = client.get(f"{LIST}{a.pk}/").content.decode()
    line = f"制定方案：开始 {old[0].start.isoformat()} → {new[0].start.isoformat()}（推迟5个工作日）"
    assert line in html and "集中整治：开始" in html
    # a plan longer than the time left is flagged (not refused) with the days it lacks
    a.refresh_from_db()
    response = client.post(
        f"{LIST}{a.pk}/plan/",
        {
            "workdays_0": 200,
            "workdays_1": 200,
            "workdays_2": 10,
            "workdays_3": 10,
            "reason": "细化方案",
            "version": a.version,
        },
    )
    a.refresh_from_db()
    assert response.status_code == 302 and not a.plan_fits
    html = client.get(f"{LIST}{a.pk}/").content.decode()
    assert 'data-plan="short"' in html and f"尚缺 <strong>{a.plan_shortfall}</strong> 个工作日" in html
    # bad input: the milestone's message, nothing moved
    response = client.post(
        f"{LIST}{a.pk}/plan/",
        {
            "workdays_0": 0,
            "workdays_1": 35,
            "workdays_2": 10,
            "workdays_3": 10,
            "reason": "再调",
            "version": a.version,
        },
        **HX,
    )
    assert response.status_code == 422 and "“制定方案”的工期须为1到250之间的整数" in response.content.decode()


def test_adding_a_task_with_bad_input_keeps_it(city, world):
    a = world["a"]
    client = client_for(city.handler_a)
    data = {"title": "专项排查", "owner": city.people["judge_a"].pk, "deadline": in_days(10), "weight": "0"}
    response = client.post(f"{LIST}{a.pk}/tasks/", data, **HX)
    html = response.content.decode()
    assert response.status_code == 422 and "权重须为1到100之间的整数" in html and 'value="专项排查"' in html
    assert a.tasks.count() == 2
    data["weight"] = "3"
    # posted from the problem's own page: it reloads (a redirect to itself would only scroll)
    page = f"http://testserver{LIST}{a.pk}/#tasks"
    response = client.post(f"{LIST}{a.pk}/tasks/", data, HTTP_HX_CURRENT_URL=page, **HX)
    assert response.status_code == 200 and response["HX-Refresh"] == "true" and a.tasks.count() == 3


def test_marking_a_milestone_done(city, world):
    a = world["a"]
    first = a.milestones.order_by("position").first()
    client = client_for(city.handler_a)
    url = f"{LIST}milestones/{first.pk}/done/"
    response = client.post(url, {"done_on": in_days(3)}, **HX)
    assert response.status_code == 422 and "实际完成日期不能晚于今天" in response.content.decode()
    response = client.post(url, {"done_on": timezone.localdate().isoformat()}, **HX)
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.done_on == timezone.localdate()


def test_close_off_and_reopen_through_the_page(city, world):
    a = finish_tasks(city, world["a"])
    client = client_for(city.office_handler)
    url = f"{LIST}{a.pk}/close-off/"
    response = client.post(url, {"check_note": "对照标准逐项核查", "version": a.version}, **HX)
    html = response.content.decode()
    assert response.status_code == 422 and "销号须上传佐证材料" in html and "对照标准逐项核查" in html
    disguised = io.BytesIO(b"MZ\x90\x00 not a pdf")
    disguised.name = "验收.pdf"
    response = client.post(
        url, {"check_note": "对照标准逐项核查", "version": a.version, "files": disguised}, **HX
    )
    assert response.status_code == 422 and "附件内容与扩展名“.pdf”不符" in response.content.decode()
    assert Problem.objects.get(pk=a.pk).closed_on is None
    response = client.post(
        url, {"check_note": "对照标准逐项核查", "version": a.version, "files": pdf("验收报告.pdf")}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.closed_on == timezone.localdate()
    html = client.get(f"{LIST}{a.pk}/").content.decode()
    assert 'data-status="closed">已销号</span>' in html and "第1轮对账销号" in html and "验收报告.pdf" in html
    # a second close-off is refused with the reason
    response = client.post(url, {"check_note": "再销一次", "version": a.version, "files": pdf()}, **HX)
    assert response.status_code == 422 and "该问题已销号" in response.content.decode()
    # reopened by a leader of the county: a new round with a new deadline and its first task
    leader = client_for(city.leader_a)
    reopen = f"{LIST}{a.pk}/reopen/"
    data = {
        "kind": "review",
        "reason": "短",
        "new_deadline": in_days(60),
        "task_title": "再次排查",
        "task_owner": city.people["judge_a"].pk,
        "version": a.version,
    }
    response = leader.post(reopen, data, **HX)
    assert response.status_code == 422 and "请写明重新整改的原因（至少4个字）" in response.content.decode()
    response = leader.post(reopen, {**data, "reason": "回头看发现仍有干警与律师不当交往"}, **HX)
    assert response.status_code == 200
    html = leader.get(f"{LIST}{a.pk}/").content.decode()
    assert (
        "第2轮" in html
        and 'data-status="relapsed">反弹</span>' in html
        and "重新整改（回头看），进入第2轮" in html
    )
    assert "第1轮任务" in html and "再次排查" in html


def test_evidence_downloads_are_audited_and_404_for_others(city, world):
    a = world["a"]
    task = a.tasks.first()
    actions.report_progress(
        city.handler_a, task, percent=40, narrative="推进", files=[pdf("台账.pdf")], version=task.version
    )
    evidence = Evidence.objects.get()
    url = f"{LIST}evidence/{evidence.pk}/"
    response = client_for(city.leader_a).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    entry = Entry.objects.get(action="rectification.evidence_downloaded")
    assert entry.actor == city.leader_a and entry.data["name"] == "台账.pdf"
    for username in ("handler_b", "officer_a", "outsider", "auditor"):
        assert client_for(city.users[username]).get(url).status_code == 404
    assert client_for(city.office_handler).get(f"{LIST}evidence/999999/").status_code == 404
    assert Entry.objects.filter(action="rectification.evidence_downloaded").count() == 1


def test_the_page_shows_the_lists_and_history(city, world):
    a = world["a"]
    html = client_for(city.leader_a).get(f"{LIST}{a.pk}/").content.decode()
    for text in (
        "问题与五定",
        "责任清单",
        "任务责任人",
        "工期计划",
        "任务清单",
        "进展报告",
        "建章立制",
        "整改历程",
    ):
        assert text in html
    assert "对问题整改负领导责任" in html and "任务1" in html and "登记问题" in html
    assert html.count('data-task="') == 2


def test_the_institutions_built_are_linked_within_reach(city, world):
    a = world["a"]
    made = actions.register_institution(
        city.handler_a,
        {
            "title": "甲县法院干警与律师接触交往记录报告办法",
            "doc_number": "甲法〔2021〕5号",
            "issuing_unit": city.court_a.pk,
            "issued_on": timezone.localdate().isoformat(),
            "scope": "全院干警",
        },
        problems=[a],
        files=[pdf("办法.pdf")],
    )
    html = client_for(city.leader_a).get(f"{LIST}{a.pk}/").content.decode()
    assert f'href="/rectification/institutions/{made.pk}/"' in html and "甲法〔2021〕5号" in html
    # the city office sees it too; a problem it does not address lists nothing
    assert made.title in client_for(city.office_handler).get(f"{LIST}{a.pk}/").content.decode()
    assert made.title not in client_for(city.office_handler).get(f"{LIST}{world['b'].pk}/").content.decode()


def test_the_category_select_shows_the_code_beside_the_name(city):
    html = client_for(city.office_handler).get("/rectification/problems/new/").content.decode()
    assert ">GJ1 违反防止干预司法" in html
