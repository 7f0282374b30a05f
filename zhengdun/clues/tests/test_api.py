"""The clue API (/api/v1/clues): the lifecycle end to end through its endpoints, and the same
scoping, state and permission answers as the pages — 404 out of scope, 403 without the right,
409 in the wrong state or on a stale version, 422 with Chinese messages on bad input."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from zhengdun.accounts.api_auth import issue_token
from zhengdun.accounts.permissions import scope
from zhengdun.audit.models import Entry
from zhengdun.clues import workflow
from zhengdun.clues.filters import filter_ledger
from zhengdun.clues.models import (
    Attachment,
    Clue,
    ClueViewer,
    DeadlineChange,
    Disposition,
    Event,
    Measure,
    Request,
    Status,
    Transfer,
)
from zhengdun.clues.testing import category, channel, register, walk
from zhengdun.core.testing import City, make_person

BASE = "/api/v1/clues"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Api:
    """A client acting as one user through a bearer token."""

    def __init__(self, user: Any) -> None:
        _, raw = issue_token(user, "测试")
        self.client = Client(headers={"Authorization": f"Bearer {raw}"})
        self.user = user

    def get(self, path: str = "", **params: Any) -> Any:
        return self.client.get(BASE + path, params)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        if body is None:
            return self.client.post(BASE + path)
        return self.client.post(BASE + path, json.dumps(body), content_type="application/json")

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.patch(BASE + path, json.dumps(body), content_type="application/json")

    def delete(self, path: str) -> Any:
        return self.client.delete(BASE + path)


@pytest.fixture
def as_(city: City) -> Any:
    made: dict[str, Api] = {}

    def client_for(name: str) -> Api:
        if name not in made:
            made[name] = Api(city.users[name])
        return made[name]

    return client_for


def _errors(response: Any) -> dict[str, str]:
    """422 body as {field: message}."""
    assert response.status_code == 422, response.content
    return {str(e["loc"][-1]): e["msg"] for e in response.json()["detail"]}


def _today() -> dt.date:
    return timezone.localdate()


def _register_body(city: City, **kw: Any) -> dict[str, Any]:
    body = {
        "owner_unit_id": city.city.pk,
        "channel": "letter",
        "received_on": str(_today() - dt.timedelta(days=2)),
        "reporting_mode": "real_name",
        "summary": "反映甲县法院张明违规经商办企业",
        "content": "群众来信反映，张明的配偶经营一家茶楼，张明参与经营。",
        "categories": ["GJ2"],
        "subjects": [{"person_id": city.people["judge_a"].pk}],
        "reporter": {"name": "周举报", "phone": "13800000000", "id_number": "", "address": "城关镇"},
    }
    body.update(kw)
    return body


# --- authentication ----------------------------------------------------------------------------


def test_it_accepts_a_token_or_a_session_and_refuses_anonymous(city: City) -> None:
    clue = register(city)
    assert Api(city.office_handler).get(f"/{clue.pk}").status_code == 200

    session = Client()
    session.force_login(city.office_handler)
    assert session.get(f"{BASE}/{clue.pk}").status_code == 200

    assert Client().get(f"{BASE}/{clue.pk}").status_code == 401
    assert Client(headers={"Authorization": "Bearer zd_wrong"}).get(BASE).status_code == 401


def test_it_refuses_a_session_write_without_the_csrf_token(city: City) -> None:
    clue = register(city)
    session = Client(enforce_csrf_checks=True)
    session.force_login(city.office_handler)
    response = session.post(
        f"{BASE}/{clue.pk}/actions/supervise",
        json.dumps({"level": "key", "reason": "领导批示"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Clue.objects.get(pk=clue.pk).supervision_level == ""


# --- registration and editing ------------------------------------------------------------------


def test_it_registers_a_clue(city: City, as_: Any) -> None:
    response = as_("office_handler").post("", _register_body(city))
    assert response.status_code == 201, response.content
    data = response.json()
    clue = Clue.objects.get(pk=data["id"])
    assert data["number"] == clue.number
    assert data["status"] == "registered" and data["status_label"] == "已登记"
    assert data["channel"] == "letter" and data["channel_label"] == channel().name
    assert data["categories"] == [{"code": "GJ2", "name": category().name}]
    assert [s["name"] for s in data["subjects"]] == ["张明"]
    assert clue.reporter()["name"] == "周举报"
    assert {a["name"] for a in data["actions"]} == {
        a.name for a in workflow.available(city.office_handler, clue)
    }
    assign = next(a for a in data["actions"] if a["name"] == "assign")
    assert assign["endpoint"] == f"{BASE}/{clue.pk}/actions/assign"
    assert Entry.objects.filter(action="clue.registered", object_id=str(clue.pk)).exists()


def test_it_registers_a_free_text_subject(city: City, as_: Any) -> None:
    body = _register_body(city, subjects=[{"name": "刘某", "unit_text": "甲县司法局", "position": "科员"}])
    response = as_("office_handler").post("", body)
    assert response.status_code == 201
    assert response.json()["subjects"][0]["person_id"] is None
    assert response.json()["subjects"][0]["unit_text"] == "甲县司法局"


def test_it_refuses_registration_without_the_right(city: City, as_: Any) -> None:
    response = as_("handler_a").post("", _register_body(city, owner_unit_id=city.court_a.pk))
    assert response.status_code == 403
    assert response.json()["detail"]
    assert not Clue.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"summary": "  "}, "summary", "请填写反映问题摘要"),
        ({"received_on": "2999-01-01"}, "received_on", "受理日期不能晚于今天"),
        ({"subjects": []}, "subjects", "请至少填写一名被反映人"),
        ({"subjects": [{"name": ""}]}, "subjects", "请从名册选择或填写姓名"),
        ({"reporter": {"name": ""}}, "name", "实名举报须填写举报人姓名"),
        ({"channel": "nosuch"}, "channel", "未知的线索来源代码"),
        ({"categories": ["GJ2", "XX9"]}, "categories", "未知的问题类别代码：XX9"),
        ({"received_on": "2021-13-01"}, "received_on", "日期格式应为 2021-06-02"),
        ({"reporting_mode": "secret"}, "reporting_mode", "取值无效"),
        ({"summary": "长" * 201}, "summary", "不能超过200个字"),
        ({"summary": "a\x00b"}, "summary", "包含不允许的控制字符"),
        ({"owner_unit_id": 2**31 - 1}, "owner_unit_id", "受理单位不存在"),
    ],
)
def test_it_refuses_bad_registrations_with_chinese_messages(
    city: City, as_: Any, change: dict[str, Any], field: str, message: str
) -> None:
    errors = _errors(as_("office_handler").post("", _register_body(city, **change)))
    assert message in errors[field]
    assert not Clue.objects.exists()


def test_it_names_a_missing_field(city: City, as_: Any) -> None:
    body = _register_body(city)
    del body["summary"]
    assert _errors(as_("office_handler").post("", body))["summary"] == "summary：必填"


def test_it_refuses_a_duplicate_external_reference_naming_the_first_clue(city: City, as_: Any) -> None:
    first = register(city, channel=channel("12337"), external_ref="GD-2021-0001")
    errors = _errors(
        as_("office_handler").post("", _register_body(city, channel="12337", external_ref="GD-2021-0001"))
    )
    assert first.number in errors["external_ref"]
    assert Clue.objects.count() == 1


def test_it_edits_with_the_current_version_and_refuses_a_stale_one(city: City, as_: Any) -> None:
    clue = register(city)
    office = as_("office_handler")
    response = office.patch(
        f"/{clue.pk}", {"version": clue.version, "summary": "反映张明经商办企业（已核对）"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["summary"] == "反映张明经商办企业（已核对）"
    assert response.json()["version"] == clue.version + 1

    stale = office.patch(f"/{clue.pk}", {"version": clue.version, "summary": "另一人的修改"})
    assert stale.status_code == 409
    assert "已被他人处理或修改" in stale.json()["detail"]
    assert Clue.objects.get(pk=clue.pk).summary == "反映张明经商办企业（已核对）"


def test_it_edits_categories_and_channel_by_code(city: City, as_: Any) -> None:
    clue = register(city)
    response = as_("office_handler").patch(
        f"/{clue.pk}", {"version": clue.version, "channel": "visit", "categories": ["GJ1", "GJ3"]}
    )
    assert response.status_code == 200, response.content
    assert response.json()["channel"] == "visit"
    assert {c["code"] for c in response.json()["categories"]} == {"GJ1", "GJ3"}


def test_it_refuses_editing_after_handling_started(city: City, as_: Any) -> None:
    clue = walk(city, register(city), Status.HANDLING)
    response = as_("office_handler").patch(f"/{clue.pk}", {"version": clue.version, "summary": "改"})
    assert response.status_code == 409
    assert "办理中" in response.json()["detail"]


# --- detail --------------------------------------------------------------------------------------


def test_it_never_puts_the_reporter_in_clue_json(city: City, as_: Any) -> None:
    clue = walk(
        city,
        register(
            city, reporter={"name": "周举报", "phone": "13800000000", "id_number": "370202198503140011"}
        ),
        Status.CLOSED,
    )
    office = as_("office_handler")
    for response in (office.get(f"/{clue.pk}"), office.get(""), office.get("/reference")):
        text = response.content.decode()
        assert response.status_code == 200
        for secret in ("周举报", "13800000000", "370202198503140011", clue.reporter_cipher[:20]):
            assert secret not in text
    assert office.get(f"/{clue.pk}").json()["reporter_reachable"] is True


def test_it_reveals_the_reporter_only_to_the_right_roles_and_audits_it(city: City, as_: Any) -> None:
    clue = walk(city, register(city), Status.ASSIGNED)
    response = as_("office_handler").post(f"/{clue.pk}/reporter")
    assert response.status_code == 200
    assert response.json()["name"] == "周举报" and response.json()["phone"] == "13800000000"
    audited = Entry.objects.filter(action="clue.reporter_viewed", object_id=str(clue.pk))
    assert audited.count() == 1 and audited.get().actor_id == city.office_handler.pk

    # the handling unit sees the clue but not who reported it
    refused = as_("handler_a").post(f"/{clue.pk}/reporter")
    assert refused.status_code == 403
    assert "举报人" in refused.json()["detail"]
    assert as_("handler_b").post(f"/{clue.pk}/reporter").status_code == 404
    assert audited.count() == 1


def test_it_shows_the_whole_record_in_the_detail(city: City, as_: Any) -> None:
    clue = walk(city, register(city), Status.CLOSED)
    data = as_("office_handler").get(f"/{clue.pk}").json()
    assert (
        data["status"] == "closed" and data["status_label"] == "已办结" and data["status_colour"] == "green"
    )
    assert data["disposition"] == "CH" and data["disposition_label"] == "初步核实"
    assert data["handling_unit"] == {"id": city.court_a.pk, "name": "甲县人民法院"}
    assert data["subjects"][0]["result"] == "true" and data["subjects"][0]["result_label"] == "属实"
    assert [r["kind"] for r in data["requests"]] == ["closure", "disposition"] or {
        r["kind"] for r in data["requests"]
    } == {"closure", "disposition"}
    assert all(r["decision"] == "approved" and r["decision_label"] == "同意" for r in data["requests"])
    actions = [e["action"] for e in data["events"]]
    assert actions[0] == "registered" and "approve_closure" in actions
    closing = next(e for e in data["events"] if e["action"] == "approve_closure")
    assert closing["from_status_label"] == "办结待审批" and closing["to_status_label"] == "已办结"
    assert closing["action_label"] == "批准办结"
    assert data["deadline_changes"][0]["reason"] == "交办"
    assert data["feedback_due"] is not None
    assert {a["name"] for a in data["actions"]} == {
        a.name for a in workflow.available(city.office_handler, clue)
    }


def test_it_flags_overdue_clues(city: City, as_: Any) -> None:
    clue = walk(city, register(city), Status.ASSIGNED)
    Clue.objects.filter(pk=clue.pk).update(deadline=_today() - dt.timedelta(days=1))
    data = as_("office_handler").get(f"/{clue.pk}").json()
    assert data["deadline_flag"] == "overdue" and data["deadline_flag_label"] == "逾期"
    listed = as_("office_handler").get("", flag="overdue").json()
    assert [c["id"] for c in listed["items"]] == [clue.pk]


def test_it_returns_the_reference_codes(city: City, as_: Any) -> None:
    data = as_("handler_a").get("/reference").json()
    assert {"code": "letter", "label": channel().name} in data["channels"]
    assert any(c["code"] == "GJ2" for c in data["categories"])
    assert {"code": "handling", "label": "办理中", "colour": "blue"} in data["statuses"]
    assert {"code": "TH", "label": "谈话函询"} in data["dispositions"]
    expulsion = next(k for k in data["measure_kinds"] if k["code"] == "party_expulsion")
    assert expulsion == {"code": "party_expulsion", "label": "开除党籍", "xingtai": 3, "group": "党纪处分"}
    assert {"code": "listed", "label": "挂牌督办"} in data["supervision_levels"]
    assert "领导批示" in data["supervision_reasons"]


# --- visibility -----------------------------------------------------------------------------------


def test_it_answers_404_for_a_clue_of_another_county(city: City, as_: Any) -> None:
    clue = walk(city, register(city), Status.ASSIGNED)
    other = as_("handler_b")
    assert other.get(f"/{clue.pk}").status_code == 404
    assert other.get(f"/{clue.pk}").json() == {"detail": "未找到该记录"}
    assert (
        other.post(
            f"/{clue.pk}/actions/propose-disposition", {"disposition": "TH", "reason": "x"}
        ).status_code
        == 404
    )
    assert other.post(f"/{clue.pk}/actions/return", {"reason": "不归我们"}).status_code == 404
    subject = clue.subjects.get()
    assert other.post(f"/subjects/{subject.pk}/result", {"result": "false"}).status_code == 404
    assert other.post(f"/{clue.pk}/reporter").status_code == 404
    assert clue.pk not in [c["id"] for c in other.get("").json()["items"]]
    # the same answer as an id that does not exist
    assert other.get("/999999").json() == other.get(f"/{clue.pk}").json()
    assert Clue.objects.get(pk=clue.pk).status == Status.ASSIGNED


def test_it_answers_404_to_roles_without_clue_access(city: City, as_: Any) -> None:
    clue = register(city)
    for name in ("officer_a", "outsider", "sysadmin", "secadmin", "auditor"):
        assert as_(name).get(f"/{clue.pk}").status_code == 404, name
        assert as_(name).get("").json()["count"] == 0, name


def test_it_hides_a_clue_from_its_own_subject(city: City, as_: Any) -> None:
    # leader_a is 赵书记: county A's leader sees county A's clues, except one about himself
    about_him = walk(city, register(city, subject=city.people["leader_a"]), Status.ASSIGNED)
    other = walk(city, register(city), Status.ASSIGNED)
    leader = as_("leader_a")
    assert leader.get(f"/{about_him.pk}").status_code == 404
    assert (
        leader.post(f"/{about_him.pk}/actions/supervise", {"level": "key", "reason": "领导批示"}).status_code
        == 404
    )
    assert leader.get(f"/{other.pk}").status_code == 200
    ids = [c["id"] for c in leader.get("").json()["items"]]
    assert other.pk in ids and about_him.pk not in ids
    assert leader.get("", q="赵书记").json()["count"] == 0


def test_it_shows_an_important_clue_only_to_named_viewers(city: City, as_: Any) -> None:
    clue = walk(city, register(city, sensitivity="important"), Status.ASSIGNED)
    assert as_("leader_a").get(f"/{clue.pk}").status_code == 404
    # assignment named its handler
    assert as_("handler_a").get(f"/{clue.pk}").status_code == 200
    assert clue.pk not in [c["id"] for c in as_("leader_a").get("").json()["items"]]

    response = as_("office_handler").post(
        f"/{clue.pk}/actions/name-viewers", {"user_ids": [city.office_handler.pk, city.leader_a.pk]}
    )
    assert response.status_code == 200, response.content
    assert {v["id"] for v in response.json()["viewers"]} == {city.office_handler.pk, city.leader_a.pk}
    assert as_("leader_a").get(f"/{clue.pk}").status_code == 200
    assert as_("handler_a").get(f"/{clue.pk}").status_code == 404


def test_it_downloads_an_attachment_in_scope_and_audits_it(city: City, as_: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    clue = walk(city, register(city), Status.ASSIGNED)
    office = as_("office_handler")
    upload = SimpleUploadedFile("举报材料.pdf", PDF, content_type="application/pdf")
    response = office.client.post(f"{BASE}/{clue.pk}/attachments", {"file": upload})
    assert response.status_code == 201, response.content
    meta = response.json()
    assert meta["content_type"] == "application/pdf" and meta["size"] == len(PDF)

    download = office.client.get(meta["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert Entry.objects.filter(action="clue.attachment_downloaded", object_id=str(clue.pk)).count() == 1

    assert as_("handler_b").client.get(meta["download_url"]).status_code == 404
    assert Entry.objects.filter(action="clue.attachment_downloaded").count() == 1
    detail = office.get(f"/{clue.pk}").json()
    assert detail["attachments"][0]["original_name"] == "举报材料.pdf"


def test_it_refuses_a_disguised_attachment(city: City, as_: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    clue = register(city)
    fake = SimpleUploadedFile("照片.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    response = as_("office_handler").client.post(f"{BASE}/{clue.pk}/attachments", {"file": fake})
    assert "内容与扩展名" in _errors(response)["file"]
    assert not Attachment.objects.exists()


# --- the ledger -----------------------------------------------------------------------------------


@pytest.fixture
def ledger(city: City) -> dict[str, Clue]:
    today = _today()
    clues = {
        "biz": register(city),
        "gamble": register(
            city,
            summary="反映乙县法院李华参与赌博",
            content="李华多次在棋牌室赌博。",
            subjects=[{"person_id": city.people["judge_b"].pk}],
            categories=[category("GJ5")],
            channel=channel("12337"),
        ),
        "free": register(
            city,
            summary="反映某派出所民警吃拿卡要",
            content="办事群众反映，城关派出所有民警索要好处。",
            subjects=[{"name": "王某", "unit_text": "城关派出所"}],
            received_on=today - dt.timedelta(days=40),
        ),
    }
    walk(city, clues["biz"], Status.HANDLING)
    return clues


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["items"]]


@pytest.mark.parametrize(
    ("api_params", "ledger_params"),
    [
        ({"q": "经商"}, {"q": "经商"}),
        ({"q": "李华"}, {"q": "李华"}),
        ({"q": "赌博 李华"}, {"q": "赌博 李华"}),
        ({"subject": "王某"}, {"subject": "王某"}),
        ({"status": "registered"}, {"status": "registered"}),
        ({"status": "open"}, {"status": "open"}),
        ({"status": "handling,registered"}, {"status": "handling,registered"}),
        ({"disposition": "CH"}, {"disposition": "CH"}),
        ({"sort": "received_on"}, {"sort": "received_on"}),
        ({"sort": "-deadline"}, {"sort": "-deadline"}),
    ],
)
def test_it_filters_like_the_ledger(
    city: City, as_: Any, ledger: dict[str, Clue], api_params: dict[str, Any], ledger_params: dict[str, Any]
) -> None:
    expected = [
        c.pk
        for c in filter_ledger(scope(city.office_handler, "clues.view", Clue.objects.all()), ledger_params)
    ]
    assert _ids(as_("office_handler").get("", **api_params)) == expected
    assert expected  # the case must select something to mean anything


def test_it_finds_two_character_terms(city: City, as_: Any, ledger: dict[str, Clue]) -> None:
    office = as_("office_handler")
    assert _ids(office.get("", q="经商")) == [ledger["biz"].pk]
    assert _ids(office.get("", q="张明")) == [ledger["biz"].pk]
    assert _ids(office.get("", q="赌博")) == [ledger["gamble"].pk]
    assert _ids(office.get("", q="茶楼赌博")) == []


def test_it_filters_by_codes_units_and_dates(city: City, as_: Any, ledger: dict[str, Clue]) -> None:
    office = as_("office_handler")
    assert _ids(office.get("", channel="12337")) == [ledger["gamble"].pk]
    assert _ids(office.get("", category="GJ5")) == [ledger["gamble"].pk]
    assert _ids(office.get("", unit=city.court_a.pk)) == [ledger["biz"].pk]
    old = str(_today() - dt.timedelta(days=30))
    assert _ids(office.get("", received_to=old)) == [ledger["free"].pk]
    assert set(_ids(office.get("", received_from=old))) == {ledger["biz"].pk, ledger["gamble"].pk}


def test_it_refuses_unknown_filter_values(city: City, as_: Any, ledger: dict[str, Clue]) -> None:
    office = as_("office_handler")
    assert "未知的线索来源代码" in _errors(office.get("", channel="nosuch"))["channel"]
    assert "未知的问题类别代码" in _errors(office.get("", category="nosuch"))["category"]
    assert "未知的状态代码" in _errors(office.get("", status="handling,lost"))["status"]
    assert "取值无效" in _errors(office.get("", sort="summary"))["sort"]
    assert "不能大于200" in _errors(office.get("", limit=500))["limit"]
    assert "日期格式" in _errors(office.get("", received_from="昨天"))["received_from"]


def test_it_pages_and_caps_the_count(city: City, as_: Any, ledger: dict[str, Clue], settings: Any) -> None:
    office = as_("office_handler")
    first = office.get("", limit=2).json()
    second = office.get("", limit=2, offset=2).json()
    assert first["count"] == 3 and first["count_capped"] is False
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert {c["id"] for c in first["items"] + second["items"]} == {c.pk for c in ledger.values()}

    settings.LIST_COUNT_CAP = 2
    capped = office.get("").json()
    assert capped["count"] == 2 and capped["count_capped"] is True
    assert len(capped["items"]) == 3


def test_it_lists_with_labels(city: City, as_: Any, ledger: dict[str, Clue]) -> None:
    items = {c["id"]: c for c in as_("office_handler").get("").json()["items"]}
    biz = items[ledger["biz"].pk]
    assert biz["status"] == "handling" and biz["status_label"] == "办理中"
    assert biz["subject_names"] == ["张明"]
    assert biz["handling_unit"]["name"] == "甲县人民法院"
    assert items[ledger["free"].pk]["handling_unit"] is None


def test_its_list_query_count_does_not_grow_with_rows(
    city: City, as_: Any, ledger: dict[str, Clue], django_assert_max_num_queries: Any
) -> None:
    office = as_("office_handler")
    office.get("")  # warm the per-process caches
    with django_assert_max_num_queries(12):
        assert len(office.get("").json()["items"]) == 3
    for _ in range(5):
        register(city)
    with django_assert_max_num_queries(12):
        assert len(office.get("").json()["items"]) == 8


# --- the lifecycle, one endpoint per action ---------------------------------------------------------


def _ok(response: Any, status: str | None = None) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    data = response.json()
    if status is not None:
        assert data["status"] == status, data["status"]
    return data


def test_it_walks_the_main_journey(city: City, as_: Any) -> None:
    office, handler, leader = as_("office_handler"), as_("handler_a"), as_("leader_a")
    created = office.post("", _register_body(city))
    assert created.status_code == 201
    pk = created.json()["id"]

    deadline = str(_today() + dt.timedelta(days=20))
    data = _ok(
        office.post(
            f"/{pk}/actions/assign",
            {
                "unit_id": city.court_a.pk,
                "handler_id": city.handler_a.pk,
                "deadline": deadline,
                "note": "请核查",
            },
        ),
        "assigned",
    )
    assert data["deadline"] == deadline and data["handler"]["id"] == city.handler_a.pk

    _ok(
        handler.post(f"/{pk}/actions/propose-disposition", {"disposition": "CH", "reason": "问题具体"}),
        "disposition_pending",
    )
    data = _ok(leader.post(f"/{pk}/actions/approve-disposition", {"comment": "同意初核"}), "handling")
    assert data["disposition_label"] == "初步核实"

    subject_id = data["subjects"][0]["id"]
    refused = handler.post(f"/subjects/{subject_id}/result", {"result": "false", "verified_amount": "10"})
    assert refused.status_code == 422 and "查实金额" in json.dumps(refused.json(), ensure_ascii=False)
    refused = handler.post(
        f"/subjects/{subject_id}/result", {"result": "true", "finding_categories": ["NOPE"]}
    )
    assert refused.status_code == 422 and "NOPE" in json.dumps(refused.json(), ensure_ascii=False)
    data = _ok(
        handler.post(
            f"/subjects/{subject_id}/result",
            {"result": "true", "note": "查实", "verified_amount": "52000.50", "finding_categories": ["GJ1"]},
        )
    )
    assert data["subjects"][0]["result_label"] == "属实"
    assert data["subjects"][0]["verified_amount"] == "52000.50"
    assert data["subjects"][0]["finding_categories"] == ["GJ1"]
    data = _ok(
        handler.post(f"/subjects/{subject_id}/measures", {"kind": "admonition", "decided_on": str(_today())})
    )
    data = _ok(
        handler.post(
            f"/subjects/{subject_id}/measures", {"kind": "party_serious_warning", "decided_on": str(_today())}
        )
    )
    subject = data["subjects"][0]
    assert subject["xingtai"] == 2 and subject["xingtai_label"] == "第二种形态"
    assert {m["kind_label"] for m in subject["measures"]} == {"诫勉", "严重警告"}

    heavier = next(m for m in subject["measures"] if m["kind"] == "party_serious_warning")
    data = _ok(handler.delete(f"/measures/{heavier['id']}"))
    assert data["subjects"][0]["xingtai"] == 1
    assert Measure.objects.count() == 1

    data = _ok(handler.post(f"/{pk}/actions/case", {"proposed_on": str(_today())}))
    assert data["case_proposed_on"] == str(_today())

    _ok(handler.post(f"/{pk}/actions/submit-closure", {"reason": "初核完毕"}), "closure_pending")
    _ok(leader.post(f"/{pk}/actions/reject-closure", {"reason": "请补充材料"}), "handling")
    _ok(handler.post(f"/{pk}/actions/submit-closure", {"reason": "已补充"}), "closure_pending")
    _ok(leader.post(f"/{pk}/actions/approve-closure", {"comment": "同意"}), "closed")
    data = _ok(
        office.post(
            f"/{pk}/actions/feedback",
            {"method": "phone", "fed_back_on": str(_today()), "content": "已电话告知"},
        ),
        "fed_back",
    )
    assert data["feedbacks"][0]["method_label"] == "电话"
    _ok(office.post(f"/{pk}/actions/archive"), "archived")
    data = _ok(leader.post(f"/{pk}/actions/reopen", {"reason": "回头看发现新情况"}), "handling")
    assert data["closed_on"] is None

    codes = list(Event.objects.filter(clue_id=pk).values_list("action", flat=True))
    assert codes[:4] == ["registered", "assign", "propose_disposition", "approve_disposition"]
    assert codes[-1] == "reopen"
    assert Entry.objects.filter(object_id=str(pk), action__startswith="clue.").count() >= len(codes)


def test_it_returns_a_clue_and_answers_204_once_out_of_sight(city: City, as_: Any) -> None:
    clue = walk(city, register(city), Status.ASSIGNED)
    response = as_("handler_a").post(f"/{clue.pk}/actions/return", {"reason": "不属本院管辖"})
    assert response.status_code == 204
    clue.refresh_from_db()
    assert clue.status == Status.REGISTERED and clue.handling_unit is None
    assert as_("handler_a").get(f"/{clue.pk}").status_code == 404


def test_it_rejects_a_disposition_and_reactivates_a_held_clue(city: City, as_: Any) -> None:
    clue = walk(city, register(city), Status.ASSIGNED)
    handler, leader = as_("handler_a"), as_("leader_a")
    _ok(
        handler.post(f"/{clue.pk}/actions/propose-disposition", {"disposition": "ZC", "reason": "暂无法查证"})
    )
    data = _ok(leader.post(f"/{clue.pk}/actions/reject-disposition", {"reason": "应当初核"}), "assigned")
    assert data["requests"][0]["decision"] == "rejected"
    _ok(handler.post(f"/{clue.pk}/actions/propose-disposition", {"disposition": "ZC", "reason": "确无线索"}))
    _ok(leader.post(f"/{clue.pk}/actions/approve-disposition", {}), "on_hold")
    data = _ok(handler.post(f"/{clue.pk}/actions/reactivate", {"reason": "收到新材料"}), "assigned")
    assert data["disposition"] == ""


def test_it_clears_a_falsely_accused_subject(city: City, as_: Any) -> None:
    clue = walk(city, register(city), Status.HANDLING)
    subject = clue.subjects.get()
    handler = as_("handler_a")
    _ok(handler.post(f"/subjects/{subject.pk}/result", {"result": "false"}))
    data = _ok(handler.post(f"/subjects/{subject.pk}/cleared", {"cleared": True, "note": "在本单位通报澄清"}))
    assert data["subjects"][0]["cleared"] is True
    refused = handler.post(
        f"/subjects/{subject.pk}/measures", {"kind": "criticism", "decided_on": str(_today())}
    )
    assert "属实或部分属实" in _errors(refused)["kind"]


def test_it_adds_and_removes_subjects(city: City, as_: Any) -> None:
    clue = register(city)
    office = as_("office_handler")
    data = _ok(office.post(f"/{clue.pk}/subjects", {"name": "孙某", "unit_text": "甲县公安局"}))
    assert [s["name"] for s in data["subjects"]] == ["张明", "孙某"]
    added = data["subjects"][1]["id"]
    data = _ok(office.delete(f"/subjects/{added}"))
    assert [s["name"] for s in data["subjects"]] == ["张明"]
    last = data["subjects"][0]["id"]
    assert "至少须有一名" in _errors(office.delete(f"/subjects/{last}"))["subjects"]


def test_it_extends_a_deadline_on_approval(city: City, as_: Any) -> None:
    clue = walk(city, register(city), Status.HANDLING)
    new = clue.deadline + dt.timedelta(days=15)
    _ok(
        as_("handler_a").post(
            f"/{clue.pk}/actions/request-extension", {"new_deadline": str(new), "reason": "需外调"}
        )
    )
    refused = as_("leader_a").post(f"/{clue.pk}/actions/decide-extension", {"approve": False})
    assert _errors(refused)["comment"] == "不同意延期须填写理由"
    data = _ok(
        as_("leader_a").post(f"/{clue.pk}/actions/decide-extension", {"approve": True, "comment": "同意"})
    )
    assert data["deadline"] == str(new)
    assert [d["new_deadline"] for d in data["deadline_changes"]][-1] == str(new)
    assert DeadlineChange.objects.filter(clue=clue).count() == 2


def test_it_supervises_at_the_highest_level_so_far(city: City, as_: Any) -> None:
    clue = walk(city, register(city), Status.ASSIGNED)
    leader = as_("leader_a")
    _ok(
        leader.post(
            f"/{clue.pk}/actions/supervise", {"level": "key", "reason": "领导批示", "note": "一周内报告"}
        )
    )
    data = _ok(
        as_("office_handler").post(
            f"/{clue.pk}/actions/supervise", {"level": "general", "reason": "进展缓慢"}
        )
    )
    assert data["supervision_level"] == "key" and data["supervision_level_label"] == "重点督办"
    assert len(data["supervisions"]) == 2
    assert (
        "督办事由"
        in _errors(leader.post(f"/{clue.pk}/actions/supervise", {"level": "key", "reason": "随便"}))["reason"]
    )


def test_it_transfers_and_records_the_outcome(city: City, as_: Any) -> None:
    clue = register(city)
    office = as_("office_handler")
    data = _ok(
        office.post(
            f"/{clue.pk}/actions/transfer",
            {"target": "discipline", "receiver": "甲县纪委监委", "reason": "涉嫌职务违法"},
        ),
        "transferred",
    )
    assert data["transfers"][0]["target_label"] == "纪委监委"
    archive_early = office.post(f"/{clue.pk}/actions/archive")
    assert "办理结果" in _errors(archive_early)["__all__"]
    transfer_id = data["transfers"][0]["id"]
    data = _ok(
        office.post(f"/transfers/{transfer_id}/outcome", {"outcome": "已立案审查", "outcome_result": "true"})
    )
    assert data["transfers"][0]["outcome_result_label"] == "属实"
    assert Transfer.objects.get(pk=transfer_id).outcome == "已立案审查"
    assert as_("handler_b").post(f"/transfers/{transfer_id}/outcome", {"outcome": "x"}).status_code == 404
    _ok(office.post(f"/{clue.pk}/actions/archive"), "archived")


def test_it_merges_a_duplicate(city: City, as_: Any) -> None:
    first = register(city)
    second = register(city)
    office = as_("office_handler")
    found = office.get(f"/{second.pk}/duplicates").json()
    assert [d["clue"]["id"] for d in found] == [first.pk]
    data = _ok(office.post(f"/{second.pk}/actions/merge", {"into_id": first.pk}), "merged")
    assert data["merged_into"] == {"id": first.pk, "number": first.number}
    assert (
        "未找到要并入的线索"
        in _errors(office.post(f"/{first.pk}/actions/merge", {"into_id": 2**31 - 1}))["into_id"]
    )


def test_it_records_a_case_only_after_a_preliminary_check(city: City, as_: Any) -> None:
    clue = walk(city, register(city), Status.HANDLING, disposition=Disposition.TALK_INQUIRY)
    response = as_("handler_a").post(f"/{clue.pk}/actions/case", {"proposed_on": str(_today())})
    assert "初步核实" in _errors(response)["proposed_on"]


# --- wrong state, wrong role ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "path", "body"),
    [
        ("leader_a", "approve-closure", {}),
        ("leader_a", "approve-disposition", {}),
        ("handler_a", "submit-closure", {"reason": "完"}),
        ("office_handler", "archive", None),
        ("office_handler", "assign", "unit"),
        ("leader_a", "reopen", {"reason": "回头看"}),
        ("handler_a", "reactivate", {"reason": "新情况"}),
    ],
)
def test_it_answers_409_in_the_wrong_state(city: City, as_: Any, user: str, path: str, body: Any) -> None:
    clue = walk(city, register(city), Status.ASSIGNED)
    if body == "unit":
        body = {"unit_id": city.court_a.pk}
    response = as_(user).post(f"/{clue.pk}/actions/{path}", body)
    assert response.status_code == 409, response.content
    assert "已交办" in response.json()["detail"]
    assert Clue.objects.get(pk=clue.pk).version == clue.version


@pytest.mark.parametrize(
    ("user", "status", "path", "body"),
    [
        ("handler_a", Status.DISPOSITION_PENDING, "approve-disposition", {}),
        ("office_handler", Status.ASSIGNED, "propose-disposition", {"disposition": "TH", "reason": "x"}),
        ("leader_a", Status.ASSIGNED, "return", {"reason": "不归本县"}),
        ("handler_a", Status.CLOSED, "archive", None),
        ("handler_a", Status.ASSIGNED, "supervise", {"level": "key", "reason": "领导批示"}),
        ("leader_a", Status.CLOSED, "feedback", "feedback"),
    ],
)
def test_it_answers_403_without_the_right(
    city: City, as_: Any, user: str, status: str, path: str, body: Any
) -> None:
    clue = walk(city, register(city), status)
    if body == "feedback":
        body = {"method": "phone", "fed_back_on": str(_today()), "content": "告知"}
    before = Clue.objects.get(pk=clue.pk)
    response = as_(user).post(f"/{clue.pk}/actions/{path}", body)
    assert response.status_code == 403, response.content
    assert "权限" in response.json()["detail"]
    after = Clue.objects.get(pk=clue.pk)
    assert (after.status, after.version) == (before.status, before.version)


def test_it_refuses_an_approval_by_the_proposer(city: City, as_: Any) -> None:
    # a leader who also holds the handler role on the unit may not approve their own proposal
    from zhengdun.accounts.models import RoleAssignment
    from zhengdun.accounts.roles import Role

    RoleAssignment.objects.create(user=city.leader_a, role=Role.UNIT_HANDLER, unit=city.court_a)
    clue = walk(city, register(city), Status.ASSIGNED)
    leader = as_("leader_a")
    _ok(leader.post(f"/{clue.pk}/actions/propose-disposition", {"disposition": "TH", "reason": "谈话了解"}))
    response = leader.post(f"/{clue.pk}/actions/approve-disposition", {})
    assert response.status_code == 403
    assert "申请人本人" in response.json()["detail"]
    assert Request.objects.get(clue=clue).decision == ""


def test_it_refuses_assignment_outside_reach(city: City, as_: Any) -> None:
    clue = register(city)
    office = as_("office_handler")
    assert (
        "县区" in _errors(office.post(f"/{clue.pk}/actions/assign", {"unit_id": city.county_a.pk}))["unit_id"]
    )
    wrong_handler = office.post(
        f"/{clue.pk}/actions/assign", {"unit_id": city.court_a.pk, "handler_id": city.handler_b.pk}
    )
    assert "承办人" in _errors(wrong_handler)["handler_id"]
    early = office.post(f"/{clue.pk}/actions/assign", {"unit_id": city.court_a.pk, "deadline": "2000-01-01"})
    assert "办理时限不能早于受理日期" in _errors(early)["deadline"]
    assert Clue.objects.get(pk=clue.pk).status == Status.REGISTERED


def test_it_keeps_html_inert(city: City, as_: Any) -> None:
    body = _register_body(city, summary="<script>alert(1)</script>反映问题")
    data = as_("office_handler").post("", body).json()
    assert data["summary"] == "<script>alert(1)</script>反映问题"
    response = as_("office_handler").get(f"/{data['id']}")
    assert response["Content-Type"].startswith("application/json")


def test_it_does_not_run_a_transition_twice(city: City, as_: Any) -> None:
    clue = walk(city, register(city), Status.DISPOSITION_PENDING)
    leader = as_("leader_a")
    assert leader.post(f"/{clue.pk}/actions/approve-disposition", {}).status_code == 200
    again = leader.post(f"/{clue.pk}/actions/approve-disposition", {})
    assert again.status_code == 409
    assert Event.objects.filter(clue=clue, action="approve_disposition").count() == 1


def test_it_names_viewers_only_among_existing_users(city: City, as_: Any) -> None:
    clue = register(city, sensitivity="important")
    response = as_("office_handler").post(f"/{clue.pk}/actions/name-viewers", {"user_ids": [2**31 - 1]})
    assert "不存在" in _errors(response)["user_ids"]
    assert list(ClueViewer.objects.filter(clue=clue).values_list("user_id", flat=True)) == [
        city.office_handler.pk
    ]


def test_it_refuses_a_roster_subject_out_of_reach(city: City, as_: Any) -> None:
    # handler_a may register nothing; an inspector on county A may, but only about county A's people
    from zhengdun.accounts.models import RoleAssignment
    from zhengdun.accounts.roles import Role

    RoleAssignment.objects.create(user=city.handler_a, role=Role.INSPECTOR, unit=city.county_a)
    outsider = make_person(city.court_b, "钱某")
    body = _register_body(city, owner_unit_id=city.county_a.pk, subjects=[{"person_id": outsider.pk}])
    assert "不在您可管理的干警范围内" in _errors(as_("handler_a").post("", body))["subjects"]
