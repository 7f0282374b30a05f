"""Working-day arithmetic on China's calendar (core.workdays): public holidays, 调休 working
weekends from the `holidays` library, the office's CalendarOverride rows on top."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengdun.core import workdays
from zhengdun.core.models import CalendarOverride

D = dt.date
NONE: dict[dt.date, bool] = {}  # the library calendar alone, no override rows


@pytest.fixture
def fresh_overrides(db):
    # the override table is cached (it is read on every deadline computed); a test that changes
    # rows must not leave its table in the cache for the next test, nor find the last one's
    workdays.forget_overrides()
    yield
    workdays.forget_overrides()


# 2024 schedule of the State Council (国办发明电〔2023〕7号). 春节: 2-10..2-17 off, Sundays 2-4 and
# 2-18 worked; 除夕 2-9 stays a working day (the notice only encourages giving it off). 国庆:
# 10-1..10-7 off, Sunday 9-29 and Saturday 10-12 worked.
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2024, 2, 4), True),  # Sunday, 调休 worked
        (D(2024, 2, 8), True),
        (D(2024, 2, 9), True),  # 除夕
        (D(2024, 2, 10), False),
        (D(2024, 2, 12), False),  # a Monday inside the holiday
        (D(2024, 2, 16), False),
        (D(2024, 2, 17), False),
        (D(2024, 2, 18), True),  # Sunday, 调休 worked
        (D(2024, 2, 19), True),
        (D(2024, 9, 28), False),  # plain Saturday
        (D(2024, 9, 29), True),  # Sunday, 调休 worked
        (D(2024, 9, 30), True),
        (D(2024, 10, 1), False),
        (D(2024, 10, 4), False),  # a Friday inside the holiday
        (D(2024, 10, 7), False),
        (D(2024, 10, 8), True),
        (D(2024, 10, 12), True),  # Saturday, 调休 worked
        (D(2024, 10, 13), False),
    ],
)
def test_it_knows_the_2024_holidays_and_adjusted_working_days(fresh_overrides, day, working):
    assert workdays.is_workday(day) is working
    assert workdays.is_workday(day, NONE) is working


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        (D(2024, 2, 2), 1, D(2024, 2, 4)),  # Friday → the worked Sunday
        (D(2024, 2, 8), 1, D(2024, 2, 9)),
        (D(2024, 2, 9), 1, D(2024, 2, 18)),  # over the whole Spring Festival
        (D(2024, 2, 8), 2, D(2024, 2, 18)),
        (D(2024, 2, 1), 5, D(2024, 2, 7)),  # 2-2, Sunday 2-4, 2-5, 2-6, 2-7
        (D(2024, 9, 27), 1, D(2024, 9, 29)),
        (D(2024, 9, 29), 1, D(2024, 9, 30)),
        (D(2024, 9, 30), 1, D(2024, 10, 8)),
        (D(2024, 9, 27), 5, D(2024, 10, 10)),  # the 移交 limit of a clue received 9-27
        (D(2024, 10, 11), 1, D(2024, 10, 12)),
        (D(2024, 10, 12), 1, D(2024, 10, 14)),
        (D(2024, 9, 20), 15, D(2024, 10, 16)),  # the reply limit of a clue closed 9-20
        (D(2024, 10, 1), 0, D(2024, 10, 1)),  # zero days: the day itself, even a holiday
    ],
)
def test_it_adds_working_days_across_holidays(fresh_overrides, start, n, end):
    assert workdays.add_workdays(start, n) == end
    if n:
        assert workdays.workdays_between(start, end) == n
        assert workdays.subtract_workdays(end, n) <= start


def test_it_counts_working_days_between_dates(fresh_overrides):
    assert workdays.workdays_between(D(2024, 9, 27), D(2024, 10, 14)) == 8
    assert workdays.workdays_between(D(2024, 10, 14), D(2024, 9, 27)) == -8
    assert workdays.workdays_between(D(2024, 2, 9), D(2024, 2, 18)) == 1
    assert workdays.workdays_between(D(2024, 10, 1), D(2024, 10, 7)) == 0
    assert workdays.subtract_workdays(D(2024, 2, 18), 1) == D(2024, 2, 9)
    assert workdays.subtract_workdays(D(2024, 10, 8), 2) == D(2024, 9, 29)


def test_it_lets_override_rows_win_over_the_library(fresh_overrides):
    # a unit giving 除夕 off, and a Saturday worked that the library does not know about
    CalendarOverride.objects.create(day=D(2024, 2, 9), is_workday=False, note="除夕")
    CalendarOverride.objects.create(day=D(2024, 3, 9), is_workday=True, note="补班")
    CalendarOverride.objects.create(day=D(2024, 10, 12), is_workday=False, note="取消调休")
    workdays.forget_overrides()
    assert not workdays.is_workday(D(2024, 2, 9))
    assert workdays.add_workdays(D(2024, 2, 8), 1) == D(2024, 2, 18)
    assert workdays.is_workday(D(2024, 3, 9))
    assert workdays.add_workdays(D(2024, 3, 8), 1) == D(2024, 3, 9)
    assert workdays.add_workdays(D(2024, 10, 11), 1) == D(2024, 10, 14)
    assert workdays.workdays_between(D(2024, 9, 27), D(2024, 10, 14)) == 7
    # an explicit table replaces the stored rows altogether
    assert workdays.is_workday(D(2024, 2, 9), NONE)


def test_it_reads_changed_overrides_once_told_to_forget(fresh_overrides):
    assert workdays.is_workday(D(2024, 5, 6))
    CalendarOverride.objects.create(day=D(2024, 5, 6), is_workday=False)
    workdays.forget_overrides()
    assert not workdays.is_workday(D(2024, 5, 6))
    CalendarOverride.objects.filter(day=D(2024, 5, 6)).delete()
    workdays.forget_overrides()
    assert workdays.is_workday(D(2024, 5, 6))


# --- properties, on the library calendar with random override tables ----------------------------

days = st.dates(min_value=D(2019, 1, 1), max_value=D(2026, 12, 31))
counts = st.integers(min_value=0, max_value=45)
tables = st.dictionaries(days, st.booleans(), max_size=12)


@settings(max_examples=150, deadline=None)
@given(start=days, n=counts, extra=tables)
def test_it_lands_on_a_working_day_exactly_n_working_days_later(start, n, extra):
    end = workdays.add_workdays(start, n, extra)
    assert end >= start
    assert workdays.workdays_between(start, end, extra) == n
    if n > 0:
        assert workdays.is_workday(end, extra)
        # nothing earlier would do: the day before has one working day fewer
        assert workdays.workdays_between(start, end - dt.timedelta(days=1), extra) == n - 1
    else:
        assert end == start


@settings(max_examples=100, deadline=None)
@given(start=days, n=counts, extra=tables)
def test_it_grows_strictly_with_n(start, n, extra):
    assert workdays.add_workdays(start, n, extra) < workdays.add_workdays(start, n + 1, extra)


@settings(max_examples=150, deadline=None)
@given(start=days, n=st.integers(min_value=1, max_value=45), extra=tables)
def test_it_subtracts_back_to_the_nth_working_day_before(start, n, extra):
    end = workdays.add_workdays(start, n, extra)
    back = workdays.subtract_workdays(end, n, extra)
    assert back <= start
    assert workdays.is_workday(back, extra)
    assert workdays.workdays_between(back, end, extra) == n
    # it is the n-th working day back, not an earlier one
    assert workdays.add_workdays(back, n, extra) == end
    if workdays.is_workday(start, extra):
        assert back == start


@settings(max_examples=100, deadline=None)
@given(a=days, b=days, extra=tables)
def test_it_counts_between_antisymmetrically(a, b, extra):
    assert workdays.workdays_between(a, b, extra) == -workdays.workdays_between(b, a, extra)
    assert workdays.workdays_between(a, a, extra) == 0
