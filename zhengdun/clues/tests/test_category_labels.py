"""A category as people see it (clues.models.reference.category_label): a national one keeps
its GJ number beside its name, any other — 其他违纪违法问题 (code OTHER), a unit's local items —
shows its Chinese name alone. No page that shows a category shows "OTHER" (issue #11)."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengdun.clues import testing as clue_testing
from zhengdun.clues.models import Category
from zhengdun.clues.models.reference import category_label
from zhengdun.rectification.tests.helpers import make_problem
from zhengdun.selfreports.actions import convert_item_to_clue
from zhengdun.selfreports.tests.helpers import client_for, file, item, judge_with_account, open_campaign

codes = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=20)
names = st.text(min_size=1, max_size=80).filter(str.strip)


@given(code=codes, name=names)
def test_a_category_that_is_not_national_is_its_name_alone(code, name):
    assert category_label(code, name, False) == name
    assert category_label(code, name, False, short=True) == name


@given(code=codes, name=names)
def test_a_national_category_keeps_its_number_beside_its_name(code, name):
    assert category_label(code, name, True) == f"{code} {name}"
    assert category_label(code, name, True, short=True) == code


def test_the_model_follows_the_one_rule(db):
    other = Category.objects.get(code="OTHER")
    gj2 = Category.objects.get(code="GJ2")
    assert (other.label, other.short_label, other.shown_code) == ("其他违纪违法问题", "其他违纪违法问题", "")
    assert gj2.label == f"GJ2 {gj2.name}"
    assert (gj2.short_label, gj2.shown_code) == ("GJ2", "GJ2")


@pytest.fixture
def local(city):
    return Category.objects.create(code="LJ-T01", name="本地自设问题", is_national=False, unit=city.city)


def _page(client, url, params=None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


def test_the_clue_page_and_the_ledger_name_other_and_local_categories_in_chinese(city, local):
    clue = clue_testing.register(
        city, categories=[Category.objects.get(code="OTHER"), local, Category.objects.get(code="GJ2")]
    )
    client = client_for(city.office_handler)
    page = _page(client, f"/clues/{clue.pk}/")
    assert "其他违纪违法问题" in page and "本地自设问题" in page
    assert "OTHER" not in page and "LJ-T01" not in page
    assert "GJ2 违规经商办企业" in page  # national: its number kept
    ledger = _page(client, "/clues/")
    assert "其他违纪违法问题" in ledger
    assert "OTHER" not in ledger and "LJ-T01" not in ledger


def test_the_problem_list_page_and_export_name_other_in_chinese(city):
    from openpyxl import load_workbook

    other = Category.objects.get(code="OTHER")
    problem = make_problem(city, category=other.pk)
    client = client_for(city.office_handler)
    listing = _page(client, "/rectification/problems/")
    assert problem.number in listing and "其他违纪违法问题" in listing
    assert "OTHER" not in listing
    detail = _page(client, f"/rectification/problems/{problem.pk}/")
    assert "其他违纪违法问题" in detail and "OTHER" not in detail
    register = _page(client, "/rectification/problems/new/")
    assert "其他违纪违法问题" in register and ">OTHER " not in register
    assert "GJ1 违反防止干预司法" in register

    response = client.get("/rectification/problems/export/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "其他违纪违法问题" in cells
    assert "OTHER" not in cells


def test_a_self_report_and_its_clue_name_other_in_chinese(city):
    campaign = open_campaign(city)
    judge = judge_with_account(city)
    report = file(judge, campaign, [item("OTHER", "2020年曾接受当事人宴请一次"), item("GJ3")])
    client = client_for(city.office_handler)
    detail = _page(client, f"/selfreports/{report.pk}/")
    assert "其他违纪违法问题" in detail and "OTHER" not in detail
    listing = _page(client, "/selfreports/")
    assert "其他违纪违法问题" in listing and "GJ3" in listing
    assert "OTHER" not in listing
    mine = _page(client_for(judge), "/selfreports/mine/")
    assert "OTHER" not in mine

    other_item = report.items.get(category__code="OTHER")
    clue = convert_item_to_clue(city.office_handler, other_item)
    assert "（其他违纪违法问题）" in clue.summary and "OTHER" not in clue.summary
    assert "OTHER" not in _page(client, f"/clues/{clue.pk}/")
