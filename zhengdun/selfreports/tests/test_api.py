"""The self-report API (/api/v1/selfreports) per endpoint: the allowed path, the role refused
(403), out of scope (404 with another county's record), bad input (422, Chinese, keyed by
field), a stale version or revision (409) and an unknown filter (422). It calls the same
actions and scope as the pages, so an officer never reads another officer's report."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhengdun.accounts.api_auth import issue_token
from zhengdun.clues.models import Category, Clue
from zhengdun.selfreports import actions
from zhengdun.selfreports.api import LeniencyOut, subject_leniency
from zhengdun.selfreports.models import Campaign, ItemReview, LeniencyDecision, ReportStatus, SelfReport
from zhengdun.selfreports.tests.helpers import (
    PDF,
    campaign_fixture,  # noqa: F401 - fixture "campaign"
    fast_passwords,  # noqa: F401 - autouse fixture
    file,
    item,
)
from zhengdun.selfreports.tests.test_assessments import substantiated_clue

pytestmark = pytest.mark.django_db
BASE = "/api/v1/selfreports"


class Api:
    """A test client sending one user's bearer token and JSON bodies."""

    def __init__(self, client, user):
        self.client = client
        _, raw = issue_token(user, "测试")
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path, params=None):
        return self.client.get(BASE + path, params or {}, headers=self.headers)

    def send(self, method, path, body=None):
        data = json.dumps(body) if body is not None else ""
        call = getattr(self.client, method)
        return call(BASE + path, data, content_type="application/json", headers=self.headers)

    def post(self, path, body=None):
        return self.send("post", path, body if body is not None else {})

    def put(self, path, body):
        return self.send("put", path, body)

    def delete(self, path, params=""):
        return self.client.delete(BASE + path + params, headers=self.headers)


@pytest.fixture
def api(city, client):
    return lambda user: Api(client, user)


def errors(response) -> dict[str, str]:
    """422 detail as {field: message}."""
    assert response.status_code == 422, response.content
    return {str(e["loc"][-1]): e["msg"] for e in response.json()["detail"]}


def api_item(code="GJ1", description="2019年曾为朋友之子的案件向承办人打听案情", **extra):
    return {"category_id": Category.objects.get(code=code).pk, "description": description, **extra}


@pytest.fixture
def judge_report(city, campaign):
    """张明 (甲县法院) filed by his unit's discipline staff."""
    return file(
        city.handler_a, campaign, [item(), item("GJ3", amount="20000")], person=city.people["judge_a"]
    )


# --- campaigns -------------------------------------------------------------------------------


def test_campaigns_are_read_by_those_who_file_and_configured_by_the_office(city, campaign, api):
    listed = api(city.officer_a).get("/campaigns")
    assert listed.status_code == 200 and listed.json()[0]["id"] == campaign.pk
    assert listed.json()[0]["window_state"] == "open"
    assert api(city.outsider).get("/campaigns").status_code == 403
    assert api(city.officer_a).get("/campaigns", {"active": "1"}).status_code == 422  # unknown filter
    assert api(city.officer_a).get("/campaigns/999999").status_code == 404

    now = timezone.now()
    body = {
        "name": "2022年教育整顿",
        "unit_id": city.city.pk,
        "report_opens_at": now.isoformat(),
        "report_closes_at": (now + dt.timedelta(days=5)).isoformat(),
        "stages": [{"stage": "study", "starts_on": "2022-01-01", "ends_on": "2022-01-31"}],
    }
    assert api(city.handler_a).post("/campaigns", body).status_code == 403
    made = api(city.office_handler).post("/campaigns", body)
    assert made.status_code == 201, made.content
    new = made.json()
    assert not new["is_active"] and [s["stage"] for s in new["stages"]] == ["study"]

    bad = api(city.office_handler).post("/campaigns", {**body, "report_closes_at": body["report_opens_at"]})
    assert "截止时间须晚于开始时间" in errors(bad)["report_closes_at"]
    assert (
        "控制字符"
        in errors(api(city.office_handler).post("/campaigns", {**body, "name": "教育\x00整顿"}))["name"]
    )
    assert Campaign.objects.count() == 2

    changed = api(city.office_handler).put(
        f"/campaigns/{new['id']}", {**body, "name": "改名", "version": new["version"]}
    )
    assert changed.status_code == 200 and changed.json()["name"] == "改名"
    stale = api(city.office_handler).put(f"/campaigns/{new['id']}", {**body, "version": new["version"]})
    assert stale.status_code == 409
    assert api(city.office_handler).post(f"/campaigns/{campaign.pk}/activate").status_code == 409
    assert api(city.handler_a).post(f"/campaigns/{new['id']}/activate").status_code == 403
    activated = api(city.office_handler).post(f"/campaigns/{new['id']}/activate")
    assert activated.status_code == 200 and activated.json()["is_active"]


