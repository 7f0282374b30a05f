"""Writes on a user's own reminders (clues.models.Notification). Raising them is
clues.deadlines.scan's job; here a user marks what they have read."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from zhengdun.clues.models import Notification


def mark_read(actor: Any, notes: QuerySet[Notification]) -> int:
    """Mark the actor's unread reminders among notes as read; returns how many changed.
    Reading one's own reminder changes no case record, so it is not audited."""
    mine = notes.filter(user_id=actor.pk, read_at__isnull=True)
    return mine.update(read_at=timezone.now())
