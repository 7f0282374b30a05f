"""The 交办 unit picker in a real browser: the office types part of a unit's name into the filter
box, the list narrows to the matches (grouped by county), Enter picks the match, the handler
list follows the unit, and 交办 assigns the clue to it."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.helpers import screenshot, sign_in
from zhengdun.clues import testing as clue_testing
from zhengdun.core.testing import PASSWORD, build_city

pytestmark = pytest.mark.browser


def _visible_options(select) -> list[str]:
    return select.evaluate("s => [...s.options].filter(o => !o.hidden).map(o => o.text.trim())")


def test_the_office_filters_the_units_picks_one_by_keyboard_and_assigns(page):
    importlib.import_module("zhengdun.clues.migrations.0003_reference_data").load(apps, None)
    city = build_city()
    clue = clue_testing.register(city)

    sign_in(page, "office", PASSWORD)
    page.goto(page.base_url + reverse("clues:detail", args=[clue.pk]))
    page.locator(".band-actions [data-action=assign]").click()
    form = page.locator("#action-form-assign")
    expect(form).to_be_visible()

    unit = form.locator("select[name=unit]")
    box = form.locator(".unit-picker-filter")
    # the script is there (the form came in by htmx): the box shows, the select is a list
    expect(box).to_be_visible()
    assert unit.evaluate("s => s.size") == 8
    groups = unit.evaluate("s => [...s.querySelectorAll('optgroup')].map(g => g.label)")
    assert groups == ["市直单位", "甲县", "乙县"]
    assert "甲县人民法院" in _visible_options(unit) and "乙县人民法院" in _visible_options(unit)

    box.fill("乙县 法院")
    expect(form.locator(".unit-picker-status")).to_have_text("匹配 1 个单位")
    assert _visible_options(unit) == ["乙县人民法院"]
    assert unit.evaluate(
        "s => [...s.querySelectorAll('optgroup')].filter(g => !g.hidden).map(g => g.label)"
    ) == ["乙县"]
    screenshot(page, "assign-picker-filtered")

    # nothing matches: said so; Esc brings every unit back
    box.fill("看守所")
    expect(form.locator(".unit-picker-status")).to_have_text("没有匹配的单位")
    assert _visible_options(unit) == []
    box.press("Escape")
    expect(box).to_have_value("")
    assert "甲县人民法院" in _visible_options(unit) and "城关派出所" in _visible_options(unit)

    # a county's name finds its units; Enter picks the first match without submitting the form
    box.fill("乙县")
    box.press("Enter")
    expect(unit).to_be_focused()
    expect(unit).to_have_value(str(city.court_b.pk))
    expect(page.locator(".clue-band [data-status]")).to_have_text("已登记")  # not submitted
    # the handler list followed the unit (htmx on the select's change)
    handler = form.locator("select[name=handler]")
    expect(handler.locator("option", has_text="handler_b")).to_have_count(1)
    expect(handler.locator("option", has_text="handler_a")).to_have_count(0)

    form.get_by_role("button", name="交办").click()
    expect(page.locator(".clue-band [data-status]")).to_have_text("已交办")
    expect(page.locator(".messages")).to_contain_text("已交办乙县人民法院")
    clue.refresh_from_db()
    assert clue.handling_unit_id == city.court_b.pk
    screenshot(page, "assign-picker-assigned")


def test_without_javascript_the_units_are_a_grouped_select_that_still_assigns(
    browser, transactional_db, live_server
):
    importlib.import_module("zhengdun.clues.migrations.0003_reference_data").load(apps, None)
    city = build_city()
    clue = clue_testing.register(city)
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.base_url = live_server.url
        sign_in(page, "office", PASSWORD)
        page.goto(live_server.url + reverse("clues:action", args=[clue.pk, "assign"]))
        form = page.locator("#action-form-assign")
        expect(form.locator(".unit-picker-filter")).to_be_hidden()
        unit = form.locator("select[name=unit]")
        assert unit.locator("optgroup").evaluate_all("gs => gs.map(g => g.label)") == [
            "市直单位",
            "甲县",
            "乙县",
        ]
        unit.select_option(value=str(city.station_a.pk))
        form.get_by_role("button", name="交办").click()
        page.wait_for_load_state()
        clue.refresh_from_db()
        assert clue.handling_unit_id == city.station_a.pk
    finally:
        context.close()
