"""The main clue journey in a real browser, three people taking turns on one clue:
the office registers and assigns it, the court's handler proposes a disposition, the county
leader approves, the handler records the result and the measures and asks to close, the leader
approves the closure, the office records the feedback to the reporter.

At each step the page offers only what the signed-in person may do now, and one forbidden move
is tried through the address bar."""

from __future__ import annotations

import importlib
import re
from typing import Any

from django.apps import apps
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from zhengdun.clues.models import Category, Clue
from zhengdun.core.testing import PASSWORD, build_city

SUMMARY = "反映甲县法院张明违规经商办企业"
CONTENT = "群众来信反映，张明的配偶在城关镇经营一家茶楼，张明长期参与经营并从中获利。"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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


def _status(page: Any) -> Any:
    return page.locator(".clue-band [data-status]")


def _bar(page: Any, action: str) -> Any:
    return page.locator(f".band-actions [data-action={action}]")


def _bar_actions(page: Any) -> list[str]:
    return page.locator(".band-actions [data-action]").evaluate_all("els => els.map(e => e.dataset.action)")


def _open_action(page: Any, action: str) -> Any:
    """Click an action of the band and wait for its inline form."""
    _bar(page, action).click()
    form = page.locator(f"#action-form-{action}")
    expect(form).to_be_visible()
    return form


def _open_subject_action(page: Any, name: str, action: str) -> Any:
    card = page.locator(".subject-card", has_text=name)
    card.locator(f"[data-action={action}]").click()
    form = card.locator(f"[data-form={action}]")
    expect(form).to_be_visible()
    return form


