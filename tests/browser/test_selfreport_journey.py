"""The self-report journey in a real browser (自查从宽、被查从严), four people taking turns:
the office sets up and starts a campaign, officer 王强 files and submits his self-report, the
office reviews the item he reported, and — once a clue about the same matter has been
substantiated — the county leader records the 从宽从严 basis on the clue page.

At each step the page shows what the person may do now; a submitted report is read-only (its
edit address sends one back to the report), and an override of the recommendation needs a
reason."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from zhengdun.audit.models import Entry
from zhengdun.clues import actions as clue_actions
from zhengdun.clues.models import Category, Clue, ClueSubject, Result, Status
from zhengdun.clues.tests.domain_helpers import advance, register
from zhengdun.core.testing import PASSWORD, build_city
from zhengdun.selfreports import actions
from zhengdun.selfreports.models import Campaign, ItemReview, LeniencyDecision, SelfReport

CAMPAIGN = "2021年全市政法队伍教育整顿"
DESCRIPTION = "本人配偶自2019年起在城关镇经营一家茶楼，本人曾参与进货和经营管理并从中获利。"
CHECK_NOTE = "经向工商部门调取登记信息并与本人谈话核实，所报情况属实，涉及金额与报告一致。"
SUBMITTED_AT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
WITHOUT_REASON = "与系统建议不同的认定，须写明理由（至少4个字）"


def _reference_data() -> None:
    # transactional_db flushes every table after a test, the data migration's channels and
    # categories with them; load them again (idempotent) so the test does not depend on order.
    importlib.import_module("zhengdun.clues.migrations.0003_reference_data").load(apps, None)


def _switch_user(page: Any, username: str) -> None:
    """Sign out through the top bar and sign in as someone else in the same browser."""
    if page.locator(".topbar").count():
        page.locator(".topbar").get_by_role("button", name="退出").click()
        expect(page.locator("input[name=username]")).to_be_visible()
    sign_in(page, username, PASSWORD)
    expect(page.locator(".topbar")).to_be_visible()


def _nav(page: Any, label: str) -> None:
    page.locator(".sidenav").get_by_role("link", name=label, exact=True).click()
    expect(page.locator("h1")).to_contain_text(label)


def _moment(moment: dt.datetime) -> str:
    # the only spelling <input type="datetime-local"> takes
    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


def _shot(page: Any, tmp_path: Path, name: str, element: Any = None) -> Path:
    """A PNG in the test's tmp_path for a person to look at (never committed)."""
    path = tmp_path / f"{name}.png"
    if element is None:
        page.screenshot(path=str(path), full_page=True)
    else:
        element.screenshot(path=str(path))
    return path


def _substantiated_clue(city: Any) -> tuple[Clue, ClueSubject]:
    """A clue about 王强 (GJ2 at receipt), 初核 approved by leader_a — from then on the
    organisation knows — and found 属实 by the court's handler, 400,000 yuan established."""
    clue = register(
        city,
        subject=city.people["officer_a"],
        categories=[Category.objects.get(code="GJ2")],
        summary="反映王强参与配偶茶楼经营",
        content="群众来信反映，王强的配偶在城关镇经营一家茶楼，王强长期参与经营并从中获利。",
    )
    clue = advance(city, clue, Status.HANDLING)
    subject = clue.subjects.get()
    clue_actions.record_result(city.handler_a, subject, result=Result.TRUE, verified_amount=Decimal("400000"))
    return clue, subject


