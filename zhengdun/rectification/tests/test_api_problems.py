"""The rectification API (/api/v1/rectification) for problems, plans, tasks, progress, 对账销号
and 重新整改: each endpoint's allowed path, the role refused (403), another county's id (404),
bad input (422 with the field named, in Chinese), conflicts (409: a stale version or the wrong
state), an unknown filter refused (422), and one full journey through the endpoints alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from zhengdun.audit.models import Entry
from zhengdun.clues.models import ClueSubject
from zhengdun.clues.tests.domain_helpers import register as register_clue
from zhengdun.core.testing import City
from zhengdun.rectification.models import CloseOff, Evidence, Problem, ProgressReport, Reopening, Task
from zhengdun.rectification.tests.api_client import Api, errors
from zhengdun.rectification.tests.helpers import (
    PDF,
    fast_passwords,  # noqa: F401 - fixture
    make_problem,
    pdf,
    row_counts,
)

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def as_(city: City) -> Any:
    made: dict[str, Api] = {}

    def client_for(name: str) -> Api:
        if name not in made:
            made[name] = Api(city.users[name])
        return made[name]

    return client_for


def _today() -> dt.date:
    return timezone.localdate()


def _body(city: City, **overrides: Any) -> dict[str, Any]:
    body = {
        "title": "违规参与律师饭局问题",
        "category": "GJ1",
        "source": "self_check",
        "description": "部分干警与律师不正当接触交往",
        "responsible_unit_id": city.court_a.pk,
        # a unit handler picks people of their own court (the roster they see)
        "responsible_leader_id": city.people["judge_a"].pk,
        "responsible_person_id": city.people["judge_a"].pk,
        "measures": "开展专项排查，建立记录报告制度",
        "standard": "排查全覆盖，记录报告率100%",
        "deadline": (_today() + dt.timedelta(days=200)).isoformat(),
    }
    body.update(overrides)
    return body


def _b_problem(city: City) -> Problem:
    """A problem of the other county (乙县), out of handler_a's and leader_a's reach."""
    return make_problem(
        city,
        responsible_unit=city.court_b.pk,
        responsible_leader=city.people["judge_b"].pk,
        responsible_person=city.people["judge_b"].pk,
    )


# --- the list ----------------------------------------------------------------------------------


def test_it_lists_the_problems_in_scope_with_their_derived_status(city: City, as_: Any) -> None:
    a, b = make_problem(city), _b_problem(city)
    office = as_("office_handler").get("/problems")
    assert office.status_code == 200, office.content
    data = office.json()
    assert {i["id"] for i in data["items"]} == {a.pk, b.pk}
    assert data["count"] == 2 and data["count_capped"] is False
    first = next(i for i in data["items"] if i["id"] == a.pk)
    assert first["status"] == "not_started" and first["status_label"] == "未启动"
    assert first["category"]["code"] == "GJ1" and first["responsible_unit"]["name"] == "甲县人民法院"
    # a unit handler sees their own court's problems only
    mine = as_("handler_a").get("/problems").json()
    assert [i["id"] for i in mine["items"]] == [a.pk]


def test_it_filters_the_list_as_the_page_does(city: City, as_: Any) -> None:
    a, b = make_problem(city), _b_problem(city)
    Problem.objects.filter(pk=b.pk).update(deadline=_today() - dt.timedelta(days=1))
    api = as_("office_handler")
    assert [i["id"] for i in api.get("/problems", flag="overdue").json()["items"]] == [b.pk]
    assert [i["id"] for i in api.get("/problems", status="overdue").json()["items"]] == [b.pk]
    assert [i["id"] for i in api.get("/problems", unit=city.county_a.pk).json()["items"]] == [a.pk]
    assert [i["id"] for i in api.get("/problems", q=a.number).json()["items"]] == [a.pk]
    assert api.get("/problems", category="GJ2").json()["items"] == []
    page = api.get("/problems", limit=1, offset=1).json()
    assert page["count"] == 2 and len(page["items"]) == 1


def test_it_refuses_an_unknown_filter_rather_than_listing_everything(city: City, as_: Any) -> None:
    make_problem(city)
    response = as_("office_handler").get("/problems", overdue="true")
    assert errors(response) == {"overdue": "不支持的筛选条件：overdue"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "nonsense"}, "status"),
        ({"flag": "late"}, "flag"),
        ({"category": "XX9"}, "category"),
        ({"limit": 0}, "limit"),
        ({"q": "律师\x00"}, "q"),
    ],
)
def test_it_refuses_a_bad_filter_naming_it(city: City, as_: Any, params: dict[str, Any], field: str) -> None:
    response = as_("office_handler").get("/problems", **params)
    assert field in errors(response)


def test_a_unit_out_of_reach_is_a_bad_filter_not_an_empty_or_full_list(city: City, as_: Any) -> None:
    _b_problem(city)
    response = as_("handler_a").get("/problems", unit=city.court_b.pk)
    assert errors(response) == {"unit": "所选单位不在您的查看范围内"}


def test_someone_without_the_right_is_refused_the_list(city: City, as_: Any) -> None:
    assert as_("officer_a").get("/problems").status_code == 403
    assert as_("auditor").get("/problems").status_code == 403


# --- a problem's record --------------------------------------------------------------------------


def test_it_shows_a_problem_with_its_wuding_plan_tasks_and_rights(city: City, as_: Any) -> None:
    problem = make_problem(city, tasks=2)
    response = as_("handler_a").get(f"/problems/{problem.pk}")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["measures"] == "开展专项排查，建立记录报告制度"
    assert data["responsible_leader"]["name"] == "赵书记"
    assert [m["name"] for m in data["milestones"]][:2] == ["制定方案", "集中整治"]
    assert [t["title"] for t in data["tasks"]] == ["任务1", "任务2"]
    assert data["plan_changes"][0]["reason"] == "制定整改计划"
    # a unit handler edits and reports, but does not close off or reopen
    assert data["rights"] == {"edit": True, "report": True, "close_off": False, "reopen": False}
    assert data["close_off_blockers"] == []


def test_another_countys_problem_is_not_found(city: City, as_: Any) -> None:
    problem = _b_problem(city)
    for name in ("handler_a", "leader_a"):
        response = as_(name).get(f"/problems/{problem.pk}")
        assert response.status_code == 404
        assert response.json() == {"detail": "未找到该记录"}
    assert as_("office_handler").get("/problems/999999").status_code == 404


# --- 登记问题 -------------------------------------------------------------------------------------


def test_it_registers_a_problem_and_schedules_its_plan(city: City, as_: Any) -> None:
    response = as_("handler_a").post("/problems", _body(city))
    assert response.status_code == 201, response.content
    data = response.json()
    problem = Problem.objects.get(pk=data["id"])
    assert problem.created_by == city.handler_a and problem.number == data["number"]
    assert len(data["milestones"]) == 4 and data["milestones"][-1]["end"] <= data["deadline"]
    assert Entry.objects.filter(action="rectification.problem_registered", actor=city.handler_a).exists()


def test_a_role_without_the_right_cannot_register(city: City, as_: Any) -> None:
    before = row_counts()
    assert as_("leader_a").post("/problems", _body(city)).status_code == 403
    assert as_("officer_a").post("/problems", _body(city)).status_code == 403
    assert row_counts() == before


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"deadline": "2001-01-01"}, "deadline", "整改时限须晚于今天"),
        ({"title": "   "}, "title", "问题名称"),
        ({"title": "饭局\x07问题"}, "title", "控制字符"),
        ({"category": "XX9"}, "category", "未知的问题类别代码"),
        ({"source": "rumour"}, "source", "取值无效"),
        ({"deadline": "2100-01-01"}, "deadline", ""),
        ({"responsible_leader_id": 2**31}, "responsible_leader_id", ""),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    city: City, as_: Any, overrides: dict[str, Any], field: str, words: str
) -> None:
    before = row_counts()
    found = errors(as_("office_handler").post("/problems", _body(city, **overrides)))
    assert field in found and words in found[field]
    assert row_counts() == before


def test_a_unit_out_of_reach_is_refused_as_the_responsible_unit(city: City, as_: Any) -> None:
    found = errors(as_("handler_a").post("/problems", _body(city, responsible_unit_id=city.court_b.pk)))
    assert found["responsible_unit_id"] == "责任单位须是您有权管理的单位"


def test_it_registers_a_problem_from_a_substantiated_clue_subject(city: City, as_: Any) -> None:
    clue = register_clue(city)
    subject = clue.subjects.get()
    api = as_("office_handler")
    # not yet substantiated: refused, naming the field
    found = errors(api.post("/problems", _body(city, source_subject_id=subject.pk)))
    assert "属实" in found["source_subject_id"]
    ClueSubject.objects.filter(pk=subject.pk).update(result="true")
    response = api.post("/problems", _body(city, source_subject_id=subject.pk))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["source"] == "clue" and data["source_clue"] == {"id": clue.pk, "number": clue.number}
    # someone who may not see the clue cannot make a problem from it
    found = errors(as_("handler_b").post("/problems", _body(city, source_subject_id=subject.pk)))
    assert "source_subject_id" in found


def test_it_registers_a_problem_from_a_submitted_self_report_item(city: City, as_: Any) -> None:
    from zhengdun.selfreports import actions as selfreport_actions
    from zhengdun.selfreports.tests.helpers import file, item, open_campaign

    campaign = open_campaign(city)
    submitted = file(city.handler_a, campaign, [item()], person=city.people["judge_a"]).items.get()
    draft = selfreport_actions.start_draft(
        city.office_handler, campaign=campaign, person=city.people["officer_a"]
    )
    selfreport_actions.save_draft(city.office_handler, draft, items=[item()], declares_nothing=False)
    api = as_("handler_a")
    before = row_counts()
    # another county's staff cannot see the item; a draft's item is not a source
    assert "source_item_id" in errors(
        as_("handler_b").post(
            "/problems", _body(city, source_item_id=submitted.pk, responsible_unit_id=city.court_b.pk)
        )
    )
    assert "source_item_id" in errors(
        as_("office_handler").post("/problems", _body(city, source_item_id=draft.items.get().pk))
    )
    both = _body(city, source_item_id=submitted.pk, source_subject_id=1)
    assert "只能填写一项" in errors(api.post("/problems", both))["source_item_id"]
    assert row_counts() == before
    response = api.post("/problems", _body(city, source="opinion", source_item_id=submitted.pk))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["source"] == "self_check" and data["source_selfreport_item"] == submitted.pk
    assert list(submitted.rectification_problems.values_list("pk", flat=True)) == [data["id"]]


# --- 修改五定 -------------------------------------------------------------------------------------


def test_it_edits_the_wuding_and_a_stale_version_is_a_conflict(city: City, as_: Any) -> None:
    problem = make_problem(city)
    api = as_("handler_a")
    response = api.patch(f"/problems/{problem.pk}", {"version": problem.version, "title": "新的名称"})
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "新的名称"
    stale = api.patch(f"/problems/{problem.pk}", {"version": problem.version, "title": "再改"})
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]
    assert Problem.objects.get(pk=problem.pk).title == "新的名称"


def test_a_new_deadline_needs_a_reason_and_moves_the_plan(city: City, as_: Any) -> None:
    problem = make_problem(city)
    api = as_("office_handler")
    later = (problem.deadline + dt.timedelta(days=30)).isoformat()
    found = errors(api.patch(f"/problems/{problem.pk}", {"version": problem.version, "deadline": later}))
    assert "原因" in found["reason"]
    response = api.patch(
        f"/problems/{problem.pk}", {"version": problem.version, "deadline": later, "reason": "工作量增加"}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["deadline"] == later and data["plan_changes"][0]["moves"]


def test_editing_is_refused_to_a_leader_and_hidden_from_another_county(city: City, as_: Any) -> None:
    problem = make_problem(city)
    body = {"version": problem.version, "title": "x改"}
    assert as_("leader_a").patch(f"/problems/{problem.pk}", body).status_code == 403
    assert as_("handler_b").patch(f"/problems/{problem.pk}", body).status_code == 404
    assert Problem.objects.get(pk=problem.pk).version == problem.version


# --- plan and milestones -------------------------------------------------------------------------


def test_it_changes_milestone_durations(city: City, as_: Any) -> None:
    problem = make_problem(city)
    api = as_("handler_a")
    body = {
        "version": problem.version,
        "reason": "集中整治需要更长时间",
        "workdays": [{"position": 1, "workdays": 30}],
    }
    response = api.post(f"/problems/{problem.pk}/plan", body)
    assert response.status_code == 200, response.content
    assert response.json()["milestones"][1]["workdays"] == 30
    assert api.post(f"/problems/{problem.pk}/plan", body).status_code == 409
    problem.refresh_from_db()
    bad = {**body, "version": problem.version, "workdays": [{"position": 9, "workdays": 3}]}
    assert "__all__" in errors(api.post(f"/problems/{problem.pk}/plan", bad))
    assert "workdays" in errors(api.post(f"/problems/{problem.pk}/plan", {**bad, "workdays": []}))
    assert as_("leader_a").post(f"/problems/{problem.pk}/plan", body).status_code == 403


def test_it_marks_a_milestone_done_once(city: City, as_: Any) -> None:
    problem = make_problem(city)
    first = problem.milestones.order_by("position").first()
    api = as_("handler_a")
    future = {"done_on": (_today() + dt.timedelta(days=3)).isoformat()}
    assert "done_on" in errors(api.post(f"/milestones/{first.pk}/done", future))
    response = api.post(f"/milestones/{first.pk}/done", {"done_on": _today().isoformat()})
    assert response.status_code == 200, response.content
    assert response.json()["milestones"][0]["done_on"] == _today().isoformat()
    assert api.post(f"/milestones/{first.pk}/done", {"done_on": _today().isoformat()}).status_code == 409
    assert (
        as_("handler_b").post(f"/milestones/{first.pk}/done", {"done_on": _today().isoformat()}).status_code
        == 404
    )


# --- tasks and progress --------------------------------------------------------------------------


def test_it_adds_a_task_checking_owner_and_deadline(city: City, as_: Any) -> None:
    problem = make_problem(city)
    api = as_("handler_a")
    body = {"title": "排查", "owner_id": city.people["judge_a"].pk, "deadline": problem.deadline.isoformat()}
    response = api.post(f"/problems/{problem.pk}/tasks", body)
    assert response.status_code == 201, response.content
    assert [t["title"] for t in response.json()["tasks"]] == ["排查"]
    late = {**body, "deadline": (problem.deadline + dt.timedelta(days=1)).isoformat()}
    assert "不能晚于问题的整改时限" in errors(api.post(f"/problems/{problem.pk}/tasks", late))["deadline"]
    stranger = {**body, "owner_id": city.people["judge_b"].pk}
    assert "owner_id" in errors(api.post(f"/problems/{problem.pk}/tasks", stranger))
    assert as_("leader_a").post(f"/problems/{problem.pk}/tasks", body).status_code == 403
    assert as_("handler_b").post(f"/problems/{problem.pk}/tasks", body).status_code == 404


def test_it_reports_progress_with_evidence_and_serves_it_audited(city: City, as_: Any) -> None:
    problem = make_problem(city, tasks=1)
    task = problem.tasks.get()
    api = as_("handler_a")
    data = {"percent": 60, "narrative": "已排查一半", "version": task.version, "files": [pdf()]}
    response = api.form(f"/tasks/{task.pk}/reports", data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["progress"] == 60.0 and body["status"] == "in_progress"
    report = body["tasks"][0]["reports"][0]
    assert report["percent"] == 60 and len(report["evidence"]) == 1
    url = report["evidence"][0]["download_url"]
    download = api.client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert Entry.objects.filter(action="rectification.evidence_downloaded", actor=city.handler_a).exists()
    # another county's handler cannot fetch it
    assert as_("handler_b").client.get(url).status_code == 404


def test_progress_input_is_checked(city: City, as_: Any) -> None:
    problem = make_problem(city, tasks=1)
    task = problem.tasks.get()
    api = as_("handler_a")
    base = {"narrative": "进展", "version": task.version}
    assert "percent" in errors(api.form(f"/tasks/{task.pk}/reports", {**base, "percent": 101}))
    assert "narrative" in errors(
        api.form(f"/tasks/{task.pk}/reports", {**base, "percent": 5, "narrative": "a\x00"})
    )
    assert api.form(f"/tasks/{task.pk}/reports", {**base, "percent": 50}).status_code == 201
    back = errors(api.form(f"/tasks/{task.pk}/reports", {**base, "percent": 20, "version": task.version + 1}))
    assert "回退原因" in back["reason"]
    # the version read before the first report is stale now
    assert api.form(f"/tasks/{task.pk}/reports", {**base, "percent": 70}).status_code == 409
    bad_file = {**base, "percent": 70, "version": task.version + 1, "files": [pdf("佐证.png")]}
    assert "files" in errors(api.form(f"/tasks/{task.pk}/reports", bad_file))
    assert ProgressReport.objects.filter(task=task).count() == 1
    assert as_("leader_a").form(f"/tasks/{task.pk}/reports", {**base, "percent": 70}).status_code == 403
    assert as_("handler_b").form(f"/tasks/{task.pk}/reports", {**base, "percent": 70}).status_code == 404


# --- 对账销号 and 重新整改 ------------------------------------------------------------------------


def _complete(city: City, problem: Problem) -> Problem:
    from zhengdun.rectification import actions

    for task in problem.tasks.all():
        actions.report_progress(
            city.handler_a, task, percent=100, narrative="完成", files=[pdf()], version=task.version
        )
    problem.refresh_from_db()
    return problem


def test_closing_off_needs_the_office_a_finished_problem_and_evidence(city: City, as_: Any) -> None:
    problem = make_problem(city, tasks=1)
    office = as_("office_handler")
    form = {"check_note": "对照标准逐项核查，符合要求", "version": problem.version, "files": [pdf()]}
    early = office.form(f"/problems/{problem.pk}/close-off", form)
    assert early.status_code == 409 and "尚未全部完成" in early.json()["detail"]
    problem = _complete(city, problem)
    form["version"] = problem.version
    assert (
        as_("handler_a").form(f"/problems/{problem.pk}/close-off", {**form, "files": [pdf()]}).status_code
        == 403
    )
    assert "files" in errors(office.form(f"/problems/{problem.pk}/close-off", {**form, "files": []}))
    assert "check_note" in errors(
        office.form(f"/problems/{problem.pk}/close-off", {**form, "check_note": "", "files": [pdf()]})
    )
    stale = office.form(f"/problems/{problem.pk}/close-off", {**form, "version": 0, "files": [pdf()]})
    assert stale.status_code == 409
    done = office.form(f"/problems/{problem.pk}/close-off", {**form, "files": [pdf()]})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "closed" and done.json()["close_offs"][0]["evidence"]
    assert CloseOff.objects.filter(problem=problem).count() == 1
    # the close-off's evidence downloads too, for those who see the problem only
    url = done.json()["close_offs"][0]["evidence"][0]["download_url"]
    assert b"".join(office.client.get(url).streaming_content) == PDF
    assert as_("handler_b").client.get(url).status_code == 404
    again = office.form(
        f"/problems/{problem.pk}/close-off", {**form, "version": problem.version + 1, "files": [pdf()]}
    )
    assert again.status_code == 409


def test_the_responsible_person_may_not_close_off_their_own_problem(city: City, as_: Any) -> None:
    from zhengdun.rectification.tests.helpers import office_user_for

    problem = _complete(city, make_problem(city, tasks=1))
    office_user_for(city, "office_judge", city.people["judge_a"])
    form = {"check_note": "核查符合要求", "version": problem.version, "files": [pdf()]}
    response = as_("office_judge").form(f"/problems/{problem.pk}/close-off", form)
    assert response.status_code == 403 and "回避" in response.json()["detail"]
    assert problem.close_offs.count() == 0


def test_reopening_needs_a_closed_problem_and_a_right(city: City, as_: Any) -> None:
    from zhengdun.rectification import actions

    problem = make_problem(city, tasks=1)
    body = {
        "kind": "review",
        "reason": "回头看发现问题反弹",
        "new_deadline": (_today() + dt.timedelta(days=90)).isoformat(),
        "task_title": "再次排查",
        "version": problem.version,
    }
    assert as_("leader_a").post(f"/problems/{problem.pk}/reopen", body).status_code == 409
    problem = _complete(city, problem)
    actions.close_off(city.office_handler, problem, check_note="符合", files=[pdf()], version=problem.version)
    problem.refresh_from_db()
    body["version"] = problem.version
    assert as_("handler_a").post(f"/problems/{problem.pk}/reopen", body).status_code == 403
    assert "reason" in errors(
        as_("leader_a").post(f"/problems/{problem.pk}/reopen", {**body, "reason": "短"})
    )
    assert "kind" in errors(as_("leader_a").post(f"/problems/{problem.pk}/reopen", {**body, "kind": "again"}))
    response = as_("leader_a").post(f"/problems/{problem.pk}/reopen", body)
    assert response.status_code == 200, response.content
    assert response.json()["round"] == 2 and response.json()["status"] == "relapsed"
    assert as_("leader_a").post(f"/problems/{problem.pk}/reopen", body).status_code == 409


def test_a_closed_problem_cannot_be_changed(city: City, as_: Any) -> None:
    from zhengdun.rectification import actions

    problem = _complete(city, make_problem(city, tasks=1))
    actions.close_off(city.office_handler, problem, check_note="符合", files=[pdf()], version=problem.version)
    problem.refresh_from_db()
    api = as_("handler_a")
    task = problem.tasks.get()
    assert (
        api.patch(f"/problems/{problem.pk}", {"version": problem.version, "title": "改"}).status_code == 409
    )
    body = {"title": "排查", "owner_id": city.people["judge_a"].pk, "deadline": problem.deadline.isoformat()}
    assert api.post(f"/problems/{problem.pk}/tasks", body).status_code == 409
    form = {"percent": 90, "narrative": "x", "reason": "重新核查", "version": task.version}
    assert api.form(f"/tasks/{task.pk}/reports", form).status_code == 409


# --- the journey ---------------------------------------------------------------------------------


def test_the_whole_journey_through_the_api(city: City, as_: Any) -> None:
    unit, office, leader = as_("handler_a"), as_("office_handler"), as_("leader_a")
    created = unit.post("/problems", _body(city))
    assert created.status_code == 201, created.content
    problem_id = created.json()["id"]
    with_task = unit.post(
        f"/problems/{problem_id}/tasks",
        {"title": "全面排查", "owner_id": city.people["judge_a"].pk, "deadline": created.json()["deadline"]},
    )
    task = with_task.json()["tasks"][0]
    reported = unit.form(
        f"/tasks/{task['id']}/reports",
        {"percent": 100, "narrative": "排查完毕", "version": task["version"], "files": [pdf()]},
    )
    assert reported.status_code == 201, reported.content
    assert reported.json()["status"] == "awaiting" and reported.json()["rights"]["close_off"] is False
    detail = office.get(f"/problems/{problem_id}").json()
    assert detail["rights"]["close_off"] is True
    closed = office.form(
        f"/problems/{problem_id}/close-off",
        {"check_note": "对照验收标准核查通过", "version": detail["version"], "files": [pdf()]},
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed" and closed.json()["closed_on"] == _today().isoformat()
    listed = office.get("/problems", status="closed").json()
    assert [i["id"] for i in listed["items"]] == [problem_id]
    reopened = leader.post(
        f"/problems/{problem_id}/reopen",
        {
            "kind": "relapse",
            "reason": "群众反映问题反弹",
            "new_deadline": (_today() + dt.timedelta(days=60)).isoformat(),
            "task_title": "整改反弹问题",
            "version": closed.json()["version"],
        },
    )
    assert reopened.status_code == 200, reopened.content
    data = reopened.json()
    assert data["status"] == "relapsed" and data["round"] == 2 and data["closed_on"] is None
    assert [t["round"] for t in data["tasks"]] == [1, 2]
    assert len(data["close_offs"]) == 1 and data["reopenings"][0]["kind_label"] == "反弹回潮"
    assert Reopening.objects.filter(problem_id=problem_id).count() == 1
    assert Task.objects.filter(problem_id=problem_id).count() == 2
    assert Evidence.objects.filter(report__task__problem_id=problem_id).count() == 1
    actions = set(Entry.objects.filter(object_id=str(problem_id)).values_list("action", flat=True))
    assert {
        "rectification.problem_registered",
        "rectification.task_added",
        "rectification.progress_reported",
        "rectification.closed_off",
        "rectification.reopened",
    } <= actions
