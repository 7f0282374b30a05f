"""The rectification API's 建章立制, 工期模板, 挂图作战 and code tables: allowed paths, roles
refused (403), another county's records (404), bad input and unknown filters (422, the field
named in Chinese), stale versions (409), and the battle map's figures equal to the page's
functions (rectification.battlemap) over the same problems."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from zhengdun.audit.models import Entry
from zhengdun.core.testing import City
from zhengdun.rectification import actions
from zhengdun.rectification.models import Institution, MilestoneTemplate, Problem
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


def _b_problem(city: City) -> Problem:
    return make_problem(
        city,
        responsible_unit=city.court_b.pk,
        responsible_leader=city.people["judge_b"].pk,
        responsible_person=city.people["judge_b"].pk,
    )


def _institution_form(city: City, **overrides: Any) -> dict[str, Any]:
    form = {
        "title": "干警与律师接触交往报告制度",
        "doc_number": "甲法发〔2026〕1号",
        "issuing_unit_id": city.court_a.pk,
        "issued_on": timezone.localdate().isoformat(),
        "scope": "全院干警",
        "files": [pdf("制度.pdf")],
    }
    form.update(overrides)
    return form


# --- code tables ---------------------------------------------------------------------------------


def test_it_gives_the_code_tables(city: City, as_: Any) -> None:
    data = as_("handler_a").get("/reference").json()
    assert {"code": "overdue", "label": "逾期", "colour": "red"} in data["statuses"]
    assert {"code": "clue", "label": "线索办理"} in data["sources"]
    assert [c["code"] for c in data["categories"]][:6] == ["GJ1", "GJ2", "GJ3", "GJ4", "GJ5", "GJ6"]
    assert {"code": "review", "label": "回头看"} in data["reopen_kinds"]


# --- 建章立制 ---------------------------------------------------------------------------------------


def test_it_registers_an_institution_with_its_document_and_problems(city: City, as_: Any) -> None:
    problem = make_problem(city)
    api = as_("handler_a")
    response = api.form("/institutions", _institution_form(city, problem_ids=[problem.pk]))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["issuing_unit"]["name"] == "甲县人民法院" and data["can_link"] is True
    assert [p["id"] for p in data["problems"]] == [problem.pk]
    url = data["documents"][0]["download_url"]
    download = api.client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert Entry.objects.filter(action="rectification.document_downloaded", actor=city.handler_a).exists()
    # the other county neither sees the institution nor its document
    assert as_("handler_b").get(f"/institutions/{data['id']}").status_code == 404
    assert as_("handler_b").client.get(url).status_code == 404
    # the problem's record names it
    linked = api.get(f"/problems/{problem.pk}").json()["institutions"]
    assert [i["id"] for i in linked] == [data["id"]]


def test_registering_an_institution_checks_input_and_right(city: City, as_: Any) -> None:
    b = _b_problem(city)
    api = as_("handler_a")
    before = row_counts()
    assert "files" in errors(api.form("/institutions", _institution_form(city, files=[])))
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    assert (
        "不能晚于今天"
        in errors(api.form("/institutions", _institution_form(city, issued_on=future)))["issued_on"]
    )
    assert "issuing_unit_id" in errors(
        api.form("/institutions", _institution_form(city, issuing_unit_id=city.court_b.pk))
    )
    assert "problem_ids" in errors(api.form("/institutions", _institution_form(city, problem_ids=[b.pk])))
    assert "title" in errors(api.form("/institutions", _institution_form(city, title="制度\x1b")))
    assert as_("leader_a").form("/institutions", _institution_form(city)).status_code == 403
    assert row_counts() == before


def test_it_lists_and_filters_institutions_refusing_unknown_filters(city: City, as_: Any) -> None:
    problem = make_problem(city)
    actions.register_institution(
        city.handler_a,
        {
            "title": "报告制度",
            "issuing_unit": city.court_a.pk,
            "issued_on": timezone.localdate(),
            "scope": "全院",
        },
        problems=[problem],
        files=[pdf()],
    )
    actions.register_institution(
        city.handler_b,
        {
            "title": "乙县制度",
            "issuing_unit": city.court_b.pk,
            "issued_on": timezone.localdate(),
            "scope": "全院",
        },
        files=[pdf()],
    )
    office = as_("office_handler")
    assert office.get("/institutions").json()["count"] == 2
    assert [i["title"] for i in office.get("/institutions", q="报告").json()["items"]] == ["报告制度"]
    assert [i["title"] for i in office.get("/institutions", category="GJ1").json()["items"]] == ["报告制度"]
    assert [i["title"] for i in as_("handler_a").get("/institutions").json()["items"]] == ["报告制度"]
    assert errors(office.get("/institutions", kind="x")) == {"kind": "不支持的筛选条件：kind"}
    assert "unit" in errors(as_("handler_a").get("/institutions", unit=city.court_b.pk))
    earlier = (timezone.localdate() - dt.timedelta(days=5)).isoformat()
    assert "issued_to" in errors(
        office.get("/institutions", issued_from=timezone.localdate().isoformat(), issued_to=earlier)
    )
    assert as_("officer_a").get("/institutions").status_code == 403


def test_it_sets_the_problems_an_institution_addresses(city: City, as_: Any) -> None:
    a1, a2, b = make_problem(city), make_problem(city), _b_problem(city)
    row = actions.register_institution(
        city.handler_a,
        {
            "title": "报告制度",
            "issuing_unit": city.court_a.pk,
            "issued_on": timezone.localdate(),
            "scope": "全院",
        },
        problems=[a1],
        files=[pdf()],
    )
    api = as_("handler_a")
    response = api.put(f"/institutions/{row.pk}/problems", {"problem_ids": [a2.pk]})
    assert response.status_code == 200, response.content
    assert [p["id"] for p in response.json()["problems"]] == [a2.pk]
    assert "problem_ids" in errors(api.put(f"/institutions/{row.pk}/problems", {"problem_ids": [b.pk]}))
    assert as_("leader_a").put(f"/institutions/{row.pk}/problems", {"problem_ids": []}).status_code == 403
    assert as_("handler_b").put(f"/institutions/{row.pk}/problems", {"problem_ids": []}).status_code == 404
    assert set(Institution.objects.get(pk=row.pk).problems.values_list("pk", flat=True)) == {a2.pk}


# --- 工期模板 ---------------------------------------------------------------------------------------


def test_the_office_lists_and_changes_templates(city: City, as_: Any) -> None:
    office = as_("office_handler")
    listed = office.get("/templates")
    assert listed.status_code == 200, listed.content
    default = next(t for t in listed.json() if t["category"] is None)
    assert default["total_workdays"] == sum(s["workdays"] for s in default["steps"])
    body = {
        "name": "默认模板",
        "steps": [{"name": "制定方案", "workdays": 5}, {"name": "整改", "workdays": 20}],
        "version": default["version"],
    }
    changed = office.put(f"/templates/{default['id']}", body)
    assert changed.status_code == 200, changed.content
    assert changed.json()["steps"][1] == {"name": "整改", "workdays": 20}
    assert office.put(f"/templates/{default['id']}", body).status_code == 409
    assert MilestoneTemplate.objects.get(pk=default["id"]).version == default["version"] + 1


def test_the_office_creates_a_template_for_a_category_without_one(city: City, as_: Any) -> None:
    from zhengdun.clues.models import Category

    local = Category.objects.create(code="DF9", name="地方自定问题", is_national=False, unit=city.city)
    body = {"name": "地方问题模板", "category": "DF9", "steps": [{"name": "制定方案", "workdays": 3}]}
    response = as_("office_handler").post("/templates", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["category"]["code"] == "DF9" and data["total_workdays"] == 3 and data["used"] == 0
    assert MilestoneTemplate.objects.get(category=local).steps.get().name == "制定方案"
    assert Entry.objects.filter(action="rectification.template_saved", actor=city.office_handler).exists()


def test_templates_are_the_offices_and_checked(city: City, as_: Any) -> None:
    office = as_("office_handler")
    assert as_("handler_a").get("/templates").status_code == 403
    step = [{"name": "整改", "workdays": 10}]
    assert as_("handler_a").post("/templates", {"name": "x", "steps": step}).status_code == 403
    taken = MilestoneTemplate.objects.filter(category__isnull=False).select_related("category").first()
    assert taken is not None  # the starting templates include one per national category
    found = errors(
        office.post("/templates", {"name": "重复", "category": taken.category.code, "steps": step})
    )
    assert "已有工期模板" in found["category"]
    assert "workdays" in str(
        errors(office.post("/templates", {"name": "x", "steps": [{"name": "a", "workdays": 0}]}))
    )
    assert "steps" in errors(office.post("/templates", {"name": "x", "steps": []}))
    assert "category" in errors(office.post("/templates", {"name": "x", "category": "XX9", "steps": step}))
    assert office.put("/templates/999999", {"name": "x", "steps": step, "version": 1}).status_code == 404


# --- 挂图作战 ---------------------------------------------------------------------------------------


def test_the_matrix_counts_each_units_problems_by_category_and_mark(city: City, as_: Any) -> None:
    a, b = make_problem(city), _b_problem(city)
    Problem.objects.filter(pk=b.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    data = as_("office_handler").get("/battlemap/matrix").json()
    gj1 = [c["code"] for c in data["columns"]].index("GJ1")
    rows = {r["unit"]["id"]: r for r in data["rows"]}
    assert rows[city.court_a.pk]["cells"][gj1][0]["id"] == a.pk
    assert rows[city.court_b.pk]["counts"][gj1] == {"overdue": 1}
    assert rows[city.court_b.pk]["group"] == "乙县" and rows[city.court_b.pk]["overdue"] == 1
    assert {m["code"]: m["count"] for m in data["legend"]}["overdue"] == 1
    assert data["total"] == 2
    # a county leader's map holds their county only
    mine = as_("leader_a").get("/battlemap/matrix").json()
    assert [r["unit"]["id"] for r in mine["rows"]] == [city.court_a.pk]


def test_the_gantt_gives_one_units_bars(city: City, as_: Any) -> None:
    a = make_problem(city)
    _b_problem(city)
    api = as_("leader_a")
    data = api.get("/battlemap/gantt").json()
    assert data["unit"] == {"id": city.court_a.pk, "name": "甲县人民法院"}
    assert [u["id"] for u in data["units"]] == [city.court_a.pk]
    plan = data["plans"][0]
    assert plan["problem"]["id"] == a.pk and len(plan["bars"]) == 4
    assert plan["bars"][-1]["end"] <= plan["deadline"]
    assert {b["state"] for b in plan["bars"]} <= {"active", "planned", "overdue"}
    assert api.get("/battlemap/gantt", unit=city.court_b.pk).status_code == 404
    assert as_("office_handler").get("/battlemap/gantt", unit=city.court_b.pk).json()["plans"]


def test_the_ranking_ranks_counties_by_closing_rate(city: City, as_: Any) -> None:
    from zhengdun.rectification import battlemap as bm

    make_problem(city)
    _b_problem(city)
    data = as_("office_handler").get("/battlemap/ranking").json()
    assert {s["name"] for s in data["counties"]} == {"甲县", "乙县"}
    assert data["total"]["total"] == 2 and data["total"]["completion_rate"] == "0.0%"
    assert data["note"] == bm.ON_TIME_NOTE
    assert all(s["rank"] == 1 for s in data["counties"])


def test_the_battle_map_refuses_bad_and_unknown_filters(city: City, as_: Any) -> None:
    api = as_("leader_a")
    assert errors(api.get("/battlemap/matrix", overdue="1")) == {"overdue": "不支持的筛选条件：overdue"}
    assert errors(api.get("/battlemap/ranking", county=city.county_b.pk)) == {
        "county": "所选县区不在您的查看范围内"
    }
    assert "category" in errors(api.get("/battlemap/matrix", category="XX9"))
    assert "city_only" in errors(api.get("/battlemap/matrix", city_only="true"))
    assert as_("officer_a").get("/battlemap/matrix").status_code == 403
    assert as_("outsider").get("/battlemap/ranking").status_code == 403
    narrowed = as_("office_handler").get("/battlemap/ranking", county=city.county_a.pk).json()
    assert [s["name"] for s in narrowed["counties"]] == ["甲县"]
