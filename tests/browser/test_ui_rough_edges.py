"""The rough edges of issue #11 seen in a real browser at 1366×768: the Chinese error pages in
the app's layout, the audit list's short columns on one line, one date picker on the forms.
Screenshots go to test-artifacts/ (ui-*.png)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from zhengdun.audit.chain import record
from zhengdun.audit.models import Entry
from zhengdun.core.testing import PASSWORD, build_city


def test_error_pages_and_the_date_picker(page: Any) -> None:
    build_city()
    sign_in(page, "office", PASSWORD)
    response = page.goto(page.base_url + "/no/such/page/")
    assert response.status == 404
    expect(page.locator("h1")).to_contain_text("404 未找到")
    expect(page.locator("nav.sidenav")).to_be_visible()  # the app's layout, with its menu
    screenshot(page, "ui-404")

    response = page.goto(page.base_url + "/audit/")
    assert response.status == 403
    expect(page.locator("h1")).to_contain_text("403 没有权限")
    screenshot(page, "ui-403")

    # the register form: the 受理日期 is the browser's date picker, no grey sample date
    page.goto(page.base_url + "/clues/new/")
    received = page.locator("input[name=received_on]")
    assert received.get_attribute("type") == "date"
    assert received.get_attribute("placeholder") is None
    screenshot(page, "ui-register-dates")
    page.goto(page.base_url + "/clues/?more=1")
    page.locator("details.more summary").first.click()
    for name in ("received_from", "received_to", "closed_from", "closed_to"):
        assert page.locator(f"input[name={name}]").get_attribute("type") == "date"
    screenshot(page, "ui-ledger-dates")

    page.goto(page.base_url + "/clues/settings/")
    expect(page.locator("nav.sidenav a.active")).to_have_text("基础设置")


def test_the_audit_list_keeps_its_short_columns_on_one_line(page: Any) -> None:
    city = build_city()
    with transaction.atomic():
        for i in range(8):
            record(
                city.office_handler,
                "person.changed",
                city.people["judge_a"],
                {"changes": {"position": ["科员", f"副庭长{i}"]}},
            )
        record(city.office_handler, "clue.viewed", None, {}, success=False)
    sign_in(page, "auditor", PASSWORD)
    page.goto(page.base_url + "/audit/")
    row = page.locator("table.audit-list tbody tr").first
    line = page.locator("table.audit-list td.num").first.bounding_box()["height"]
    for cell in ("td.result", "td.more"):
        box = row.locator(cell).bounding_box()
        assert box["height"] <= line + 2, (cell, box)  # one line: not a character per line
        assert box["width"] >= 28, (cell, box)
    screenshot(page, "ui-audit-list")
    change = Entry.objects.filter(action="person.changed").latest("seq")
    page.goto(page.base_url + f"/audit/{change.seq}/")
    expect(page.locator("h2", has_text="变更内容")).to_be_visible()
    screenshot(page, "ui-audit-entry")
    page.goto(page.base_url + "/audit/?user=office")
    search = Entry.objects.filter(action="audit.viewed", data__filters__user="office").latest("seq")
    page.goto(page.base_url + f"/audit/{search.seq}/")
    expect(page.locator("dl.audit-fields")).to_contain_text("筛选条件")
    screenshot(page, "ui-audit-search-entry")
