"""自查统计: each figure equals the length of the list its link opens, within the user's scope."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from zhengdun.clues import actions as clue_actions
from zhengdun.clues.models import Category, Result, Status
from zhengdun.clues.tests.domain_helpers import advance, register
from zhengdun.selfreports import actions, stats
from zhengdun.selfreports.actions import leniency as assessments
from zhengdun.selfreports.leniency import Basis


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


def _file(user, campaign, person=None, codes=("GJ2",), late=False):
    report = actions.start_draft(user, campaign=campaign, person=person)
    items = []
    for code in codes:
        values = {"category": Category.objects.get(code=code).pk, "description": f"{code}事项说明"}
        if code == "GJ2":
            values["gj2_subtype"] = "self"
        items.append(values)
    actions.save_draft(user, report, items=items)
    return actions.submit(user, report)


@pytest.fixture
def filed(city, campaign):
    _file(city.officer_a, campaign, codes=("GJ2", "GJ5"))
    court_b_judge = city.people["judge_b"]
    handler_b = city.handler_b
    _file(handler_b, campaign, person=court_b_judge, codes=("GJ1",))
    return campaign


def _figures(html: str) -> dict[str, int]:
    return {href: int(n) for href, n in re.findall(r'href="([^"]+)">(\d+)</a>', html)}


def test_every_figure_opens_a_list_of_that_many(city, filed):
    client = Client()
    client.force_login(city.office_handler)
    page = client.get("/selfreports/stats/")
    assert page.status_code == 200
    html = page.content.decode()
    figures = _figures(html)
    assert figures, html
    checked = 0
    for href, n in figures.items():
        href = href.replace("&amp;", "&")
        if href.startswith("/selfreports/?"):
            listed = client.get(href).context["page"].count
        elif href.startswith("/selfreports/leniency/"):
            listed = client.get(href).context["count"]
        else:
            continue
        assert listed == n, href
        checked += 1
    assert checked >= 6


def test_counts_follow_the_users_scope(city, filed):
    rows, total = stats.by_unit(city.office_handler, filed, city.city)
    assert total.reports == 2 and total.items == 3
    rows, total = stats.by_unit(city.handler_b, filed, city.court_b)
    assert total.reports == 1  # only 乙县法院's
    client = Client()
    client.force_login(city.officer_a)
    assert client.get("/selfreports/stats/").status_code == 403


def test_the_share_of_substantiated_subjects_who_had_reported(city, filed):
    reported = register(city, subject=city.people["officer_a"], categories=[Category.objects.get(code="GJ2")])
    silent = register(city, subject=city.people["judge_a"], categories=[Category.objects.get(code="GJ3")])
    for clue in (reported, silent):
        clue = advance(city, clue, Status.HANDLING)
        subject = clue.subjects.get()
        clue_actions.record_result(city.handler_a, subject, result=Result.TRUE)
    overview = stats.leniency_overview(city.office_handler, filed)
    assert overview.total == 2 and overview.self_reported == 1 and overview.share == "50.0%"
    assert overview.by_basis[Basis.BEFORE] == 1 and overview.by_basis[Basis.CONCEALED] == 1
    subject = reported.subjects.get()
    assessments.decide_basis(city.leader_a, subject, basis=Basis.BEFORE.value)
    overview = stats.leniency_overview(city.office_handler, filed)
    assert overview.decided[Basis.BEFORE] == 1
    assert [r.subject.pk for r in stats.filter_rows(overview.rows, decided="pending")] == [
        silent.subjects.get().pk
    ]
