"""The clue ledger fits the smallest screen the UI promises (1366×768): no scrolling sideways,
every column — 督办 the last — inside the window, even with the widest rows the data makes
(a long unit name, a 重要 tag, an overdue flag, 挂牌督办, several long categories)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import screenshot, sign_in
from zhengdun.clues import testing as clue_testing
from zhengdun.clues.models import Category, Clue, Sensitivity, SupervisionLevel
from zhengdun.core.testing import PASSWORD, build_city, make_unit
from zhengdun.org.models import Unit

pytestmark = pytest.mark.browser

VIEWPORT_WIDTH = 1366


def _wide_rows() -> None:
    """Clues whose cells are as wide as the demo data's widest, and wider."""
    importlib.import_module("zhengdun.clues.migrations.0003_reference_data").load(apps, None)
    city = build_city()
    long_unit = make_unit(
        city.police_a, "甲县公安局城关派出所刑事侦查中队第二组", Unit.Type.POLICE_STATION, "C370211-GA-02"
    )
    categories = list(Category.objects.filter(is_national=True))
    for n in range(8):
        clue = clue_testing.register(
            city,
            channel=clue_testing.channel("12337") if n % 2 else clue_testing.channel(),
            summary="反映甲县人民法院张明违规经商办企业并长期参与配偶经营的茶楼从中获利" + "情况" * n,
            categories=categories[: 1 + n % len(categories)],
            sensitivity=Sensitivity.IMPORTANT if n % 6 == 0 else Sensitivity.NORMAL,
        )
        if n % 2:
            clue_testing.walk(city, clue, "disposition_pending")
        # the widest values a row can hold, set directly: this test is about the layout only
        Clue.objects.filter(pk=clue.pk).update(
            handling_unit=long_unit,
            deadline=timezone.localdate() - dt.timedelta(days=5),
            supervision_level=SupervisionLevel.LISTED,
        )


def test_the_ledger_fits_1366_pixels_with_every_column_visible(page):
    _wide_rows()
    sign_in(page, "office", PASSWORD)
    page.goto(page.base_url + reverse("clues:list"))
    rows = page.locator("table.ledger tbody tr")
    expect(rows).to_have_count(8)
    expect(page.locator("table.ledger tbody")).to_contain_text("逾期")
    expect(page.locator("table.ledger tbody")).to_contain_text("挂牌督办")
    screenshot(page, "ledger-layout-1366")

    assert page.viewport_size["width"] == VIEWPORT_WIDTH
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT_WIDTH
    # the table does not scroll inside its own box either
    table_width, box_width = page.evaluate(
        "(() => { const t = document.querySelector('table.ledger');"
        " return [t.scrollWidth, t.closest('.table-wrap').clientWidth]; })()"
    )
    assert table_width <= box_width

    supervision = page.locator("table.ledger thead th", has_text="督办")
    expect(supervision).to_be_visible()
    box = supervision.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT_WIDTH
    # and its cells: the badge of the last column is whole inside the window
    badge = rows.first.locator("td").last.locator(".badge")
    expect(badge).to_have_text("挂牌督办")
    badge_box = badge.bounding_box()
    assert badge_box is not None and badge_box["x"] + badge_box["width"] <= VIEWPORT_WIDTH

    # a category shows its name without the bracketed explanation, the whole name as the title
    cats = page.locator('table.ledger td.cats[title*="违规经商办企业（含配偶"]')
    expect(cats.first).to_contain_text("违规经商办企业")
    assert all("（" not in text for text in cats.all_inner_texts())
