"""Working-day arithmetic on China's calendar: weekends, public holidays and 调休 (adjusted
working weekends) from the `holidays` library, then the office's CalendarOverride rows on top.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
from django.core.cache import cache

_OVERRIDES_KEY = "zhengdun:calendar-overrides:v1"


@lru_cache(maxsize=64)
def _library_calendar(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=[year], language="zh_CN")


def overrides() -> dict[dt.date, bool]:
    cached = cache.get(_OVERRIDES_KEY)
    if cached is None:
        from zhengdun.core.models import CalendarOverride

        cached = dict(CalendarOverride.objects.values_list("day", "is_workday"))
        cache.set(_OVERRIDES_KEY, cached, 300)
    return cached


def forget_overrides() -> None:
    """Call after CalendarOverride rows change."""
    cache.delete(_OVERRIDES_KEY)


def is_workday(day: dt.date, extra: dict[dt.date, bool] | None = None) -> bool:
    table = overrides() if extra is None else extra
    if day in table:
        return table[day]
    return bool(_library_calendar(day.year).is_working_day(day))


def add_workdays(start: dt.date, n: int, extra: dict[dt.date, bool] | None = None) -> dt.date:
    """The n-th working day after start (n ≥ 0; n = 0 gives start itself). Counting starts the
    day after, as offices count "5个工作日内" from the day of receipt."""
    table = overrides() if extra is None else extra
    day = start
    remaining = n
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_workday(day, table):
            remaining -= 1
    return day


def subtract_workdays(end: dt.date, n: int, extra: dict[dt.date, bool] | None = None) -> dt.date:
    """The working day n working days before end (used to back-schedule milestones)."""
    table = overrides() if extra is None else extra
    day = end
    remaining = n
    while remaining > 0:
        day -= dt.timedelta(days=1)
        if is_workday(day, table):
            remaining -= 1
    return day


def workdays_between(start: dt.date, end: dt.date, extra: dict[dt.date, bool] | None = None) -> int:
    """Working days in (start, end]; negative when end is before start."""
    table = overrides() if extra is None else extra
    if end < start:
        return -workdays_between(end, start, table)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_workday(day, table):
            count += 1
    return count
