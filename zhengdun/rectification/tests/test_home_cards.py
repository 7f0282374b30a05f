"""The home page's 顽瘴痼疾整治 cards: 待报告整改进展 for unit staff, 待销号 for the office, 逾期整改问题
for everyone who follows the lists — each card's number is what its link lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from zhengdun.rectification import actions
from zhengdun.rectification.hooks import rectification_cards
from zhengdun.rectification.models import Problem, ProgressReport
from zhengdun.rectification.tests.helpers import make_problem, pdf, problem_data
from zhengdun.rectification.tests.test_views_problems import (  # noqa: F401 - fast_passwords: autouse
    client_for,
    fast_passwords,
    finish_tasks,
    overdue_problem,
)

pytestmark = pytest.mark.django_db


def cards(user):
    return {c.label: c for c in rectification_cards(user)}


def listed_count(user, url):
    return client_for(user).get(url).context["page"].count


def age(problem: Problem, days: int) -> None:
    """Pretend the problem was registered `days` days ago (test setup only)."""
    Problem.objects.filter(pk=problem.pk).update(created_at=timezone.now() - dt.timedelta(days=days))


@pytest.fixture
def work(city):
    quiet = make_problem(city, tasks=1, title="久未报告的问题")
    age(quiet, 30)
    reported = make_problem(city, tasks=1, title="近期报告过的问题")
    age(reported, 30)
    task = reported.tasks.get()
    actions.report_progress(city.handler_a, task, percent=20, narrative="推进中", version=task.version)
    stale = make_problem(city, tasks=1, title="很久以前报告过的问题")
    age(stale, 40)
    task = stale.tasks.get()
    actions.report_progress(city.handler_a, task, percent=10, narrative="起步", version=task.version)
    ProgressReport.objects.filter(task=task).update(reported_at=timezone.now() - dt.timedelta(days=20))
    fresh = make_problem(city, title="刚登记的问题")  # registered today: not yet due a report
    awaiting = finish_tasks(city, make_problem(city, tasks=1, title="待验收的问题"))
    age(awaiting, 30)  # done: nothing left to report
    overdue = overdue_problem(city, title="逾期的问题")
    age(overdue, 400)
    other = make_problem(
        city,
        tasks=1,
        title="乙县的问题",
        responsible_unit=city.court_b.pk,
        responsible_person=city.people["judge_b"].pk,
    )
    age(other, 30)
    return {
        "quiet": quiet,
        "reported": reported,
        "stale": stale,
        "fresh": fresh,
        "awaiting": awaiting,
        "overdue": overdue,
        "other": other,
    }


def test_unit_staff_are_reminded_of_problems_without_recent_reports(city, work):
    got = cards(city.handler_a)
    assert set(got) == {"待报告整改进展", "逾期整改问题"}
    card = got["待报告整改进展"]
    # 甲县法院: the quiet one, the one last reported 20 days ago, and the overdue one (no report)
    assert card.value == 3 and card.unit == "个" and card.tone == "blue"
    assert card.url == "/rectification/problems/?quiet=1"
    page = client_for(city.handler_a).get(card.url).context["page"]
    assert page.count == 3
    assert {p.pk for p in page.rows} == {work["quiet"].pk, work["stale"].pk, work["overdue"].pk}
    assert cards(city.handler_b)["待报告整改进展"].value == 1  # 乙县法院's own
    # reporting takes the problem off the card
    task = work["quiet"].tasks.get()
    actions.report_progress(city.handler_a, task, percent=5, narrative="开始排查", version=task.version)
    assert cards(city.handler_a)["待报告整改进展"].value == 2


def test_the_office_sees_what_awaits_close_off_and_what_is_overdue(city, work):
    got = cards(city.office_handler)
    assert set(got) == {"待销号", "逾期整改问题"}
    assert got["待销号"].value == 1 and got["待销号"].url == "/rectification/problems/?status=awaiting"
    assert got["逾期整改问题"].value == 1 and got["逾期整改问题"].tone == "red"
    for card in got.values():
        assert listed_count(city.office_handler, card.url) == card.value
    awaiting = work["awaiting"]
    actions.close_off(
        city.office_handler, awaiting, check_note="已核查", files=[pdf()], version=awaiting.version
    )
    assert cards(city.office_handler)["待销号"].value == 0 and cards(city.office_handler)["待销号"].tone == ""


def test_leaders_see_the_overdue_card_only_and_others_nothing(city, work):
    got = cards(city.leader_a)
    assert set(got) == {"逾期整改问题"} and got["逾期整改问题"].value == 1
    assert listed_count(city.leader_a, got["逾期整改问题"].url) == 1
    assert cards(city.handler_b)["逾期整改问题"].value == 0
    for username in ("officer_a", "outsider", "sysadmin", "auditor"):
        assert rectification_cards(city.users[username]) == []


def test_the_cards_are_on_the_home_page_and_capped(city, work, settings):
    html = client_for(city.office_handler).get("/").content.decode()
    assert (
        "待销号" in html
        and "逾期整改问题" in html
        and 'href="/rectification/problems/?status=awaiting"' in html
    )
    settings.LIST_COUNT_CAP = 2
    actions.register_problem(
        city.office_handler,
        problem_data(city, deadline=(timezone.localdate() - dt.timedelta(days=3)).isoformat()),
        today=timezone.localdate() - dt.timedelta(days=100),
    )
    overdue_problem(city)
    card = cards(city.office_handler)["逾期整改问题"]
    assert (card.value, card.unit) == (2, "个以上")
