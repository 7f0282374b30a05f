"""Deadlines of clues (clues.deadlines): which rule sets the handling time limit, calendar versus
working days, the 移交 and 反馈 limits, extension history, and the red/yellow flags."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from zhengdun.clues import actions, deadlines
from zhengdun.clues.models import Clue, DeadlineChange, DeadlineRule, Event, Status
from zhengdun.clues.testing import category, channel
from zhengdun.clues.tests.domain_helpers import add_users, advance, fast_passwords, register
from zhengdun.core import workdays

D = dt.date
S = Status


@pytest.fixture(autouse=True)
def _clean_calendar(db):
    with fast_passwords():
        workdays.forget_overrides()
        yield
        workdays.forget_overrides()


def rule(days: int, *, ch: str | None = None, cat: str | None = None, working: bool = True) -> DeadlineRule:
    row, _ = DeadlineRule.objects.update_or_create(
        channel=channel(ch) if ch else None,
        category=category(cat) if cat else None,
        defaults={"days": days, "working_days": working},
    )
    return row


def rule_of(ch: str, *cats: str) -> tuple[int, bool]:
    return deadlines.rule_for(channel(ch), [category(c) for c in cats])


# --- which rule -------------------------------------------------------------------------------------


def test_it_starts_with_the_installed_rules():
    assert rule_of("letter") == (30, True)
    assert rule_of("12337") == (30, False)  # 12337 replies within 30 calendar days


def test_it_uses_the_stored_default_rule():
    rule(20)
    assert rule_of("letter", "GJ2") == (20, True)
    rule(25, working=False)
    assert rule_of("visit") == (25, False)


def test_it_prefers_source_and_category_then_source_then_category_then_default():
    rule(30)
    rule(20, cat="GJ2")
    assert rule_of("visit", "GJ2") == (20, True)  # category beats the default
    assert rule_of("visit", "GJ3") == (30, True)
    rule(25, ch="letter")
    assert rule_of("letter", "GJ2") == (25, True)  # source beats category, though longer
    assert rule_of("letter", "GJ3") == (25, True)
    assert rule_of("letter") == (25, True)
    rule(10, ch="letter", cat="GJ2", working=False)
    assert rule_of("letter", "GJ2") == (10, False)  # source + category beats both
    assert rule_of("letter", "GJ3") == (25, True)
    assert rule_of("visit", "GJ2") == (20, True)
    assert rule_of("visit") == (30, True)


def test_it_takes_the_shorter_limit_when_categories_tie():
    rule(20, cat="GJ2")
    rule(12, cat="GJ3")
    rule(40, cat="GJ4")
    assert rule_of("visit", "GJ2", "GJ3", "GJ4") == (12, True)
    assert rule_of("visit", "GJ2", "GJ4") == (20, True)
    rule(9, ch="letter", cat="GJ4")
    rule(7, ch="letter", cat="GJ3")
    assert rule_of("letter", "GJ2", "GJ3", "GJ4") == (7, True)
    assert rule_of("letter", "GJ2", "GJ4") == (9, True)


def test_it_counts_calendar_or_working_days_as_the_rule_says():
    rule(5, ch="letter")
    rule(5, ch="visit", working=False)
    start = D(2024, 9, 27)  # Friday before National Day
    assert deadlines.handling_deadline(channel("letter"), [], start) == D(2024, 10, 10)
    assert deadlines.handling_deadline(channel("visit"), [], start) == D(2024, 10, 2)
    assert deadlines.handling_deadline(channel("12337"), [], start) == D(2024, 10, 27)


def test_it_gives_the_transfer_and_reply_limits_in_working_days():
    assert deadlines.transfer_due(D(2024, 9, 27)) == D(2024, 10, 10)  # 5 working days
    assert deadlines.transfer_due(D(2024, 2, 8)) == D(2024, 2, 21)  # over the Spring Festival
    assert deadlines.feedback_due(D(2024, 9, 20)) == D(2024, 10, 16)  # 15 working days


def test_it_assigns_with_the_deadline_of_the_matching_rule(city, monkeypatch):
    monkeypatch.setattr(actions._common, "_today", lambda: D(2024, 9, 27))
    rule(5, ch="letter", cat="GJ2")
    clue = register(city, received_on=D(2024, 9, 26))
    actions.assign_clue(city.office_handler, clue, unit=city.court_a)
    clue.refresh_from_db()
    assert (clue.assigned_on, clue.deadline) == (D(2024, 9, 27), D(2024, 10, 10))


# --- extension history ------------------------------------------------------------------------------


def test_it_keeps_the_deadline_history_in_order(city):
    add_users(city)
    today = timezone.localdate()
    first, second, refused, third = (today + dt.timedelta(days=n) for n in (10, 20, 25, 30))
    clue = advance(city, register(city), S.HANDLING, deadline=first)
    actions.request_extension(city.handler_a, clue, new_deadline=second, reason="需调取银行流水")
    with pytest.raises(ValidationError):  # one pending request at a time
        actions.request_extension(
            city.handler_a, Clue.objects.get(pk=clue.pk), new_deadline=third, reason="再延"
        )
    actions.decide_extension(city.leader_a, Clue.objects.get(pk=clue.pk), approve=True, comment="同意")
    with pytest.raises(ValidationError) as err:  # an extension must extend
        actions.request_extension(
            city.handler_a, Clue.objects.get(pk=clue.pk), new_deadline=second, reason="x"
        )
    assert "new_deadline" in err.value.message_dict
    actions.request_extension(
        city.handler_a, Clue.objects.get(pk=clue.pk), new_deadline=refused, reason="人手不足"
    )
    with pytest.raises(ValidationError):  # a refusal needs a reason
        actions.decide_extension(city.leader_city, Clue.objects.get(pk=clue.pk), approve=False)
    actions.decide_extension(
        city.leader_city, Clue.objects.get(pk=clue.pk), approve=False, comment="理由不充分"
    )
    assert Clue.objects.get(pk=clue.pk).deadline == second
    actions.request_extension(
        city.handler_a, Clue.objects.get(pk=clue.pk), new_deadline=third, reason="需异地取证"
    )
    actions.decide_extension(city.leader_a, Clue.objects.get(pk=clue.pk), approve=True)
    clue.refresh_from_db()
    assert clue.deadline == third
    history = list(
        DeadlineChange.objects.filter(clue=clue)
        .order_by("changed_at", "id")
        .values_list("old_deadline", "new_deadline", "reason", "changed_by__username")
    )
    assert history == [
        (None, first, "交办", "office"),
        (first, second, "需调取银行流水", "leader_a"),
        (second, third, "需异地取证", "leader_a"),
    ]
    decisions = list(
        Event.objects.filter(clue=clue, action__startswith="extension_").values_list("action", flat=True)
    )
    assert decisions == [
        "extension_requested",
        "extension_approved",
        "extension_requested",
        "extension_rejected",
        "extension_requested",
        "extension_approved",
    ]


# --- flags ------------------------------------------------------------------------------------------


def clue_with(status: str, deadline: dt.date | None) -> Clue:
    return Clue(status=status, deadline=deadline)


@pytest.mark.parametrize(
    ("deadline", "flag"),
    [
        (D(2024, 9, 27), "overdue"),
        (D(2024, 9, 29), "overdue"),  # the day after the deadline is overdue
        (D(2024, 9, 30), "near"),  # due today
        (D(2024, 10, 1), "near"),
        (D(2024, 10, 10), "near"),  # the 3rd working day after 9-30, holidays skipped
        (D(2024, 10, 11), ""),
        (None, ""),
    ],
)
def test_it_flags_open_clues_by_working_days_left(deadline, flag):
    today = D(2024, 9, 30)
    for status in (S.REGISTERED, S.ASSIGNED, S.DISPOSITION_PENDING, S.HANDLING, S.CLOSURE_PENDING):
        assert deadlines.flag_for(clue_with(status, deadline), today) == flag, status
        assert clue_with(status, deadline).deadline_flag(today) == flag


def test_it_turns_overdue_the_day_after_the_deadline():
    clue = clue_with(S.HANDLING, D(2024, 10, 10))
    assert deadlines.flag_for(clue, D(2024, 10, 10)) == "near"
    assert deadlines.flag_for(clue, D(2024, 10, 11)) == "overdue"


def test_it_follows_the_configured_near_window(settings):
    settings.CLUE_NEAR_DUE_WORKING_DAYS = 1
    today = D(2024, 9, 30)
    assert deadlines.flag_for(clue_with(S.HANDLING, D(2024, 10, 8)), today) == "near"
    assert deadlines.flag_for(clue_with(S.HANDLING, D(2024, 10, 9)), today) == ""


@pytest.mark.parametrize("status", [S.ON_HOLD, S.CLOSED, S.FED_BACK, S.ARCHIVED, S.TRANSFERRED, S.MERGED])
def test_it_never_flags_a_clue_that_is_not_running(status):
    today = D(2024, 9, 30)
    for deadline in (D(2024, 9, 1), today, D(2024, 10, 8)):
        assert deadlines.flag_for(clue_with(status, deadline), today) == ""


def test_it_labels_the_flags_in_chinese_with_colours():
    assert deadlines.FLAG_LABELS == {"overdue": ("逾期", "red"), "near": ("临期", "yellow")}
