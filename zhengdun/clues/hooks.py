"""线索办理's contributions to the foundation's plug-in points (core.hooks): its home-page
cards, its demo seed step and bulk generator, the deadline scan, and its audit labels.
Registered by CluesConfig.ready()."""

from __future__ import annotations

import random
from typing import Any

from django.urls import reverse

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.core import hooks
from zhengdun.core.hooks import Card

# Like the ledger, clue cards count exactly up to a cap; a city-wide count of a million clues
# is not worth seconds on every visit to the home page.


def _capped(queryset: Any) -> tuple[int, str]:
    from zhengdun.core.listing import capped_count

    n, capped = capped_count(queryset)
    return (n, "条以上") if capped else (n, "条")


def clue_cards(user: User) -> list[Card]:
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


def seed_step(seed: int) -> str:
    """The demo clues, one in every state of the workflow."""
    from zhengdun.clues.seeding import seed_demo_clues

    made = seed_demo_clues(random.Random(seed))  # noqa: S311 - demo data, deterministic by seed
    return f"{made} 条线索，覆盖线索办理的每个状态"


def bulk_clues(n: int, *, seed: int, progress: Any = None) -> int:
    from zhengdun.clues.seeding import bulk_clues as bulk

    return bulk(n, seed=seed, progress=progress)


def scan_deadlines() -> int:
    from zhengdun.clues.deadlines import scan

    return scan()


def _clue_event_label(event: str) -> str | None:
    from zhengdun.clues.workflow import event_label

    return "线索：" + event_label(event)


AUDIT_LABELS = {
    "category.created": "新增线索类别",
    "category.enabled": "启用线索类别",
    "category.disabled": "停用线索类别",
    "channel.created": "新增线索来源渠道",
    "channel.enabled": "启用线索来源渠道",
    "channel.disabled": "停用线索来源渠道",
    "deadline_rule.set": "设置办理时限规则",
    "deadline_rule.deleted": "删除办理时限规则",
    "clue.reporter_viewed": "查看举报人信息",
    "clue.attachment_downloaded": "下载线索附件",
}


def register() -> None:
    hooks.HOME_CARDS.register("clues", clue_cards, order=10)
    hooks.SEED_STEPS.register("clues", hooks.SeedStep("线索", seed_step), order=10)
    hooks.BULK_SEEDERS.register(
        "clues",
        hooks.BulkSeeder(
            "clues", "另外批量生成 N 条线索（基准测试用；已有演示城市时只追加线索）", "条线索", bulk_clues
        ),
        order=10,
    )
    hooks.JOBS.register("clues.deadline_scan", hooks.Job("clue deadline scan", scan_deadlines), order=10)
    hooks.AUDIT_LABELS.register(
        "clues", hooks.AuditLabels(AUDIT_LABELS, prefix="clue.", resolve=_clue_event_label)
    )