# --- an officer's own report ---------------------------------------------------------------------


def test_an_officer_files_their_own_report_step_by_step(city, campaign, api):
    me = api(city.officer_a)
    assert me.get("/mine").json()["current"] is None
    started = me.post("/reports", {})
    assert started.status_code == 201
    report = started.json()
    rid = report["id"]
    assert report["status"] == "draft" and not report["on_behalf"]
    assert me.post("/reports", {}).status_code == 409  # a draft is already there

    added = me.post(f"/reports/{rid}/items", {"revision": report["revision"], "item": api_item()})
    assert added.status_code == 201, added.content
    report = added.json()
    key = report["items"][0]["key"]
    # a stale revision: someone saved since
    assert me.post(f"/reports/{rid}/items", {"revision": 0, "item": api_item()}).status_code == 409

    person = {"name": "刘某", "relation": "party", "detail": "案件当事人之父"}
    changed = me.put(
        f"/reports/{rid}/items/{key}",
        {"revision": report["revision"], "item": api_item("GJ3", amount="1000.50", related_persons=[person])},
    )
    assert changed.status_code == 200, changed.content
    report = changed.json()
    assert (
        report["items"][0]["category_code"] == "GJ3"
        and report["items"][0]["related_persons"][0]["name"] == "刘某"
    )
    assert report["items"][0]["key"] == key

    upload = me.client.post(
        f"{BASE}/reports/{rid}/items/{key}/attachments",
        {"revision": report["revision"], "file": SimpleUploadedFile("情况说明.pdf", PDF)},
        headers=me.headers,
    )
    assert upload.status_code == 201, upload.content
    report = upload.json()
    attachment = report["items"][0]["attachments"][0]
    assert attachment["original_name"] == "情况说明.pdf"
    assert me.get(f"/attachments/{attachment['id']}").status_code == 200

    bad = me.put(
        f"/reports/{rid}/items/{key}",
        {"revision": report["revision"], "item": api_item(description="打听\x07案情")},
    )
    assert "控制字符" in errors(bad)["description"]
    assert (
        me.put(f"/reports/{rid}/items/ffff", {"revision": report["revision"], "item": api_item()}).status_code
        == 404
    )

    second = me.post(
        f"/reports/{rid}/items", {"revision": report["revision"], "item": api_item("GJ5", description="压案")}
    )
    report = second.json()
    removed = me.delete(
        f"/reports/{rid}/items/{report['items'][1]['key']}", f"?revision={report['revision']}"
    )
    assert removed.status_code == 200 and len(removed.json()["items"]) == 1
    report = removed.json()
    assert me.delete(f"/reports/{rid}/items/{key}", "?revision=1&force=1").status_code == 422

    submitted = me.post(f"/reports/{rid}/submit", {"revision": report["revision"]})
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert me.post(f"/reports/{rid}/submit", {"revision": report["revision"]}).status_code == 409
    assert me.put(f"/reports/{rid}/draft", {"revision": 0, "items": []}).status_code == 409

    mine = me.get("/mine").json()
    assert mine["current"]["id"] == rid and mine["current"]["items"][0]["review"] is None

    corrected = me.post(f"/reports/{rid}/correct")
    assert corrected.status_code == 201
    draft = corrected.json()
    assert draft["version"] == 2 and draft["previous_id"] == rid and len(draft["items"]) == 1
    assert me.post(f"/reports/{rid}/correct").status_code == 409
    refused = me.post(f"/reports/{draft['id']}/submit", {"revision": draft["revision"]})
    assert "更正理由" in errors(refused)["correction_reason"]
    saved = me.put(
        f"/reports/{draft['id']}/draft",
        {
            "revision": draft["revision"],
            "items": [{**api_item("GJ3", amount="2000"), "key": key}],
            "correction_reason": "更正金额",
        },
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["items"][0]["attachments"]  # the same matter keeps its attachment
    done = me.post(f"/reports/{draft['id']}/submit", {"revision": saved.json()["revision"]})
    assert done.status_code == 200 and done.json()["is_current"]


def test_a_whole_draft_is_refused_by_field_and_nothing_is_written(city, campaign, api):
    me = api(city.officer_a)
    report = me.post("/reports", {}).json()
    body = {
        "revision": report["revision"],
        "items": [api_item(), api_item("GJ2", description="经营农家乐")],  # GJ2 needs its subtype
    }
    found = errors(me.put(f"/reports/{report['id']}/draft", body))
    assert "GJ2类事项须选择" in found["items.1.gj2_subtype"]
    assert errors(me.put(f"/reports/{report['id']}/draft", {"revision": "x", "items": []}))["revision"]
    assert not SelfReport.objects.get(pk=report["id"]).items.exists()


def test_an_officer_cannot_read_another_officers_report(city, judge_report, api):
    me = api(city.officer_a)
    assert me.get(f"/reports/{judge_report.pk}").status_code == 404
    assert me.post(f"/reports/{judge_report.pk}/correct").status_code == 404
    assert me.get("/reports").status_code == 403  # the list is for discipline staff
    attachment_less = me.get("/attachments/999999")
    assert attachment_less.status_code == 404


def test_the_officer_does_not_see_the_review_of_their_own_report(city, campaign, api):
    report = file(city.officer_a, campaign, [item()])
    actions.review_item(city.office_handler, report.items.get(), check_note="经核实属实", outcome="exempt")
    assert api(city.officer_a).get(f"/reports/{report.pk}").json()["items"][0]["review"] is None
    shown = api(city.office_handler).get(f"/reports/{report.pk}").json()["items"][0]["review"]
    assert shown["outcome_label"] == "免予处分"


# --- 代为填报 ------------------------------------------------------------------------------------


def test_unit_staff_file_on_behalf_of_an_officer_of_their_unit_only(city, campaign, api):
    judge = city.people["judge_a"]
    made = api(city.handler_a).post("/reports", {"person_id": judge.pk})
    assert made.status_code == 201 and made.json()["on_behalf"] and made.json()["person_id"] == judge.pk
    assert api(city.handler_b).post("/reports", {"person_id": judge.pk}).status_code == 404
    assert api(city.officer_a).post("/reports", {"person_id": judge.pk}).status_code == 403
    assert "person_id" in errors(api(city.handler_a).post("/reports", {"person_id": 0}))
    assert "campaign_id" in errors(
        api(city.handler_a).post("/reports", {"person_id": judge.pk, "campaign_id": 999999})
    )
    assert SelfReport.objects.count() == 1


# --- the list and a report -------------------------------------------------------------------------


def test_the_list_is_scoped_paged_and_refuses_unknown_filters(city, campaign, judge_report, api):
    file(city.handler_b, campaign, [item()], person=city.people["judge_b"])
    file(city.officer_a, campaign, [item()])
    mine = api(city.handler_a).get("/reports")
    assert mine.status_code == 200
    assert [r["id"] for r in mine.json()["items"]] == [judge_report.pk] and mine.json()["count"] == 1
    everyone = api(city.office_handler).get("/reports", {"limit": 2})
    assert everyone.json()["count"] == 3 and len(everyone.json()["items"]) == 2
    assert (
        api(city.office_handler).get("/reports", {"campaign": campaign.pk, "late": "true"}).json()["count"]
        == 0
    )
    assert api(city.office_handler).get("/reports", {"unit": city.court_a.pk}).json()["count"] == 1
    assert api(city.handler_a).get("/reports", {"unit": city.court_b.pk}).json()["count"] == 0  # out of reach
    assert api(city.office_handler).get("/reports", {"reviewed": "pending"}).json()["count"] == 3
    assert "overdue" in errors(api(city.office_handler).get("/reports", {"overdue": "1"}))
    assert "outcome" in errors(api(city.office_handler).get("/reports", {"outcome": "shot"}))
    assert api(city.handler_b).get(f"/reports/{judge_report.pk}").status_code == 404
    detail = api(city.handler_a).get(f"/reports/{judge_report.pk}")
    assert detail.status_code == 200 and len(detail.json()["items"]) == 2 and detail.json()["is_current"]
    assert api(city.handler_a).get(f"/reports/{judge_report.pk}", {"x": "1"}).status_code == 422


# --- review and conversion ------------------------------------------------------------------------


def test_unit_staff_review_an_item_guarded_by_its_version(city, judge_report, api):
    target = judge_report.items.order_by("seq").first()
    body = {"check_note": "经与本人谈话核实，情况属实", "outcome": "exempt", "version": 0}
    assert api(city.handler_b).put(f"/items/{target.pk}/review", body).status_code == 404
    assert api(city.officer_a).put(f"/items/{target.pk}/review", body).status_code == 404
    assert api(city.leader_a).put(f"/items/{target.pk}/review", body).status_code in (403, 404)
    assert "outcome" in errors(
        api(city.handler_a).put(f"/items/{target.pk}/review", {**body, "outcome": "x"})
    )
    assert "check_note" in errors(
        api(city.handler_a).put(f"/items/{target.pk}/review", {**body, "check_note": "a\x00"})
    )
    done = api(city.handler_a).put(f"/items/{target.pk}/review", body)
    assert done.status_code == 200 and done.json()["review"]["outcome"] == "exempt"
    assert (
        api(city.handler_a).put(f"/items/{target.pk}/review", body).status_code == 409
    )  # version 0 is stale now
    again = api(city.handler_a).put(
        f"/items/{target.pk}/review", {**body, "outcome": "criticism", "version": 1}
    )
    assert again.status_code == 200 and ItemReview.objects.get().outcome == "criticism"


def test_nobody_reviews_their_own_report(city, campaign, api):
    from zhengdun.selfreports.tests.helpers import judge_with_account

    judge = judge_with_account(city)
    report = file(city.handler_a, campaign, [item()], person=city.people["judge_a"])
    body = {"check_note": "属实", "outcome": "exempt", "version": 0}
    assert api(judge).put(f"/items/{report.items.get().pk}/review", body).status_code == 403
    assert api(judge).post(f"/items/{report.items.get().pk}/convert").status_code == 403


def test_the_office_converts_an_item_into_a_clue_once(city, judge_report, api):
    target = judge_report.items.order_by("seq").first()
    assert api(city.handler_b).post(f"/items/{target.pk}/convert").status_code == 404
    assert api(city.officer_a).post(f"/items/{target.pk}/convert").status_code == 404
    made = api(city.office_handler).post(f"/items/{target.pk}/convert")
    assert made.status_code == 201, made.content
    assert Clue.objects.get(pk=made.json()["clue_id"]).number == made.json()["clue_number"]
    assert "已转为问题线索" in errors(api(city.office_handler).post(f"/items/{target.pk}/convert"))["item"]
    assert api(city.office_handler).post("/items/999999/convert").status_code == 404


# --- statistics ------------------------------------------------------------------------------------


def test_statistics_are_the_pages_figures_in_scope(city, campaign, judge_report, api):
    file(city.handler_b, campaign, [item()], person=city.people["judge_b"])
    figures = api(city.office_handler).get("/stats", {"campaign": campaign.pk})
    assert figures.status_code == 200
    data = figures.json()
    assert data["total"]["reports"] == 2 and data["total"]["items"] == 3
    assert {c["category_code"]: c["items"] for c in data["categories"]} == {"GJ1": 2, "GJ3": 1}
    assert api(city.handler_a).get("/stats").json()["total"]["reports"] == 1
    assert api(city.handler_a).get("/stats", {"unit": city.court_b.pk}).status_code == 404
    assert api(city.office_handler).get("/stats", {"campaign": 999999}).status_code == 404
    assert api(city.officer_a).get("/stats").status_code == 403
    assert "by" in errors(api(city.office_handler).get("/stats", {"by": "unit"}))


# --- 从宽从严 -----------------------------------------------------------------------------------------


def test_the_leniency_basis_and_the_leaders_decision(city, campaign, api):
    file(city.officer_a, campaign, [item("GJ2")])
    clue, subject = substantiated_clue(city)
    shown = api(city.leader_a).get(f"/leniency/{subject.pk}")
    assert shown.status_code == 200
    basis = shown.json()
    assert basis["applies"] and basis["basis"] == "before" and basis["evidence"] and basis["can_decide"]
    assert api(city.handler_b).get(f"/leniency/{subject.pk}").status_code == 404
    assert api(city.officer_a).get(f"/leniency/{subject.pk}").status_code == 404  # the subject themself
    assert (
        api(city.handler_a).post(f"/leniency/{subject.pk}/decision", {"basis": "before"}).status_code == 403
    )
    short = api(city.leader_a).post(f"/leniency/{subject.pk}/decision", {"basis": "none", "reason": "否"})
    assert "须写明理由" in errors(short)["reason"]
    assert "basis" in errors(api(city.leader_a).post(f"/leniency/{subject.pk}/decision", {"basis": "maybe"}))
    done = api(city.leader_a).post(f"/leniency/{subject.pk}/decision", {"basis": "before", "version": 0})
    assert done.status_code == 200 and done.json()["decision"]["version"] == 1
    assert (
        api(city.leader_a)
        .post(f"/leniency/{subject.pk}/decision", {"basis": "before", "version": 0})
        .status_code
        == 409
    )
    override = {"basis": "truthful", "reason": "报告时已知悉将被核查", "version": 1}
    changed = api(city.leader_a).post(f"/leniency/{subject.pk}/decision", override)
    assert changed.status_code == 200 and changed.json()["decision"]["overridden"]
    assert LeniencyDecision.objects.get().basis == "truthful"
    assert api(city.leader_a).get(f"/leniency/{subject.pk}", {"x": "1"}).status_code == 422

    answers = subject_leniency(city.leader_a, clue, list(clue.subjects.all()))
    assert LeniencyOut(**answers[subject.pk]).decision.basis == "truthful"


def test_a_subject_the_rule_does_not_apply_to_says_so(city, campaign, api):
    from zhengdun.clues.tests.domain_helpers import register

    clue = register(city, subject=city.people["officer_a"])
    subject = clue.subjects.get()
    shown = api(city.office_handler).get(f"/leniency/{subject.pk}")
    assert shown.status_code == 200 and shown.json()["applies"] is False and shown.json()["basis"] is None
    assert api(city.office_handler).get("/leniency/999999").status_code == 404


def test_a_submitted_report_cannot_be_discarded(city, judge_report, api):
    assert api(city.handler_a).delete(f"/reports/{judge_report.pk}").status_code == 409
    draft = actions.start_correction(city.handler_a, judge_report)
    assert api(city.handler_b).delete(f"/reports/{draft.pk}").status_code == 404
    assert api(city.handler_a).delete(f"/reports/{draft.pk}").status_code == 204
    assert not SelfReport.objects.filter(status=ReportStatus.DRAFT).exists()
