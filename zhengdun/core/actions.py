"""Changes to the working-day calendar, audited."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction

from zhengdun.accounts import permissions
from zhengdun.audit.chain import record
from zhengdun.core import workdays
from zhengdun.core.models import CalendarOverride

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from zhengdun.accounts.models import User

CALENDAR_CITY_ONLY = "工作日历全市统一，只有在市级单位拥有编辑权限的人员可以调整"


def may_edit_calendar(user: User | AnonymousUser) -> bool:
    """Whether the user may change the working-day calendar. Every deadline in the city is
    counted on it, so `core.edit_calendar` must be held on the root unit(s), not a county."""
    return permissions.covers_everything(user, "core.edit_calendar")


def _require_calendar(actor: User) -> None:
    if not may_edit_calendar(actor):
        raise PermissionDenied(CALENDAR_CITY_ONLY)


@transaction.atomic
def set_calendar_day(actor: User, *, day: dt.date, is_workday: bool, note: str = "") -> CalendarOverride:
    """Declare a day a working day or a day off, overriding the holidays library (e.g. when the
    State Council's 放假调休 schedule for next year is published)."""
    _require_calendar(actor)
    row, _ = CalendarOverride.objects.update_or_create(
        day=day, defaults={"is_workday": is_workday, "note": (note or "").strip()[:60]}
    )
    record(
        actor, "calendar.day_set", row, {"day": day.isoformat(), "is_workday": is_workday, "note": row.note}
    )
    transaction.on_commit(workdays.forget_overrides)
    return row


@transaction.atomic
def clear_calendar_day(actor: User, row: CalendarOverride) -> None:
    """Remove an override; the library's answer applies again."""
    _require_calendar(actor)
    day = row.day
    row.delete()
    record(actor, "calendar.day_cleared", None, {"day": day.isoformat()}, object_type="core.calendaroverride")
    transaction.on_commit(workdays.forget_overrides)
