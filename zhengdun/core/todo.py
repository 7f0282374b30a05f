"""The home page's to-do cards: each capability contributes counts for the signed-in user.

Counts go through accounts.permissions.scope(), like every other read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from zhengdun.accounts import permissions


@dataclass
class Card:
    label: str
    value: int
    unit: str
    url: str
    tone: str = ""  # badge colour when the number needs attention


def todo_cards(user: Any) -> list[Card]:
    from zhengdun.org.models import Person, Unit

    cards: list[Card] = []
    if permissions.has_permission(user, "org.view_unit"):
        units = permissions.scope(user, "org.view_unit", Unit.objects.filter(is_active=True)).count()
        cards.append(Card("辖区单位", units, "个", reverse("org:unit_list")))
    if permissions.has_permission(user, "org.view_person"):
        people = permissions.scope(
            user, "org.view_person", Person.objects.filter(status=Person.Status.ACTIVE)
        )
        cards.append(Card("在职干警", people.count(), "名", reverse("org:person_list")))
    cards.extend(clue_cards(user))
    cards.extend(selfreport_cards(user))
    cards.extend(rectification_cards(user))
    return cards


# Like the ledger, clue cards count exactly up to a cap; a city-wide count of a million clues
# is not worth seconds on every visit to the home page.


def _capped(queryset: Any) -> tuple[int, str]:
    from zhengdun.core.listing import capped_count

    n, capped = capped_count(queryset)
    return (n, "条以上") if capped else (n, "条")


def clue_cards(user: Any) -> list[Card]:
    """线索办理 cards; each links to the ledger filtered to exactly what it counts."""
    from django.utils import timezone

    from zhengdun.clues import deadlines
    from zhengdun.clues.models import Clue, Notification, Request, Status

    if not permissions.has_permission(user, "clues.view"):
        return []
    ledger = reverse("clues:list")
    cards: list[Card] = []
    if permissions.has_permission(user, "clues.assign"):
        n, unit = _capped(
            permissions.scope(user, "clues.assign", Clue.objects.filter(status=Status.REGISTERED))
        )
        cards.append(Card("待交办线索", n, unit, f"{ledger}?status={Status.REGISTERED}", "blue" if n else ""))
    if permissions.has_permission(user, "clues.handle"):
        in_hand = [Status.ASSIGNED, Status.HANDLING]
        n, unit = _capped(permissions.scope(user, "clues.handle", Clue.objects.filter(status__in=in_hand)))
        url = f"{ledger}?status={Status.ASSIGNED},{Status.HANDLING}"
        cards.append(Card("待办理线索", n, unit, url, "blue" if n else ""))
    if permissions.has_permission(user, "clues.approve"):
        pending = Request.objects.filter(decision=Request.Decision.PENDING).values("clue_id")
        n, unit = _capped(permissions.scope(user, "clues.approve", Clue.objects.filter(pk__in=pending)))
        cards.append(Card("待审批事项", n, unit, f"{ledger}?pending=1", "blue" if n else ""))
    today = timezone.localdate()
    visible = permissions.scope(user, "clues.view", Clue.objects.all())
    n, unit = _capped(visible.overdue(today))
    cards.append(Card("逾期线索", n, unit, f"{ledger}?flag={deadlines.OVERDUE}", "red" if n else ""))
    n, unit = _capped(visible.near_due(today, deadlines.near_until(today)))
    cards.append(Card("临期线索", n, unit, f"{ledger}?flag={deadlines.NEAR}", "yellow" if n else ""))
    unread = Notification.objects.filter(user=user, read_at__isnull=True, clue__in=visible.values("pk"))
    n, unit = _capped(unread)
    cards.append(Card("未读提醒", n, unit, reverse("clues:notifications"), "yellow" if n else ""))
    return cards


def selfreport_cards(user: Any) -> list[Card]:
    """自查自纠 cards for the active campaign: the officer's own report still to file, and the
    reports with items awaiting 核实 (counted as the 自查事项 list counts them)."""
    from zhengdun.selfreports.models import Campaign, SelfReport, WindowState
    from zhengdun.selfreports.views.reports import filter_reports

    campaign = Campaign.active()
    if campaign is None:
        return []
    cards: list[Card] = []
    person_id = getattr(user, "person_id", None)
    if person_id and permissions.has_permission(user, "selfreports.file_own"):
        filed = SelfReport.objects.submitted().filter(campaign=campaign, person_id=person_id).exists()
        if not filed:
            late = campaign.window_state() == WindowState.CLOSED
            cards.append(
                Card("待提交自查报告", 1, "份", reverse("selfreports:mine"), "red" if late else "yellow")
            )
    if permissions.has_permission(user, "selfreports.review"):
        reports = permissions.scope(user, "selfreports.view", SelfReport.objects.all())
        pending = filter_reports(reports, {"campaign": campaign.pk, "reviewed": "pending"})
        n, unit = _capped(pending)
        url = f"{reverse('selfreports:list')}?campaign={campaign.pk}&reviewed=pending"
        cards.append(
            Card("待核实自查报告", n, "份以上" if unit == "条以上" else "份", url, "blue" if n else "")
        )
    return cards


def rectification_cards(user: Any) -> list[Card]:
    """顽瘴痼疾整治 cards, each counted by the 问题清单's own filter over the problems the user
    may see, so the number is what its link lists: 待报告整改进展 for unit staff (open problems
    with no progress report for QUIET_DAYS days), 待销号 for the office (every task done, the
    check against the standard still to do), 逾期整改问题 for everyone who follows the lists."""
    from zhengdun.core.listing import capped_count
    from zhengdun.rectification.actions import problems_visible
    from zhengdun.rectification.status import ProblemStatus
    from zhengdun.rectification.views.problems import filter_problems

    if not permissions.has_permission(user, "rectification.view"):
        return []
    visible = problems_visible(user)
    url = reverse("rectification:problems")
    wanted: list[tuple[str, dict[str, str], str]] = []
    if permissions.has_permission(user, "rectification.close_off"):
        wanted.append(("待销号", {"status": ProblemStatus.AWAITING.value}, "blue"))
    elif permissions.has_permission(user, "rectification.report"):
        wanted.append(("待报告整改进展", {"quiet": "1"}, "blue"))
    wanted.append(("逾期整改问题", {"flag": "overdue"}, "red"))
    cards: list[Card] = []
    for label, params, tone in wanted:
        n, capped = capped_count(filter_problems(visible, params))
        query = "&".join(f"{k}={v}" for k, v in params.items())
        cards.append(Card(label, n, "个以上" if capped else "个", f"{url}?{query}", tone if n else ""))
    return cards
