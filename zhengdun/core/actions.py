"""Changes to the working-day calendar, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from zhengdun.accounts import permissions
from zhengdun.audit.chain import record
from zhengdun.core import workdays
from zhengdun.core.models import CalendarOverride


@transaction.atomic
def set_calendar_day(actor: Any, *, day: dt.date, is_workday: bool, note: str = "") -> CalendarOverride:
    """Declare a day a working day or a day off, overriding the holidays library (e.g. when the
    State Council's 放假调休 schedule for next year is published)."""
    permissions.require(actor, "core.edit_calendar")
    row, _ = CalendarOverride.objects.update_or_create(
        day=day, defaults={"is_workday": is_workday, "note": (note or "").strip()[:60]}
    )
    record(
        actor, "calendar.day_set", row, {"day": day.isoformat(), "is_workday": is_workday, "note": row.note}
    )
    transaction.on_commit(workdays.forget_overrides)
    return row


@transaction.atomic
def clear_calendar_day(actor: Any, row: CalendarOverride) -> None:
    """Remove an override; the library's answer applies again."""
    permissions.require(actor, "core.edit_calendar")
    day = row.day
    row.delete()
    record(actor, "calendar.day_cleared", None, {"day": day.isoformat()}, object_type="core.calendaroverride")
    transaction.on_commit(workdays.forget_overrides)
