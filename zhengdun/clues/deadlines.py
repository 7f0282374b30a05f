"""Deadlines of clues: how they are set, flagged and scanned. One home for each rule.

- handling deadline at assignment: the most specific DeadlineRule (clues.models)
- 移交 within settings.CLUE_TRANSFER_WORKING_DAYS (5) working days of receipt
- reply to a reachable reporter within settings.CLUE_FEEDBACK_WORKING_DAYS (15) after 办结
- flags: red 逾期 after the deadline, yellow 临期 within settings.CLUE_NEAR_DUE_WORKING_DAYS
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from zhengdun.core import workdays

OVERDUE, NEAR = "overdue", "near"
FLAG_LABELS = {OVERDUE: ("逾期", "red"), NEAR: ("临期", "yellow")}


def rule_for(channel: Any, categories: list[Any]) -> tuple[int, bool]:
    """(days, working_days) of the most specific matching rule; settings default otherwise."""
    from zhengdun.clues.models import DeadlineRule

    # not channel__in=[channel, None]: SQL's IN never matches NULL, which would drop the
    # category-only rules and the stored default
    rules = list(DeadlineRule.objects.filter(Q(channel=channel) | Q(channel__isnull=True)))
    cat_ids = {c.pk for c in categories}

    def rank(rule: Any) -> int:
        if rule.category_id is not None and rule.category_id not in cat_ids:
            return -1
        return (2 if rule.channel_id else 0) + (1 if rule.category_id else 0)

    # ties between categories: the shorter limit wins, so no category's limit is exceeded
    candidates = sorted((r for r in rules if rank(r) >= 0), key=lambda r: (-rank(r), r.days))
    if candidates:
        return candidates[0].days, candidates[0].working_days
    return settings.CLUE_DEFAULT_DEADLINE_DAYS, True


def due_date(start: dt.date, days: int, working: bool) -> dt.date:
    return workdays.add_workdays(start, days) if working else start + dt.timedelta(days=days)


def handling_deadline(channel: Any, categories: list[Any], assigned_on: dt.date) -> dt.date:
    days, working = rule_for(channel, categories)
    return due_date(assigned_on, days, working)


def transfer_due(received_on: dt.date) -> dt.date:
    return workdays.add_workdays(received_on, settings.CLUE_TRANSFER_WORKING_DAYS)


def feedback_due(closed_on: dt.date) -> dt.date:
    return workdays.add_workdays(closed_on, settings.CLUE_FEEDBACK_WORKING_DAYS)


def near_until(today: dt.date) -> dt.date:
    return workdays.add_workdays(today, settings.CLUE_NEAR_DUE_WORKING_DAYS)


def flag_for(clue: Any, today: dt.date) -> str:
    from zhengdun.clues.models import OPEN_STATES

    if clue.status not in OPEN_STATES or clue.deadline is None:
        return ""
    if clue.deadline < today:
        return OVERDUE
    if clue.deadline <= near_until(today):
        return NEAR
    return ""


def _in_batches(queryset: Any, size: int = 2000) -> Any:
    """The rows of queryset in primary-key order, read a batch at a time by keyset (no server-side
    cursor, memory bounded by the batch)."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        yield from batch
        if len(batch) < size:
            return
        last = batch[-1].pk


def scan(today: dt.date | None = None) -> int:
    """Raise in-app notifications for near-due and overdue clues, once per clue, user,
    threshold and deadline. Returns how many were raised. Runs in-process on the embedded tier
    (zhengdun serve's scheduler) and from Celery beat on the scale tier — this same function.

    Who is told is decided by accounts.permissions.scope(), the one visibility rule: each person
    who handles or approves clues (clues.handle / clues.approve) hears of the due clues handled in
    their units that scope(user, "clues.view") lets them see — so never of a clue they are a
    subject of (回避), and of a 重要 clue only when named. A handler who has since lost their grant
    (moved, deactivated) can no longer open the clue and is not told its number. One query per
    such person, against one per clue before: the people are far fewer than the due clues."""
    from zhengdun.accounts import permissions
    from zhengdun.accounts.models import RoleAssignment, User
    from zhengdun.accounts.roles import roles_with
    from zhengdun.clues.models import Clue, Notification

    today = today or timezone.localdate()
    until = near_until(today)
    raised = 0
    due = (
        Clue.objects.open()
        .filter(deadline__isnull=False, deadline__lte=until, handling_unit__isnull=False)
        .only("id", "number", "deadline")
    )
    acting = ("clues.handle", "clues.approve")
    roles = roles_with(acting[0]) | roles_with(acting[1])
    users = User.objects.filter(
        pk__in=RoleAssignment.objects.filter(
            role__in=roles, user__is_active=True, unit__is_active=True
        ).values("user_id")
    ).order_by("pk")
    for user in users.iterator(chunk_size=500):
        paths = sorted({p for perm in acting for p in permissions.unit_paths_for(user, perm)})
        if not paths:
            continue
        mine = permissions.scope(user, "clues.view", due).filter(
            handling_unit__in=permissions.units_under(paths)
        )
        for clue in _in_batches(mine):
            overdue = clue.deadline < today
            kind = Notification.Kind.OVERDUE if overdue else Notification.Kind.NEAR_DUE
            label = "已逾期" if overdue else "即将到期"
            try:
                with transaction.atomic():
                    Notification.objects.create(
                        user=user,
                        clue=clue,
                        kind=kind,
                        deadline=clue.deadline,
                        message=f"线索{clue.number}{label}（办理时限 {clue.deadline:%Y-%m-%d}）",
                    )
                raised += 1
            except IntegrityError:
                continue  # raised before for this threshold and deadline
    return raised
