"""The home page's 自查自纠 cards: the officer's report still to file, and reports awaiting 核实 —
each card's number is what its link lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from zhengdun.clues.models import Category
from zhengdun.selfreports import actions
from zhengdun.selfreports.hooks import selfreport_cards


@pytest.fixture
def campaign(city):
    now = timezone.now()
    made = actions.create_campaign(
        city.office_handler,
        name="2021年全市政法队伍教育整顿",
        unit=city.city,
        report_opens_at=now - dt.timedelta(days=10),
        report_closes_at=now + dt.timedelta(days=10),
    )
    return actions.activate_campaign(city.office_handler, made)


def _cards(user):
    return {c.label: c for c in selfreport_cards(user)}


def test_no_campaign_no_cards(city):
    assert selfreport_cards(city.officer_a) == [] and selfreport_cards(city.office_handler) == []


def test_the_officer_is_reminded_until_the_report_is_submitted(city, campaign):
    card = _cards(city.officer_a)["待提交自查报告"]
    assert (card.value, card.tone, card.url) == (1, "yellow", "/selfreports/mine/")
    report = actions.start_draft(city.officer_a, campaign=campaign)
    assert "待提交自查报告" in _cards(city.officer_a)  # a draft is not a report
    gj5 = Category.objects.get(code="GJ5")
    actions.save_draft(city.officer_a, report, items=[{"category": gj5.pk, "description": "违规饮酒一次"}])
    actions.submit(city.officer_a, report)
    assert "待提交自查报告" not in _cards(city.officer_a)
    assert "待提交自查报告" not in _cards(city.office_handler)  # no roster person


def test_reviewers_see_what_awaits_review_and_the_link_lists_it(city, campaign):
    report = actions.start_draft(city.officer_a, campaign=campaign)
    gj5 = Category.objects.get(code="GJ5")
    actions.save_draft(city.officer_a, report, items=[{"category": gj5.pk, "description": "违规饮酒一次"}])
    actions.submit(city.officer_a, report)
    card = _cards(city.office_handler)["待核实自查报告"]
    assert card.value == 1 and card.tone == "blue"
    client = Client()
    client.force_login(city.office_handler)
    assert client.get(card.url).context["page"].count == 1
    assert _cards(city.handler_b)["待核实自查报告"].value == 0  # 乙县法院 sees none of it
    assert "待核实自查报告" not in _cards(city.officer_a)  # officers do not review
    item = report.items.get()
    actions.review_item(city.office_handler, item, check_note="经核实属实，情节轻微", outcome="criticism")
    assert _cards(city.office_handler)["待核实自查报告"].value == 0
