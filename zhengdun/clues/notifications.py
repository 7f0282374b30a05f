"""A user's reminders (clues.models.Notification): raised by clues.deadlines.scan (临期, 逾期) and
by clues.notify_events from the clue timeline (交办, 待审批, 审批结果, 退回); here a user marks
what they have read, and link_for says which page a reminder opens."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from zhengdun.accounts.models import User
from zhengdun.clues import notify_events  # connects the timeline receiver
from zhengdun.clues.models import Notification

link_for = notify_events.link_for


def mark_read(actor: User, notes: QuerySet[Notification]) -> int:
    """Mark the actor's unread reminders among notes as read; returns how many changed.
    Reading one's own reminder changes no case record, so it is not audited."""
    mine = notes.filter(user_id=actor.pk, read_at__isnull=True)
    return mine.update(read_at=timezone.now())