def test_it_walks_a_clue_from_registration_to_feedback(page):
    _reference_data()
    build_city()
    gj2 = Category.objects.get(code="GJ2")
    detail_path = re.compile(r"/clues/(\d+)/$")

    # --- 1. the office registers the clue ------------------------------------------------------
    _switch_user(page, "office")
    page.locator(".sidenav").get_by_role("link", name="登记线索").click()
    expect(page.locator("h1")).to_have_text("登记线索")
    form = page.locator("form.register")
    form.locator("select[name=channel]").select_option(label="来信")
    form.locator("input[name=reporting_mode][value=real_name]").check()
    form.locator("input[name=reporter_name]").fill("周举报")
    form.locator("input[name=reporter_phone]").fill("13800000000")
    form.locator(f"input[name=categories][value='{gj2.pk}']").check()
    form.locator("input[name=summary]").fill(SUMMARY)
    form.locator("textarea[name=content]").fill(CONTENT)

    # the roster picker answers as one types (htmx), then a pick swaps the subject rows
    form.locator("input[name='s-0-q']").fill("张明")
    results = page.locator("#s-0-results")
    expect(results).to_contain_text("甲县人民法院")
    results.locator("li", has_text="张明").get_by_role("button", name="选择").click()
    picked = page.locator("#subject-rows .picked")
    expect(picked).to_contain_text("张明")
    expect(picked).to_contain_text("甲县人民法院")
    # what was typed outside the swapped block is still there
    expect(form.locator("input[name=summary]")).to_have_value(SUMMARY)
    screenshot(page, "clue-01-register-form")

    form.locator(".form-actions button.primary").click()
    expect(page).to_have_url(detail_path)
    clue_url = page.url
    clue = Clue.objects.get()
    expect(page.locator(".band-number")).to_have_text(clue.number)
    expect(page.locator(".clue-band")).to_contain_text("线索编号")
    expect(_status(page)).to_have_text("已登记")
    expect(page.locator(".messages")).to_contain_text(f"已登记线索{clue.number}")
    expect(page.locator("#subjects")).to_contain_text("张明")
    expect(page.locator("#basics")).to_contain_text("来信")
    expect(page.locator("#basics")).to_contain_text("GJ2")
    expect(page.locator("#reporter")).to_contain_text("已加密保存")
    # the office may assign and edit it; handling it is not the office's business
    actions = _bar_actions(page)
    assert "assign" in actions
    assert "propose_disposition" not in actions and "approve_disposition" not in actions
    expect(page.get_by_role("link", name="提出处置意见")).to_have_count(0)
    screenshot(page, "clue-02-registered")

    # --- 2. the office assigns it to the court A with handler_a ------------------------------
    assign = _open_action(page, "assign")
    court = assign.locator("select[name=unit] option", has_text="甲县人民法院")
    assign.locator("select[name=unit]").select_option(value=court.get_attribute("value"))
    # choosing the unit reloads the handler list with that unit's handlers only
    handler_select = assign.locator("select[name=handler]")
    expect(handler_select.locator("option", has_text="handler_b")).to_have_count(0)
    handler_option = handler_select.locator("option", has_text="handler_a")
    handler_select.select_option(value=handler_option.get_attribute("value"))
    assign.locator("textarea[name=note]").fill("请依规办理，按时报送结果。")
    assign.get_by_role("button", name="交办").click()
    expect(_status(page)).to_have_text("已交办")
    clue.refresh_from_db()
    assert clue.deadline is not None and clue.deadline > clue.received_on
    deadline = f"{clue.deadline:%Y-%m-%d}"
    band = page.locator(".clue-band")
    expect(band.locator(".band-facts div", has_text="办理时限").locator(".code")).to_have_text(deadline)
    expect(band).to_contain_text("甲县人民法院")
    expect(band).to_contain_text("handler_a")
    expect(page.locator("#deadline .big")).to_have_text(DATE)
    expect(page.locator(".messages")).to_contain_text(f"已交办甲县人民法院，办理时限{deadline}")
    expect(page.locator("a[data-action=propose_disposition]")).to_have_count(0)
    screenshot(page, "clue-03-assigned")

    # --- 3. handler_a finds it in the ledger and proposes 初步核实 ----------------------------
    _switch_user(page, "handler_a")
    page.locator(".sidenav").get_by_role("link", name="线索台账").click()
    expect(page.locator("h1")).to_have_text("线索台账")
    page.locator("#id_q").fill("经商")
    page.locator("#id_q").press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q="))
    rows = page.locator("#clue-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("张明")
    expect(rows.first).to_contain_text("已交办")
    expect(rows.first).to_contain_text(deadline)
    screenshot(page, "clue-04-ledger-search")
    rows.first.get_by_role("link", name=clue.number).click()
    expect(page).to_have_url(clue_url)
    expect(_status(page)).to_have_text("已交办")
    actions = _bar_actions(page)
    assert "propose_disposition" in actions and "return_to_office" in actions
    assert "approve_disposition" not in actions and "assign" not in actions

    propose = _open_action(page, "propose_disposition")
    propose.locator("input[name=disposition][value=CH]").check()
    propose.locator("textarea[name=reason]").fill("反映问题具体，可查性强，建议初步核实。")
    propose.get_by_role("button", name="提交审批").click()
    expect(_status(page)).to_have_text("处置待审批")
    expect(page.locator("#requests")).to_contain_text("待审批")
    expect(page.locator("#requests")).to_contain_text("初步核实")
    # the proposer is not the one to approve it
    expect(_bar(page, "approve_disposition")).to_have_count(0)
    expect(page.get_by_role("link", name="批准处置")).to_have_count(0)

    # --- 4. leader_a may not register clues; approves the disposition -------------------------
    _switch_user(page, "leader_a")
    expect(page.locator(".sidenav")).not_to_contain_text("登记线索")
    response = page.goto(page.base_url + reverse("clues:register"))
    assert response is not None and response.status == 403
    expect(page.locator(".work")).to_contain_text("没有权限")
    assert not Clue.objects.exclude(pk=clue.pk).exists()

    page.goto(clue_url)
    expect(_status(page)).to_have_text("处置待审批")
    actions = _bar_actions(page)
    assert "approve_disposition" in actions and "reject_disposition" in actions
    assert "propose_disposition" not in actions and "assign" not in actions
    approve = _open_action(page, "approve_disposition")
    expect(approve.locator(".pending-box")).to_contain_text("初步核实")
    expect(approve.locator(".pending-box")).to_contain_text("可查性强")
    screenshot(page, "clue-05-approve-disposition")
    approve.locator("textarea[name=comment]").fill("同意初步核实。")
    approve.get_by_role("button", name="批准处置").click()
    expect(_status(page)).to_have_text("办理中")
    expect(page.locator(".band-facts")).to_contain_text("初步核实")
    # results and measures are the handler's to record
    expect(page.locator(".subject-card [data-action=record_result]")).to_have_count(0)

    # --- 5. handler_a records the result and two measures, then asks to close -----------------
    _switch_user(page, "handler_a")
    page.goto(clue_url)
    expect(_status(page)).to_have_text("办理中")
    card = page.locator(".subject-card", has_text="张明")
    # no measure before a result that says the report was true
    expect(card.locator("[data-action=record_measure]")).to_have_count(0)

    result = _open_subject_action(page, "张明", "record_result")
    result.locator("input[name=result][value=true]").check()
    result.locator("textarea[name=result_note]").fill("经核实，张明参与茶楼经营属实。")
    result.get_by_role("button", name="保存核查结论").click()
    expect(card).to_contain_text("核查结论：属实")

    measure = _open_subject_action(page, "张明", "record_measure")
    measure.locator("select[name=kind]").select_option(label="诫勉")
    measure.get_by_role("button", name="保存处理措施").click()
    expect(card.locator("table.measures")).to_contain_text("诫勉")
    expect(card.locator(".subject-tags")).to_contain_text("第一种形态")

    measure = _open_subject_action(page, "张明", "record_measure")
    measure.locator("select[name=kind]").select_option(label="警告（党纪）")
    measure.locator("input[name=note]").fill("甲纪发〔2021〕12号")
    measure.get_by_role("button", name="保存处理措施").click()
    measures = card.locator("table.measures tbody tr")
    expect(measures).to_have_count(2)
    expect(measures.filter(has_text="警告（党纪）")).to_contain_text("第二种形态")
    # the subject's 形态 follows the most severe measure
    expect(card.locator(".subject-tags")).to_contain_text("第二种形态")
    expect(card.locator(".subject-tags")).not_to_contain_text("第一种形态")
    screenshot(page, "clue-06-measures")

    close = _open_action(page, "submit_closure")
    close.locator("textarea[name=reason]").fill("初核完毕，问题属实，已给予诫勉和党内警告处分，建议办结。")
    close.get_by_role("button", name="提请办结").click()
    expect(_status(page)).to_have_text("办结待审批")
    expect(_bar(page, "approve_closure")).to_have_count(0)

    # --- 6. leader_a approves the closure --------------------------------------------------------
    _switch_user(page, "leader_a")
    page.goto(clue_url)
    expect(_status(page)).to_have_text("办结待审批")
    approve = _open_action(page, "approve_closure")
    expect(approve).to_contain_text("警告（党纪）")
    approve.get_by_role("button", name="批准办结").click()
    expect(_status(page)).to_have_text("已办结")
    expect(page.locator("#feedback")).to_contain_text("反馈期限")
    # feeding back to the reporter is not the leader's job
    expect(_bar(page, "record_feedback")).to_have_count(0)

    # --- 7. the office records the feedback -------------------------------------------------------
    _switch_user(page, "office")
    page.goto(clue_url)
    expect(_status(page)).to_have_text("已办结")
    actions = _bar_actions(page)
    assert "record_feedback" in actions
    assert "approve_closure" not in actions and "record_result" not in actions
    feedback = _open_action(page, "record_feedback")
    feedback.locator("select[name=method]").select_option(label="电话")
    expect(feedback.locator("input[name=fed_back_on]")).to_have_value(DATE)
    feedback.locator("textarea[name=content]").fill("已电话告知举报人办理结果。")
    feedback.get_by_role("button", name="保存反馈").click()
    expect(_status(page)).to_have_text("已反馈")
    expect(page.locator("#feedback table")).to_contain_text("电话")
    expect(page.locator("#feedback table")).to_contain_text("已电话告知举报人办理结果")

    # every step on the timeline, in the order taken
    timeline = page.locator("ol.clue-timeline > li")
    events = timeline.evaluate_all("els => els.map(e => e.dataset.event)")
    assert events == [
        "registered",
        "assign",
        "propose_disposition",
        "approve_disposition",
        "result_recorded",
        "measure_recorded",
        "measure_recorded",
        "submit_closure",
        "approve_closure",
        "record_feedback",
    ]
    statuses = page.locator("ol.clue-timeline > li.transition .tl-status .badge").all_inner_texts()
    assert statuses == ["已交办", "处置待审批", "办理中", "办结待审批", "已办结", "已反馈"]
    expect(timeline.nth(0)).to_contain_text("office")
    expect(timeline.nth(2)).to_contain_text("handler_a")
    expect(timeline.nth(3)).to_contain_text("leader_a")
    screenshot(page, "clue-07-fed-back")

    clue.refresh_from_db()
    assert clue.status == "fed_back"
    assert clue.subjects.get().xingtai == 2