def test_it_files_reviews_and_weighs_a_self_report(page, tmp_path):
    _reference_data()
    city = build_city()
    gj2 = Category.objects.get(code="GJ2")
    now = timezone.now()

    # --- 1. the office creates the campaign and starts it -----------------------------------
    _switch_user(page, "office")
    _nav(page, "教育整顿设置")
    expect(page.locator("table.list")).to_contain_text("还没有教育整顿")
    form = page.locator("form", has=page.locator("input[name=report_opens_at]"))
    form.locator("input[name=name]").fill(CAMPAIGN)
    form.locator("select[name=unit]").select_option(value=str(city.city.pk))
    form.locator("input[name=report_opens_at]").fill(_moment(now - dt.timedelta(days=1)))
    form.locator("input[name=report_closes_at]").fill(
        f"{timezone.localdate() + dt.timedelta(days=20):%Y-%m-%d}T23:59"
    )
    form.get_by_role("button", name="新建").click()
    expect(page).to_have_url(re.compile(r"/selfreports/campaigns/\d+/$"))
    expect(page.locator(".messages")).to_contain_text(f"已新建“{CAMPAIGN}”")
    expect(page.locator(".pagehead h1")).to_contain_text("未启用")
    campaign = Campaign.objects.get()
    assert not campaign.is_active
    closes = timezone.localtime(campaign.report_closes_at)
    assert f"{closes:%H:%M}" == "23:59"  # as picked

    page.locator("button[data-action=activate]").click()
    expect(page.locator(".messages")).to_contain_text(f"已启用“{CAMPAIGN}”")
    expect(page.locator(".pagehead h1")).to_contain_text("当前进行")
    expect(page.locator("button[data-action=deactivate]")).to_be_visible()
    assert Campaign.active() == campaign
    logged = Entry.objects.filter(action__startswith="campaign.").order_by("pk")
    assert list(logged.values_list("action", flat=True)) == ["campaign.created", "campaign.activated"]
    # another officer's report, filed for him by the office, so the list has more than one
    other = actions.start_draft(city.office_handler, campaign=campaign, person=city.people["judge_a"])
    actions.save_draft(city.office_handler, other, items=[], declares_nothing=True)
    actions.submit(city.office_handler, other)

    # --- 2. officer 王强 files his self-report and submits it ---------------------------------
    _switch_user(page, "officer_a")
    # an officer files their own report; the reports of others are neither in the menu nor
    # behind their address
    expect(page.locator(".sidenav")).not_to_contain_text("自查事项")
    response = page.goto(page.base_url + reverse("selfreports:list"))
    assert response is not None and response.status == 403
    expect(page.locator(".work")).to_contain_text("没有权限")
    _nav(page, "我的自查")
    expect(page.locator("#campaign")).to_contain_text(CAMPAIGN)
    expect(page.locator("#campaign [data-window]")).to_have_text("进行中")
    page.locator("button[data-action=start]").click()
    expect(page.locator("h1")).to_have_text("填写自查事项报告")
    expect(page.locator(".messages")).to_contain_text("已开始填写自查报告")
    expect(page.locator(".sr-band")).to_contain_text("王强")
    expect(page.locator(".sr-band")).to_contain_text("草稿")

    # a row added by mistake is removed in place (data-dismiss, behaviours.js: no inline script)
    page.locator("#add-item").click()
    expect(page.locator("fieldset.item-row")).to_have_count(2)
    page.evaluate("() => { window.samePage = true; }")  # a submitted form would load a new page
    page.locator("fieldset.item-row").nth(1).get_by_role("button", name="删除此项").click()
    expect(page.locator("fieldset.item-row")).to_have_count(1)
    assert page.evaluate("() => window.samePage === true")

    row = page.locator("#item-0")
    subtype = row.locator("label.gj2")
    expect(subtype).to_be_hidden()  # 经商办企业主体 only concerns GJ2
    row.locator("select[name='i-0-category']").select_option(value=str(gj2.pk))
    expect(subtype).to_be_visible()
    row.locator("select[name='i-0-gj2_subtype']").select_option(label="配偶、子女及其配偶")
    row.locator("textarea[name='i-0-description']").fill(DESCRIPTION)
    row.locator("input[name='i-0-period_from']").fill("2019-05-01")
    row.locator("input[name='i-0-amount']").fill("300000")

    # submitting without the confirmation is refused, with everything typed kept
    page.get_by_role("button", name="提交自查报告").click()
    expect(page.locator(".confirm-line .errorlist")).to_have_text("提交前请勾选确认：提交后不能再修改")
    expect(page.locator("textarea[name='i-0-description']")).to_have_value(DESCRIPTION)
    expect(page.locator("input[name='i-0-amount']")).to_have_value("300000")
    expect(page.locator("select[name='i-0-gj2_subtype']")).to_have_value("spouse_children")
    assert not SelfReport.objects.filter(person=city.people["officer_a"]).submitted().exists()

    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="提交自查报告").click()
    expect(page).to_have_url(page.base_url + reverse("selfreports:mine"))
    report = SelfReport.objects.get(person=city.people["officer_a"])
    assert report.is_submitted and not report.late and report.version == 1
    submitted_at = f"{timezone.localtime(report.submitted_at):%Y-%m-%d %H:%M:%S}"
    expect(page.locator(".messages")).to_contain_text(f"自查报告已提交，提交时间 {submitted_at}")
    current = page.locator("#current")
    expect(current.locator("h2")).to_contain_text("第1版")
    submitted_cell = current.locator("dt", has_text="提交时间").locator("xpath=following-sibling::dd[1]")
    expect(submitted_cell).to_have_text(SUBMITTED_AT)
    expect(submitted_cell).to_have_text(submitted_at)
    card = current.locator("article.sr-item")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("第1项")
    expect(card).to_contain_text("GJ2")
    expect(card).to_contain_text("配偶、子女及其配偶")
    expect(card).to_contain_text("300000.00 元")
    expect(card.locator(".item-description")).to_have_text(DESCRIPTION)
    # read-only: no field to type in, nothing to review; a change is a correction (更正)
    expect(current.locator("input:not([type=hidden]), textarea, select")).to_have_count(0)
    expect(current.locator("[data-action=review]")).to_have_count(0)
    expect(current.locator("button[data-action=correct]")).to_be_visible()
    expect(page.locator("#versions tbody tr")).to_have_count(1)
    expect(page.locator("#versions tbody")).to_contain_text("已提交")
    officer_shot = _shot(page, tmp_path, "selfreport-01-officer-submitted")

    # the edit address of a submitted report leads back to the report, not to a form
    page.goto(page.base_url + reverse("selfreports:edit", args=[report.pk]))
    expect(page).to_have_url(page.base_url + reverse("selfreports:detail", args=[report.pk]))
    expect(page.locator(".messages")).to_contain_text("该自查报告已提交，不能再修改")
    expect(page.locator("form.draft-form")).to_have_count(0)
    item = report.items.get()
    assert (item.category_id, item.gj2_subtype, item.amount) == (gj2.pk, "spouse_children", Decimal("300000"))
    assert item.period_from == dt.date(2019, 5, 1)

    # --- 3. the office finds the report and records the review -------------------------------
    _switch_user(page, "office")
    _nav(page, "自查事项")
    rows = page.locator("#report-table tbody tr")
    expect(rows).to_have_count(2)
    page.locator("#id_q").fill("王强")
    page.locator("#id_q").press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q="))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("城关派出所")
    expect(rows.first).to_contain_text("1 项")
    expect(rows.first).to_contain_text("GJ2")
    expect(rows.first).to_contain_text("0/1")  # nothing reviewed yet
    rows.first.get_by_role("link", name="王强").click()
    expect(page).to_have_url(page.base_url + reverse("selfreports:detail", args=[report.pk]))
    # 打印本页 prints through print.js (data-print), not an inline onclick
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="打印本页").click()
    assert page.evaluate("window.printed") == 1
    card = page.locator(f"#item-{item.pk}")
    expect(card.locator(".sr-item-head")).to_contain_text("待核实")

    card.locator("a[data-action=review]").click()
    review = card.locator("form[data-form=review]")
    expect(review).to_be_visible()
    # nothing filled in: the browser holds the form back (the fields are required)
    review.get_by_role("button", name="保存核实情况").click()
    note = review.locator("textarea[name=check_note]")
    assert note.evaluate("el => el.validity.valueMissing")
    expect(review).to_be_visible()
    assert not ItemReview.objects.exists()

    review.locator("textarea[name=check_note]").fill(CHECK_NOTE)
    review.locator("select[name=outcome]").select_option(label="从轻处理")
    review.get_by_role("button", name="保存核实情况").click()
    expect(card.locator("[role=status]")).to_have_text("已保存第1项的核实情况")
    expect(card.locator("[data-outcome=lighter]")).to_have_text("从轻处理")
    expect(card.locator(".review-box")).to_contain_text(CHECK_NOTE)
    expect(card.locator(".review-box")).to_contain_text("office")
    expect(card.locator("form[data-form=review]")).to_have_count(0)
    stored = ItemReview.objects.get(item=item)
    assert (stored.outcome, stored.check_note, stored.reviewed_by) == (
        "lighter",
        CHECK_NOTE,
        city.office_handler,
    )
    assert Entry.objects.filter(action="selfreport.item_reviewed").count() == 1

    page.goto(page.base_url + reverse("selfreports:list") + "?q=王强")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".badge.green")).to_have_text("已核实")
    expect(rows.first).to_contain_text("从轻处理")

    # --- 4. a clue about the same matter is substantiated; the leader weighs the basis ---------
    # (set up through the clue actions: that walk is the clue journey's business)
    clue, subject = _substantiated_clue(city)
    assert clue.org_aware_at is not None and report.submitted_at < clue.org_aware_at

    _switch_user(page, "leader_a")
    page.goto(page.base_url + reverse("clues:detail", args=[clue.pk]))
    panel = page.locator(f"#leniency-{subject.pk}")
    expect(panel).to_be_visible()
    expect(panel.locator(".leniency-head .badge").first).to_have_text("主动交代(事前)")
    expect(panel.locator(".leniency-head")).to_contain_text("待认定")
    expect(panel.locator(".leniency-evidence")).to_contain_text("早于")
    basis = panel.locator("select[name=basis]")
    expect(basis).to_have_value("before")
    expect(basis.locator("option[value=before]")).to_have_text("主动交代(事前)（系统建议）")

    # an override without a reason is refused and the choice stays as chosen (that the page
    # shows the refusal is the next test's)
    basis.select_option(value="none")
    with page.expect_response(re.compile(r"/selfreports/leniency/\d+/$")) as answer:
        panel.get_by_role("button", name="确认认定").click()
    refused = answer.value
    assert refused.status == 422 and WITHOUT_REASON in refused.text()
    panel = page.locator(f"#leniency-{subject.pk}")
    expect(panel.locator("select[name=basis]")).to_have_value("none")
    expect(panel.locator(".leniency-head")).to_contain_text("待认定")
    assert not LeniencyDecision.objects.exists()

    # confirming the recommendation needs no reason
    panel.locator("select[name=basis]").select_option(value="before")
    panel.get_by_role("button", name="确认认定").click()
    head = page.locator(f"#leniency-{subject.pk} .leniency-head")
    expect(head).to_contain_text("认定：")
    expect(head).not_to_contain_text("待认定")
    expect(head.locator(".badge")).to_have_text(["主动交代(事前)", "主动交代(事前)"])
    expect(head).to_contain_text("leader_a")
    expect(page.locator(f"#leniency-{subject.pk}").get_by_role("button", name="重新认定")).to_be_visible()
    decision = LeniencyDecision.objects.get()
    assert (decision.subject, decision.basis, decision.recommended) == (subject, "before", "before")
    assert not decision.overridden and decision.decided_by == city.leader_a
    assert decision.evidence["item_id"] == item.pk
    assert list(Entry.objects.filter(action__startswith="leniency.").values_list("action", flat=True)) == [
        "leniency.confirmed"
    ]

    # the decision is what the page shows on the next visit too
    page.reload()
    head = page.locator(f"#leniency-{subject.pk} .leniency-head")
    expect(head).to_contain_text("认定：")
    expect(head.locator(".tag")).to_have_count(0)  # neither 待认定 nor 改判
    panel_shot = _shot(page, tmp_path, "selfreport-02-clue-leniency-panel")
    _shot(page, tmp_path, "selfreport-03-panel-close-up", page.locator(f"#subject-{subject.pk}"))
    assert officer_shot.stat().st_size > 0 and panel_shot.stat().st_size > 0


