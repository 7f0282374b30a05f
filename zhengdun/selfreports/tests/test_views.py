"""The self-report pages per role: 我的自查, the filing form (bad input kept, nothing half-saved,
HTML inert), 代为填报, the list and a report's page (who sees what), reviews, conversion,
attachments, and the navigation."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhengdun.audit.models import Entry
from zhengdun.clues.models import Clue
from zhengdun.selfreports import actions
from zhengdun.selfreports.models import ItemReview, Outcome, ReportStatus, SelfReport
from zhengdun.selfreports.tests.helpers import (
    HX,
    PDF,
    campaign_fixture,  # noqa: F401 - fixture "campaign"
    client_for,
    fast_passwords,  # noqa: F401 - autouse fixture
    file,
    item,
    open_campaign,
)

pytestmark = pytest.mark.django_db

ADMINS = ["sysadmin", "secadmin", "auditor"]


@pytest.fixture
def reports(city, campaign):
    """One report in each corner of the test city: 张明 (甲县法院), 李华 (乙县法院), 王强 (own)."""
    return {
        "judge_a": file(
            city.handler_a,
            campaign,
            [item("GJ2", description="配偶经营茶楼", uploads=[SimpleUploadedFile("工商登记.pdf", PDF)])],
            person=city.people["judge_a"],
        ),
        "judge_b": file(city.handler_b, campaign, [item("GJ3")], person=city.people["judge_b"]),
        "officer_a": file(city.officer_a, campaign, [], declares_nothing=True),
    }


# --- visibility --------------------------------------------------------------------------------


def _listed(html: str) -> set[str]:
    return set(re.findall(r'href="/selfreports/(\d+)/"', html))


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("office_handler", {"judge_a", "judge_b", "officer_a"}),
        ("handler_a", {"judge_a"}),
        ("handler_b", {"judge_b"}),
        ("leader_a", {"judge_a", "officer_a"}),  # 甲县 holds the court and the police station
    ],
)
def test_the_list_shows_each_role_its_reach(city, reports, username, expected):
    response = client_for(city.users[username]).get("/selfreports/")
    assert response.status_code == 200
    assert _listed(response.content.decode()) == {str(reports[k].pk) for k in expected}


@pytest.mark.parametrize("username", ["officer_a", "outsider", *ADMINS])
def test_the_list_is_for_discipline_staff(city, reports, username):
    assert client_for(city.users[username]).get("/selfreports/").status_code == 403


@pytest.mark.parametrize(
    ("username", "visible"),
    [
        ("office_handler", {"judge_a", "judge_b", "officer_a"}),
        ("handler_a", {"judge_a"}),
        ("handler_b", {"judge_b"}),
        ("leader_a", {"judge_a", "officer_a"}),
        ("officer_a", {"officer_a"}),  # their own, through the extra grant of scope()
        ("outsider", set()),
        ("sysadmin", set()),
        ("secadmin", set()),
        ("auditor", set()),
    ],
)
def test_a_report_page_is_404_out_of_reach(city, reports, username, visible):
    client = client_for(city.users[username])
    for key, report in reports.items():
        expected = 200 if key in visible else 404
        assert client.get(f"/selfreports/{report.pk}/").status_code == expected, key


def test_the_list_filters_and_counts(city, reports, campaign):
    client = client_for(city.office_handler)
    html = client.get(
        "/selfreports/", {"campaign": campaign.pk, "category": reports["judge_b"].items.get().category_id}
    ).content.decode()
    assert _listed(html) == {str(reports["judge_b"].pk)} and "共 <strong>1</strong> 份自查报告" in html
    html = client.get("/selfreports/", {"unit": city.county_a.pk}, **HX).content.decode()
    assert _listed(html) == {str(reports["judge_a"].pk), str(reports["officer_a"].pk)}
    assert "<html" not in html  # htmx gets the table alone
    actions.review_item(
        city.handler_a, reports["judge_a"].items.get(), check_note="属实", outcome=Outcome.EXEMPT
    )
    html = client.get("/selfreports/", {"reviewed": "pending"}).content.decode()
    assert _listed(html) == {str(reports["judge_b"].pk)}
    html = client.get("/selfreports/", {"outcome": "exempt"}).content.decode()
    assert _listed(html) == {str(reports["judge_a"].pk)}
    html = client.get("/selfreports/", {"late": "1"}).content.decode()
    assert _listed(html) == set()
    html = client.get("/selfreports/", {"q": "李华"}).content.decode()
    assert _listed(html) == {str(reports["judge_b"].pk)}
    html = client.get("/selfreports/", {"unit": city.court_b.pk}).content.decode()
    assert _listed(html) == {str(reports["judge_b"].pk)}
    # a unit out of reach shows nothing, never everything
    html = client_for(city.handler_a).get("/selfreports/", {"unit": city.court_b.pk}).content.decode()
    assert _listed(html) == set() and "所选单位不在您的查看范围内" in html


def test_the_list_count_is_capped(city, reports, settings):
    settings.LIST_COUNT_CAP = 2
    html = client_for(city.office_handler).get("/selfreports/").content.decode()
    assert "共 <strong>2+</strong> 份自查报告" in html


def test_attachments_download_for_those_who_see_the_report_and_are_audited(city, reports):
    att = reports["judge_a"].items.get().attachments.get()
    url = f"/selfreports/attachments/{att.pk}/"
    response = client_for(city.handler_a).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    entry = Entry.objects.get(action="selfreport.attachment_downloaded")
    assert entry.actor == city.handler_a and entry.data["name"] == "工商登记.pdf"
    for username in ("handler_b", "officer_a", "outsider", "auditor"):
        assert client_for(city.users[username]).get(url).status_code == 404
    assert Entry.objects.filter(action="selfreport.attachment_downloaded").count() == 1


# --- 我的自查 and the filing form -----------------------------------------------------------------


def test_my_page_starts_a_report_in_the_active_campaign(city, campaign):
    client = client_for(city.officer_a)
    html = client.get("/selfreports/mine/").content.decode()
    assert campaign.name in html and 'data-window="open"' in html and "开始填报" in html
    response = client.post("/selfreports/mine/start/")
    draft = SelfReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/selfreports/{draft.pk}/edit/"
    assert "继续填写" in client.get("/selfreports/mine/").content.decode()


@pytest.mark.parametrize("username", ["outsider", *ADMINS])
def test_my_page_is_for_people_who_file(city, campaign, username):
    client = client_for(city.users[username])
    assert client.get("/selfreports/mine/").status_code == 403
    client.post("/selfreports/mine/start/")
    assert not SelfReport.objects.exists()


def test_my_page_says_when_filing_is_late(city):
    now = timezone.now()
    open_campaign(city, opens=now - dt.timedelta(days=20), closes=now - dt.timedelta(days=1))
    html = client_for(city.officer_a).get("/selfreports/mine/").content.decode()
    assert 'data-window="closed"' in html and "逾期提交" in html


def _post(client, report, rows, **extra):
    data = {"revision": report.revision, "op": "save", **extra}
    for n, values in rows.items():
        data[f"i-{n}-row"] = "1"
        for key, value in values.items():
            data[f"i-{n}-{key}"] = value
    return client.post(f"/selfreports/{report.pk}/edit/", data)


def test_the_form_keeps_bad_input_and_names_the_field(city, campaign):
    draft = actions.start_draft(city.officer_a, campaign=campaign)
    client = client_for(city.officer_a)
    gj2 = item("GJ2")["category"]
    response = _post(
        client,
        draft,
        {
            0: {"category": gj2, "gj2_subtype": "", "description": "配偶在辖区经营茶楼", "amount": "-300"},
            5: {
                "category": item()["category"],
                "description": "为朋友打听案情",
                "period_from": "2021-06-01",
                "period_to": "2021-05-01",
            },
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "第1项 经商办企业主体：GJ2类事项须选择" in html and "第1项 涉及金额：不能为负数" in html
    assert "第2项 截止日期：不能早于起始日期" in html
    assert "配偶在辖区经营茶楼</textarea>" in html and 'value="-300"' in html and 'value="2021-05-01"' in html
    assert 'name="i-5-row"' in html  # the rows keep their numbers
    draft.refresh_from_db()
    assert not draft.items.exists() and draft.revision == 1


def test_submitting_needs_the_confirmation_and_saves_and_submits_at_once(city, campaign):
    draft = actions.start_draft(city.officer_a, campaign=campaign)
    client = client_for(city.officer_a)
    rows = {0: {"category": item()["category"], "description": "为朋友打听案情"}}
    unconfirmed = _post(client, draft, rows, op="submit")
    assert "提交前请勾选确认" in unconfirmed.content.decode()
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT and not draft.items.exists()
    done = _post(client, draft, rows, op="submit", confirm="on")
    draft.refresh_from_db()
    assert done.status_code == 302 and done["Location"] == "/selfreports/mine/"
    assert draft.status == ReportStatus.SUBMITTED and draft.items.get().description == "为朋友打听案情"
    shown = timezone.localtime(draft.submitted_at).strftime("%Y-%m-%d %H:%M:%S")
    assert f"自查报告已提交，提交时间 {shown}" in client.get("/selfreports/mine/").content.decode()
    again = _post(client, draft, rows, op="save")  # the form of a submitted report is gone
    assert again.status_code == 302 and again["Location"] == f"/selfreports/{draft.pk}/"


def test_a_refused_submission_leaves_the_draft_as_it_was(city, campaign):
    draft = actions.start_draft(city.officer_a, campaign=campaign)
    actions.save_draft(city.officer_a, draft, items=[item()])
    draft.refresh_from_db()
    client = client_for(city.officer_a)
    response = _post(client, draft, {}, op="submit", confirm="on")  # every row removed, nothing declared
    assert "请至少填写一项自查事项" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT and draft.items.count() == 1


def test_html_typed_into_a_report_is_shown_as_text(city, campaign):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    report = file(
        city.officer_a,
        campaign,
        [item(description=payload, related_persons=[{"name": "<b>陈</b>", "relation": "lawyer"}])],
    )
    for client, url in (
        (client_for(city.officer_a), "/selfreports/mine/"),
        (client_for(city.office_handler), f"/selfreports/{report.pk}/"),
    ):
        html = client.get(url).content.decode()
        assert payload not in html and "<b>陈</b>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html and "&lt;b&gt;陈&lt;/b&gt;" in html


def test_rows_are_added_by_htmx_and_without_javascript(city, campaign):
    draft = actions.start_draft(city.officer_a, campaign=campaign)
    client = client_for(city.officer_a)
    fragment = client.get("/selfreports/rows/", {"n": 3}, **HX).content.decode()
    assert 'name="i-3-row"' in fragment and 'id="add-item"' in fragment and "n=4" in fragment
    assert 'hx-swap-oob="true"' in fragment
    related = client.get("/selfreports/rows/", {"n": 3, "rp": 2}, **HX).content.decode()
    assert 'name="i-3-rp-2-name"' in related and "rp=3" in related
    html = _post(client, draft, {0: {"description": "已填写的内容"}}, op="add").content.decode()
    assert 'name="i-1-row"' in html and "已填写的内容</textarea>" in html
    html = _post(
        client, draft, {0: {"description": "甲"}, 1: {"description": "乙"}}, op="remove:0"
    ).content.decode()
    assert 'name="i-0-row"' not in html and "乙</textarea>" in html
    assert not draft.items.exists()
    assert client_for(city.outsider).get("/selfreports/rows/", {"n": 1}).status_code == 403


def test_the_edit_page_is_only_for_those_who_may_file_it(city, campaign):
    draft = actions.start_draft(city.officer_a, campaign=campaign)
    assert client_for(city.officer_a).get(f"/selfreports/{draft.pk}/edit/").status_code == 200
    assert client_for(city.office_handler).get(f"/selfreports/{draft.pk}/edit/").status_code == 200
    assert (
        client_for(city.leader_a).get(f"/selfreports/{draft.pk}/edit/").status_code == 403
    )  # sees, not files
    for username in ("handler_a", "handler_b", "outsider", "auditor"):
        assert client_for(city.users[username]).get(f"/selfreports/{draft.pk}/edit/").status_code == 404


# --- corrections on the page -----------------------------------------------------------------------


def test_a_correction_shows_what_changed(city, campaign):
    v1 = file(
        city.officer_a,
        campaign,
        [
            item("GJ1", description="打听案情"),
            item("GJ3", description="借款", amount="20000"),
            item("GJ5", description="压案"),
        ],
    )
    client = client_for(city.officer_a)
    response = client.post(f"/selfreports/{v1.pk}/correct/")
    draft = SelfReport.objects.get(status=ReportStatus.DRAFT)
    assert response["Location"] == f"/selfreports/{draft.pk}/edit/"
    keys = list(draft.items.order_by("seq").values_list("key", flat=True))
    actions.save_draft(
        city.officer_a,
        draft,
        items=[
            item("GJ1", description="打听案情", key=keys[0]),
            item("GJ3", description="借款", amount="200000", key=keys[1]),
            item("OTHER", description="收受购物卡"),
        ],
        correction_reason="更正金额并补报",
    )
    v2 = actions.submit(city.officer_a, draft)
    html = client.get(f"/selfreports/{v2.pk}/").content.decode()
    assert (
        'data-change="added"' in html and 'data-change="changed"' in html and 'data-change="removed"' in html
    )
    assert "新增 1 项，修改 1 项，删除 1 项" in html and "更正金额并补报" in html
    old = client.get(f"/selfreports/{v1.pk}/").content.decode()
    assert "已被更正的历史版本" in old and "压案" in old
    mine = client.get("/selfreports/mine/").content.decode()
    assert "第2版" in mine and 'data-action="correct"' in mine


# --- 代为填报 --------------------------------------------------------------------------------------


def test_staff_find_and_start_for_officers_of_their_subtree_only(city, campaign):
    client = client_for(city.handler_a)
    html = client.get("/selfreports/file/", {"q": "张明"}).content.decode()
    assert "张明" in html and 'data-action="start"' in html
    other = client.get("/selfreports/file/", {"q": "李华"}).content.decode()
    assert "没有找到“李华”" in other and 'data-action="start"' not in other
    assert client.post("/selfreports/file/", {"person": city.people["judge_b"].pk}).status_code == 404
    response = client.post("/selfreports/file/", {"person": city.people["judge_a"].pk})
    draft = SelfReport.objects.get()
    assert response["Location"] == f"/selfreports/{draft.pk}/edit/" and draft.person == city.people["judge_a"]
    for username in ("officer_a", "leader_a", "outsider", "auditor"):
        assert client_for(city.users[username]).get("/selfreports/file/").status_code == 403


# --- review and conversion on the page -------------------------------------------------------------


def test_staff_review_inline_and_the_officer_does_not_see_the_review(city, reports):
    row = reports["judge_a"].items.get()
    url = f"/selfreports/items/{row.pk}/review/"
    client = client_for(city.handler_a)
    form = client.get(url, **HX).content.decode()
    assert 'data-form="review"' in form and "<html" not in form
    bad = client.post(url, {"check_note": "经核实属实", "outcome": "", "version": "0"}, **HX)
    assert "请选择处理结果" in bad.content.decode() and "经核实属实" in bad.content.decode()
    done = client.post(url, {"check_note": "经核实属实", "outcome": "criticism", "version": "0"}, **HX)
    card = done.content.decode()
    assert (
        done.status_code == 200
        and done["HX-Retarget"] == f"#item-{row.pk}"
        and done["HX-Reswap"] == "outerHTML"
    )
    assert "已保存第1项的核实情况" in card and 'data-outcome="criticism"' in card and "<html" not in card
    assert ItemReview.objects.get().outcome == "criticism"
    stale = client.post(url, {"check_note": "再改", "outcome": "exempt", "version": "0"}, **HX)
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    plain = client.post(url, {"check_note": "复核属实", "outcome": "exempt", "version": "1"})
    assert plain.status_code == 302 and ItemReview.objects.get().outcome == "exempt"
    page = client.get(f"/selfreports/{reports['judge_a'].pk}/").content.decode()
    assert 'data-outcome="exempt"' in page and "复核属实" in page
    assert client_for(city.handler_b).get(url).status_code == 404
    assert client_for(city.leader_a).get(url).status_code == 403  # sees the report, does not review

    own = reports["officer_a"]
    officer_view = client_for(city.officer_a).get(f"/selfreports/{own.pk}/").content.decode()
    assert "data-declares-nothing" in officer_view and "待核实" not in officer_view


def test_the_office_converts_from_the_page(city, reports):
    row = reports["judge_a"].items.get()
    url = f"/selfreports/items/{row.pk}/convert/"
    office = client_for(city.office_handler)
    confirm = office.get(url, **HX).content.decode()
    assert "自查转化" in confirm and "张明" in confirm and city.office.name in confirm
    assert client_for(city.handler_a).post(url).status_code == 403
    done = office.post(url)
    clue = Clue.objects.get()
    assert done.status_code == 302 and ItemReview.objects.get(item=row).converted_clue == clue
    page = office.get(f"/selfreports/{reports['judge_a'].pk}/").content.decode()
    assert f'href="/clues/{clue.pk}/"' in page and clue.number in page
    again = office.post(url)
    assert again.status_code == 409 and "不能重复转化" in again.content.decode()
    assert Clue.objects.count() == 1


# --- navigation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "shown"),
    [
        ("officer_a", {"我的自查"}),
        ("leader_a", {"我的自查", "自查事项"}),
        ("handler_a", {"我的自查", "自查事项", "代为填报"}),
        ("office_handler", {"我的自查", "自查事项", "代为填报", "教育整顿设置"}),
        ("auditor", set()),
        ("sysadmin", set()),
    ],
)
def test_the_navigation_shows_the_pages_of_each_role(city, username, shown):
    html = client_for(city.users[username]).get("/").content.decode()
    nav = html[html.index('class="sidenav"') :]
    present = {
        label for label in ("我的自查", "自查事项", "代为填报", "教育整顿设置") if f">{label}</a>" in nav
    }
    assert present == shown


def test_messages_number_the_rows_as_shown_again(city, campaign):
    draft = actions.start_draft(city.officer_a, campaign=campaign)
    response = _post(
        client_for(city.officer_a),
        draft,
        {0: {"description": ""}, 3: {"category": item()["category"], "amount": "x"}},
    )
    html = response.content.decode()
    assert 'name="i-0-row"' not in html and 'name="i-3-row"' in html  # the blank row is gone
    assert "第1项 事项内容：请填写事项内容" in html and "第1项 涉及金额：须为数字（单位：元）" in html


def test_the_report_page_prints_and_the_draft_removes_rows_without_inline_script(city, campaign):
    report = file(city.handler_a, campaign, [item()], person=city.people["judge_a"])
    page = client_for(city.office_handler).get(f"/selfreports/{report.pk}/").content.decode()
    assert "data-print" in page and "onclick" not in page
    assert "/static/zhengdun/print.js" in page
    draft = actions.start_draft(city.officer_a, campaign=campaign)
    actions.save_draft(
        city.officer_a, draft, items=[item(related_persons=[{"name": "张三", "relation": "lawyer"}])]
    )
    edit = client_for(city.officer_a).get(f"/selfreports/{draft.pk}/edit/").content.decode()
    assert 'data-dismiss=".item-row"' in edit and 'data-dismiss=".rp-row"' in edit
    assert "hx-on" not in edit and "/static/zhengdun/behaviours.js" in edit
