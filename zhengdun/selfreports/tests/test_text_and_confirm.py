"""One answer for control characters (core.text): every text a self-report action stores refuses
NUL and the other control characters with a Chinese message keyed by the field, and nothing is
written. And 更正 asks first: GET shows what will happen, only the POST starts a new version."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from zhengdun.audit.models import Entry
from zhengdun.selfreports import actions
from zhengdun.selfreports.actions import leniency as assessments
from zhengdun.selfreports.leniency import Basis
from zhengdun.selfreports.models import Campaign, ItemReview, LeniencyDecision, ReportStatus, SelfReport
from zhengdun.selfreports.tests.helpers import (
    campaign_fixture,  # noqa: F401 - fixture "campaign"
    client_for,
    fast_passwords,  # noqa: F401 - autouse fixture
    file,
    item,
)
from zhengdun.selfreports.tests.test_assessments import substantiated_clue

pytestmark = pytest.mark.django_db

CONTROLS = ["\x00", "\x07", "\x1b"]


def _refused(exc: pytest.ExceptionInfo[ValidationError], key: str) -> str:
    message = exc.value.message_dict[key][0]
    assert "控制字符" in message
    return message


@pytest.mark.parametrize("ch", CONTROLS)
def test_a_campaign_name_with_a_control_character_is_refused(city, ch):
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        actions.create_campaign(
            city.office_handler,
            name=f"教育{ch}整顿",
            unit=city.city,
            report_opens_at=now,
            report_closes_at=now + dt.timedelta(days=1),
        )
    assert _refused(exc, "name").startswith("名称")
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("ch", CONTROLS)
def test_a_changed_campaign_name_with_a_control_character_is_refused(city, campaign, ch):
    with pytest.raises(ValidationError) as exc:
        actions.update_campaign(
            city.office_handler,
            campaign,
            name=f"新{ch}名称",
            unit=city.city,
            report_opens_at=campaign.report_opens_at,
            report_closes_at=campaign.report_closes_at,
        )
    _refused(exc, "name")
    campaign.refresh_from_db()
    assert "新" not in campaign.name and campaign.version == 2  # created, activated; not changed


@pytest.mark.parametrize("ch", CONTROLS)
@pytest.mark.parametrize(
    ("values", "key", "label"),
    [
        ({"description": "打听{ch}案情"}, "items.0.description", "事项内容"),
        ({"related_persons": [{"name": "刘{ch}某", "relation": "party"}]}, "items.0.related_persons", "姓名"),
        (
            {"related_persons": [{"name": "刘某", "relation": "party", "detail": "朋友{ch}"}]},
            "items.0.related_persons",
            "说明",
        ),
    ],
)
def test_item_text_with_a_control_character_is_refused(city, campaign, ch, values, key, label):
    report = actions.start_draft(city.officer_a, campaign=campaign)
    revision = report.revision
    raw = item()
    for name, value in values.items():
        if isinstance(value, str):
            raw[name] = value.format(ch=ch)
        else:
            raw[name] = [{k: v.format(ch=ch) for k, v in p.items()} for p in value]
    with pytest.raises(ValidationError) as exc:
        actions.save_draft(city.officer_a, report, items=[raw])
    message = _refused(exc, key)
    assert message.startswith("第1项") and label in message
    report.refresh_from_db()
    assert report.revision == revision and not report.items.exists()


@pytest.mark.parametrize("ch", CONTROLS)
def test_a_correction_reason_with_a_control_character_is_refused(city, campaign, ch):
    v1 = file(city.officer_a, campaign, [item()])
    draft = actions.start_correction(city.officer_a, v1)
    revision = draft.revision
    with pytest.raises(ValidationError) as exc:
        actions.save_draft(city.officer_a, draft, items=[item()], correction_reason=f"补报{ch}")
    assert _refused(exc, "correction_reason").startswith("更正理由")
    draft.refresh_from_db()
    assert draft.correction_reason == "" and draft.revision == revision


@pytest.mark.parametrize("ch", CONTROLS)
def test_a_check_note_with_a_control_character_is_refused(city, campaign, ch):
    report = file(city.handler_a, campaign, [item()], person=city.people["judge_a"])
    target = report.items.get()
    with pytest.raises(ValidationError) as exc:
        actions.review_item(city.handler_a, target, check_note=f"经核实{ch}属实", outcome="exempt")
    assert _refused(exc, "check_note").startswith("核实情况")
    assert not ItemReview.objects.exists()


@pytest.mark.parametrize("ch", CONTROLS)
def test_a_leniency_reason_with_a_control_character_is_refused(city, campaign, ch):
    file(city.officer_a, campaign, [item("GJ2")])
    _, subject = substantiated_clue(city)
    with pytest.raises(ValidationError) as exc:
        assessments.decide_basis(city.leader_a, subject, basis=Basis.NONE.value, reason=f"报告时{ch}已知悉")
    assert _refused(exc, "reason").startswith("理由")
    assert not LeniencyDecision.objects.exists()


def test_the_filing_form_refuses_a_nul_beside_its_row_and_keeps_the_draft(city, campaign):
    report = actions.start_draft(city.officer_a, campaign=campaign)
    revision = report.revision
    client = client_for(city.officer_a)
    response = client.post(
        f"/selfreports/{report.pk}/edit/",
        {
            "i-0-row": "1",
            "i-0-category": str(item()["category"]),
            "i-0-description": "打听\x00案情",
            "revision": str(revision),
            "op": "save",
        },
    )
    assert response.status_code == 200
    assert "事项内容包含不允许的控制字符" in response.content.decode()
    report.refresh_from_db()
    assert report.revision == revision and not report.items.exists()


def test_a_search_term_drops_control_characters(city, campaign):
    response = client_for(city.handler_a).get("/selfreports/file/", {"q": "张\x00明"})
    assert response.status_code == 200
    assert response.context["q"] == "张明"


# --- 更正 asks first -----------------------------------------------------------------------------


def test_correct_asks_before_a_new_version_is_made(city, campaign):
    v1 = file(city.officer_a, campaign, [item()])
    client = client_for(city.officer_a)
    page = client.get(f"/selfreports/{v1.pk}/correct/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "将新建第2版更正草稿，原版本保留" in text
    assert 'method="post"' in text and "onclick" not in text
    assert SelfReport.objects.count() == 1
    assert not Entry.objects.filter(action="selfreport.correction_started").exists()
    response = client.post(f"/selfreports/{v1.pk}/correct/")
    draft = SelfReport.objects.get(status=ReportStatus.DRAFT)
    assert draft.version == 2 and response["Location"] == f"/selfreports/{draft.pk}/edit/"
    # asked again with the draft there: no second draft, a link to continue it
    again = client.get(f"/selfreports/{v1.pk}/correct/")
    assert "继续填写草稿（第2版）" in again.content.decode()
    assert SelfReport.objects.count() == 2


def test_the_correct_buttons_ask_by_get(city, campaign):
    v1 = file(city.officer_a, campaign, [item()])
    client = client_for(city.officer_a)
    for url in ("/selfreports/mine/", f"/selfreports/{v1.pk}/"):
        text = client.get(url).content.decode()
        assert f'<form method="get" action="/selfreports/{v1.pk}/correct/"' in text


@pytest.mark.parametrize("username", ["handler_b", "outsider"])
def test_nobody_else_is_asked_to_correct(city, campaign, username):
    v1 = file(city.officer_a, campaign, [item()])
    response = client_for(getattr(city, username)).get(f"/selfreports/{v1.pk}/correct/")
    assert response.status_code in (403, 404)
    assert SelfReport.objects.count() == 1