def test_a_refused_override_shows_why_on_the_clue_page(page):
    _reference_data()
    city = build_city()
    now = timezone.now()
    campaign = actions.create_campaign(
        city.office_handler,
        name=CAMPAIGN,
        unit=city.city,
        report_opens_at=now - dt.timedelta(days=1),
        report_closes_at=now + dt.timedelta(days=20),
    )
    actions.activate_campaign(city.office_handler, campaign)
    report = actions.start_draft(city.officer_a, campaign=campaign)
    gj2 = {"category": Category.objects.get(code="GJ2").pk, "gj2_subtype": "spouse_children"}
    actions.save_draft(
        city.officer_a, report, items=[{**gj2, "description": DESCRIPTION, "amount": "300000"}]
    )
    actions.submit(city.officer_a, report)
    clue, subject = _substantiated_clue(city)

    _switch_user(page, "leader_a")
    page.goto(page.base_url + reverse("clues:detail", args=[clue.pk]))
    panel = page.locator(f"#leniency-{subject.pk}")
    panel.locator("select[name=basis]").select_option(value="none")
    panel.get_by_role("button", name="确认认定").click()
    panel = page.locator(f"#leniency-{subject.pk}")
    expect(panel.locator(".form-errors")).to_have_text(WITHOUT_REASON, timeout=3_000)
    expect(panel.locator("select[name=basis]")).to_have_value("none")
    assert not LeniencyDecision.objects.exists()
