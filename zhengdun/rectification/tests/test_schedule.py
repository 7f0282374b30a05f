"""倒排工期 (rectification.schedule): properties of back_schedule and moves over any calendar —
random days off and 调休 working weekends on top of the library's, the real Spring Festival and
National Day — any template (1..MAX_STEPS steps of 1..MAX_STEP_WORKDAYS working days) and any
deadline; then a few plans worked out by hand on known dates.

The oracle is a plain day-by-day list of the calendar's working days (workdays.is_workday is the
definition of a working day); the arithmetic under test (subtract_workdays, workdays_between) is
never used to check itself."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from zhengdun.core import workdays
from zhengdun.rectification import schedule
from zhengdun.rectification.schedule import MAX_STEP_WORKDAYS, MAX_STEPS, Step

D = dt.date
DAY = dt.timedelta(days=1)
LIBRARY: dict[dt.date, bool] = {}  # the holidays library's calendar alone, no override rows


class Calendar:
    """The working days between lo and hi, listed one by one, for counting by hand."""

    def __init__(self, extra: dict[dt.date, bool], lo: dt.date, hi: dt.date) -> None:
        self.lo, self.hi = lo, hi
        self.extra = extra
        self.working: list[dt.date] = []
        day = lo
        while day <= hi:
            if workdays.is_workday(day, extra):
                self.working.append(day)
            day += DAY

    def is_workday(self, day: dt.date) -> bool:
        assert self.lo <= day <= self.hi, f"{day} outside the listed calendar"
        i = bisect.bisect_left(self.working, day)
        return i < len(self.working) and self.working[i] == day

    def count(self, first: dt.date, last: dt.date) -> int:
        """Working days in [first, last] (0 when last < first)."""
        assert self.lo <= first and last <= self.hi
        if last < first:
            return 0
        return bisect.bisect_right(self.working, last) - bisect.bisect_left(self.working, first)

    def first_on_or_after(self, day: dt.date) -> dt.date:
        i = bisect.bisect_left(self.working, day)
        assert i < len(self.working), "calendar listed too short"
        return self.working[i]

    def last_on_or_before(self, day: dt.date) -> dt.date:
        i = bisect.bisect_right(self.working, day)
        assert i > 0, "calendar listed too short"
        return self.working[i - 1]

    def signed(self, a: dt.date, b: dt.date) -> int:
        """How many working days b lies after a (negative when before)."""
        if b >= a:
            return self.count(a + DAY, b)
        return -self.count(b + DAY, a)


def calendar_for(plans: Sequence[schedule.Plan], extra: dict[dt.date, bool], *days: dt.date) -> Calendar:
    dates = (
        [d for d in days]
        + [s.start for p in plans for s in p.slots]
        + [s.end for p in plans for s in p.slots]
    )
    return Calendar(extra, min(dates) - 40 * DAY, max(dates) + 40 * DAY)


# --- strategies ---------------------------------------------------------------------------------

durations = st.one_of(st.integers(1, 12), st.integers(1, MAX_STEP_WORKDAYS))
templates = st.lists(
    st.builds(
        Step,
        name=st.sampled_from(["制定方案", "集中整治", "验收评估", "建章立制", "案件倒查"]),
        workdays=durations,
    ),
    min_size=1,
    max_size=MAX_STEPS,
)
deadlines = st.dates(min_value=D(2023, 1, 1), max_value=D(2030, 12, 31))


@st.composite
def overrides(draw: st.DrawFn, around: dt.date) -> dict[dt.date, bool]:
    """Days off and 调休 working days near `around`: single days and whole blocks (a long
    holiday, a run of worked weekend days), as an office's CalendarOverride rows would add."""
    table: dict[dt.date, bool] = {}
    for offset, length, working in draw(
        st.lists(st.tuples(st.integers(-400, 30), st.integers(1, 12), st.booleans()), max_size=6)
    ):
        for i in range(length):
            table[around + dt.timedelta(days=offset + i)] = working
    for offset, working in draw(st.dictionaries(st.integers(-400, 30), st.booleans(), max_size=15)).items():
        table[around + dt.timedelta(days=offset)] = working
    return table


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[Step], dt.date, dt.date, dict[dt.date, bool]]:
    deadline = draw(deadlines)
    steps = draw(templates)
    total = sum(s.workdays for s in steps)
    # today anywhere from well before the plan's start (fits easily) to after the deadline
    reach = total * 7 // 5 + 60
    today = deadline + dt.timedelta(days=draw(st.integers(-reach, 40)))
    return steps, deadline, today, draw(overrides(deadline))


# anchors of the real calendar: 春节 and 国庆 of 2024–2027 as the holidays library has them
HOLIDAYS = [D(2024, 2, 10), D(2025, 1, 29), D(2026, 2, 17), D(2027, 2, 6)] + [
    D(y, 10, 1) for y in (2024, 2025, 2026, 2027)
]


@st.composite
def holiday_cases(draw: st.DrawFn) -> tuple[list[Step], dt.date, dt.date, dict[dt.date, bool]]:
    deadline = draw(st.sampled_from(HOLIDAYS)) + dt.timedelta(days=draw(st.integers(-20, 20)))
    steps = draw(
        st.lists(st.builds(Step, name=st.just("节点"), workdays=st.integers(1, 30)), min_size=1, max_size=6)
    )
    today = deadline - dt.timedelta(days=draw(st.integers(-10, 120)))
    return steps, deadline, today, LIBRARY


# --- the checks every plan must pass ------------------------------------------------------------


def check_plan(
    plan: schedule.Plan, steps: Sequence[Step], deadline: dt.date, today: dt.date, extra: dict[dt.date, bool]
) -> None:
    cal = calendar_for([plan], extra, deadline, today)
    assert len(plan.slots) == len(steps)
    for i, (slot, step) in enumerate(zip(plan.slots, steps, strict=True)):
        assert (slot.position, slot.name, slot.workdays) == (i, step.name, step.workdays)
        assert cal.is_workday(slot.start), f"milestone {i} starts on a day off {slot.start}"
        assert cal.is_workday(slot.end), f"milestone {i} ends on a day off {slot.end}"
        assert slot.start <= slot.end
        assert cal.count(slot.start, slot.end) == step.workdays
    for before, after in zip(plan.slots, plan.slots[1:], strict=False):
        assert after.start == cal.first_on_or_after(before.end + DAY)
    assert plan.slots[-1].end == cal.last_on_or_before(deadline)
    # the plan as a whole covers exactly the template's working days
    assert cal.count(plan.start, plan.slots[-1].end) == sum(s.workdays for s in steps)
    assert plan.fits == (plan.start >= today)
    assert (plan.shortfall > 0) == (not plan.fits)
    if plan.fits:
        assert plan.shortfall == 0
    else:
        # the plan's working days that fall before today: what it lacks
        assert plan.shortfall == cal.count(plan.start, today - DAY)
        if deadline >= today:
            available = cal.count(today, cal.last_on_or_before(deadline))
            assert plan.shortfall == sum(s.workdays for s in steps) - available


@settings(max_examples=200, deadline=None)
@given(cases())
def test_every_plan_is_made_of_working_days_back_to_back_from_the_deadline(case):
    steps, deadline, today, extra = case
    check_plan(schedule.back_schedule(steps, deadline, today, extra), steps, deadline, today, extra)


@settings(max_examples=120, deadline=None)
@given(holiday_cases())
def test_it_schedules_across_the_real_spring_festival_and_national_day(case):
    steps, deadline, today, extra = case
    check_plan(schedule.back_schedule(steps, deadline, today, extra), steps, deadline, today, extra)


@settings(max_examples=100, deadline=None)
@given(cases(), st.data())
def test_a_longer_step_never_moves_a_milestone_later(case, data):
    steps, deadline, today, extra = case
    k = data.draw(st.integers(0, len(steps) - 1), label="step made longer")
    grown = data.draw(st.integers(steps[k].workdays + 1, MAX_STEP_WORKDAYS + 1), label="new length")
    longer = [*steps[:k], Step(steps[k].name, grown), *steps[k + 1 :]]
    old = schedule.back_schedule(steps, deadline, today, extra)
    new = schedule.back_schedule(longer, deadline, today, extra)
    for i, (a, b) in enumerate(zip(old.slots, new.slots, strict=True)):
        if i < k:
            assert b.start < a.start and b.end < a.end
        elif i == k:
            assert b.start < a.start and b.end == a.end
        else:
            assert b == a  # the steps after the longer one do not move at all
    assert new.shortfall >= old.shortfall
    assert new.shortfall - old.shortfall <= grown - steps[k].workdays
    if not old.fits:
        assert not new.fits


@settings(max_examples=100, deadline=None)
@given(cases(), st.integers(1, 400))
def test_a_later_deadline_never_moves_a_milestone_earlier(case, days):
    steps, deadline, today, extra = case
    old = schedule.back_schedule(steps, deadline, today, extra)
    new = schedule.back_schedule(steps, deadline + dt.timedelta(days=days), today, extra)
    for a, b in zip(old.slots, new.slots, strict=True):
        assert b.start >= a.start and b.end >= a.end
    assert new.shortfall <= old.shortfall


@settings(max_examples=100, deadline=None)
@given(cases(), st.integers(1, 60))
def test_a_later_today_never_makes_a_plan_fit(case, days):
    steps, deadline, today, extra = case
    plan = schedule.back_schedule(steps, deadline, today, extra)
    later = schedule.back_schedule(steps, deadline, today + dt.timedelta(days=days), extra)
    assert later.slots == plan.slots  # today flags the plan, it never moves it
    assert later.shortfall >= plan.shortfall


def test_an_empty_template_gives_an_empty_plan_that_fits():
    plan = schedule.back_schedule([], D(2026, 12, 31), D(2026, 11, 30), LIBRARY)
    assert (plan.slots, plan.fits, plan.shortfall, plan.start) == ((), True, 0, None)


# --- moves ----------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(cases())
def test_nothing_moves_between_a_plan_and_itself(case):
    steps, deadline, today, extra = case
    plan = schedule.back_schedule(steps, deadline, today, extra)
    again = schedule.back_schedule(list(steps), deadline, today, extra)
    assert schedule.moves(plan.slots, again.slots, extra) == []


@settings(max_examples=150, deadline=None)
@given(cases(), st.integers(-300, 300), st.data())
def test_moves_are_the_signed_working_day_shifts_of_what_changed(case, days, data):
    steps, deadline, today, extra = case
    # change the deadline and possibly some durations, keep the number of steps
    changed = [
        Step(s.name, data.draw(st.one_of(st.just(s.workdays), st.integers(1, MAX_STEP_WORKDAYS))))
        for s in steps
    ]
    old = schedule.back_schedule(steps, deadline, today, extra)
    new = schedule.back_schedule(changed, deadline + dt.timedelta(days=days), today, extra)
    cal = calendar_for([old, new], extra, deadline, today)
    out = schedule.moves(old.slots, new.slots, extra)
    different = [i for i, (a, b) in enumerate(zip(old.slots, new.slots, strict=True)) if a != b]
    # a step whose duration alone changed keeps its end but is listed (its start moved)
    assert [m.name for m in out] == [new.slots[i].name for i in different]
    for move, i in zip(out, different, strict=True):
        a, b = old.slots[i], new.slots[i]
        assert (move.old_start, move.old_end, move.new_start, move.new_end) == (
            a.start,
            a.end,
            b.start,
            b.end,
        )
        assert move.start_shift == cal.signed(a.start, b.start)
        assert move.end_shift == cal.signed(a.end, b.end)
        assert (move.start_shift > 0) == (b.start > a.start)
        assert (move.start_shift < 0) == (b.start < a.start)
        assert (move.end_shift == 0) == (b.end == a.end)


@settings(max_examples=80, deadline=None)
@given(cases(), st.integers(1, 5))
def test_added_and_dropped_milestones_are_listed_without_dates_on_the_missing_side(case, extra_steps):
    steps, deadline, today, extra = case
    assume(len(steps) + extra_steps <= MAX_STEPS)
    more = [*steps, *(Step(f"新增{i}", 3) for i in range(extra_steps))]
    short = schedule.back_schedule(steps, deadline, today, extra)
    long = schedule.back_schedule(more, deadline, today, extra)
    added = schedule.moves(short.slots, long.slots, extra)
    tail = added[-extra_steps:]
    assert [m.name for m in tail] == [f"新增{i}" for i in range(extra_steps)]
    for move, slot in zip(tail, long.slots[len(steps) :], strict=True):
        assert (move.old_start, move.old_end) == (None, None)
        assert (move.new_start, move.new_end) == (slot.start, slot.end)
        assert (move.start_shift, move.end_shift) == (0, 0)
    dropped = schedule.moves(long.slots, short.slots, extra)
    tail = dropped[-extra_steps:]
    assert [m.name for m in tail] == [f"新增{i}" for i in range(extra_steps)]
    for move, slot in zip(tail, long.slots[len(steps) :], strict=True):
        assert (move.old_start, move.old_end, move.new_start, move.new_end) == (
            slot.start,
            slot.end,
            None,
            None,
        )
    # the milestones both plans have all moved earlier to make room for the added ones
    assert len(added) == len(more) and len(dropped) == len(more)
    assert all(m.start_shift < 0 for m in added[: len(steps)])
    assert all(m.start_shift > 0 for m in dropped[: len(steps)])


def test_a_move_serialises_its_dates_for_the_plan_history():
    old = schedule.back_schedule([Step("制定方案", 2)], D(2026, 12, 18), D(2026, 11, 30), LIBRARY)
    assert schedule.moves(old.slots, [], LIBRARY)[0].as_dict() == {
        "name": "制定方案",
        "old_start": "2026-12-17",
        "old_end": "2026-12-18",
        "new_start": None,
        "new_end": None,
        "start_shift": 0,
        "end_shift": 0,
    }


def test_a_renamed_milestone_is_listed_though_its_dates_stay():
    old = schedule.back_schedule([Step("制定方案", 2)], D(2026, 12, 18), D(2026, 11, 30), LIBRARY)
    new = schedule.back_schedule([Step("制定工作方案", 2)], D(2026, 12, 18), D(2026, 11, 30), LIBRARY)
    [move] = schedule.moves(old.slots, new.slots, LIBRARY)
    assert (move.name, move.start_shift, move.end_shift) == ("制定工作方案", 0, 0)


# --- plans worked out by hand on known dates ------------------------------------------------------


def spans(plan: schedule.Plan) -> list[tuple[dt.date, dt.date]]:
    return [(s.start, s.end) for s in plan.slots]


def test_a_deadline_on_a_sunday_ends_the_plan_on_the_friday_before():
    # 2026-12-20 is a Sunday; the plan ends Friday 12-18 and runs back Monday–Friday
    plan = schedule.back_schedule(
        [Step("制定方案", 3), Step("集中整治", 5)], D(2026, 12, 20), D(2026, 11, 30), LIBRARY
    )
    assert spans(plan) == [(D(2026, 12, 9), D(2026, 12, 11)), (D(2026, 12, 14), D(2026, 12, 18))]
    assert (plan.fits, plan.shortfall) == (True, 0)


def test_a_deadline_in_the_2027_spring_festival_ends_before_the_holiday():
    # The holidays library's 2027 calendar (pinned in uv.lock): 除夕 Fri 2-5 and 2-6..2-10 off.
    # A deadline of Monday 2-8 ends the plan on Thursday 2-4.
    plan = schedule.back_schedule(
        [Step("制定方案", 2), Step("验收评估", 3)], D(2027, 2, 8), D(2026, 11, 30), LIBRARY
    )
    assert spans(plan) == [(D(2027, 1, 29), D(2027, 2, 1)), (D(2027, 2, 2), D(2027, 2, 4))]
    # a plan of the day after the holiday runs back across it: Thu 2-11, then Thu 2-4
    after = schedule.back_schedule([Step("验收评估", 2)], D(2027, 2, 11), D(2026, 11, 30), LIBRARY)
    assert spans(after) == [(D(2027, 2, 4), D(2027, 2, 11))]


def test_an_adjusted_working_saturday_counts_and_national_day_does_not():
    # Saturday 2026-10-10 is worked (调休); 10-1..10-7 are off. Back from 10-10: 验收评估 on
    # the Saturday itself; 制定方案 3 days = Fri 10-9, Thu 10-8, and Wed 9-30 before the holiday.
    plan = schedule.back_schedule(
        [Step("制定方案", 3), Step("验收评估", 1)], D(2026, 10, 10), D(2026, 9, 1), LIBRARY
    )
    assert spans(plan) == [(D(2026, 9, 30), D(2026, 10, 9)), (D(2026, 10, 10), D(2026, 10, 10))]
    assert plan.fits
    # made on 10-1 (a holiday) the plan lacks one working day: 9-30 has passed
    late = schedule.back_schedule(
        [Step("制定方案", 3), Step("验收评估", 1)], D(2026, 10, 10), D(2026, 10, 1), LIBRARY
    )
    assert spans(late) == spans(plan)
    assert (late.fits, late.shortfall) == (False, 1)
    # the worked Sunday 2026-09-20 can end a plan too
    sunday = schedule.back_schedule([Step("集中整治", 2)], D(2026, 9, 20), D(2026, 9, 1), LIBRARY)
    assert spans(sunday) == [(D(2026, 9, 18), D(2026, 9, 20))]


def test_overrides_replace_the_library_calendar():
    # an office gives Friday 12-18 off and works Saturday 12-12
    extra = {D(2026, 12, 18): False, D(2026, 12, 12): True}
    plan = schedule.back_schedule(
        [Step("制定方案", 3), Step("集中整治", 5)], D(2026, 12, 20), D(2026, 11, 30), extra
    )
    # 集中整治: Thu 12-17 back to Sat 12-12 (12-17,16,15,14,12); 制定方案: 12-11, 12-10, 12-9
    assert spans(plan) == [(D(2026, 12, 9), D(2026, 12, 11)), (D(2026, 12, 12), D(2026, 12, 17))]


def test_the_default_template_does_not_fit_a_month_and_says_by_how_much():
    # 通用整改模板: 10 + 40 + 10 + 10 = 70 working days. From Monday 2026-11-30 to Thursday
    # 12-31 there are 24 working days (11-30 and the 23 weekdays of December), so 46 are missing.
    steps = [Step("制定方案", 10), Step("集中整治", 40), Step("验收评估", 10), Step("建章立制", 10)]
    plan = schedule.back_schedule(steps, D(2026, 12, 31), D(2026, 11, 30), LIBRARY)
    assert (plan.fits, plan.shortfall) == (False, 46)
    assert plan.slots[-1].end == D(2026, 12, 31)
    assert plan.slots[-1].start == D(2026, 12, 18)  # 12-18 … 12-31: ten weekdays


def test_a_plan_starting_on_the_monday_after_a_weekend_today_fits():
    # today Saturday 2026-12-05; the plan's first day is Monday 12-07
    plan = schedule.back_schedule([Step("集中整治", 5)], D(2026, 12, 11), D(2026, 12, 5), LIBRARY)
    assert (plan.start, plan.fits, plan.shortfall) == (D(2026, 12, 7), True, 0)
    # on Tuesday it lacks Monday
    late = schedule.back_schedule([Step("集中整治", 5)], D(2026, 12, 11), D(2026, 12, 8), LIBRARY)
    assert (late.fits, late.shortfall) == (False, 1)


def test_the_moves_of_a_deadline_pushed_over_national_day_count_working_days():
    # 中秋节 Friday 2026-09-25 and 国庆 10-1..10-7 are off
    steps = [Step("制定方案", 2), Step("验收评估", 2)]
    old = schedule.back_schedule(steps, D(2026, 9, 30), D(2026, 9, 1), LIBRARY)
    new = schedule.back_schedule(steps, D(2026, 10, 9), D(2026, 9, 1), LIBRARY)
    assert spans(old) == [(D(2026, 9, 24), D(2026, 9, 28)), (D(2026, 9, 29), D(2026, 9, 30))]
    assert spans(new) == [(D(2026, 9, 29), D(2026, 9, 30)), (D(2026, 10, 8), D(2026, 10, 9))]
    first, second = schedule.moves(old.slots, new.slots, LIBRARY)
    # 9-24 → 9-29 passes 9-28 and 9-29; 9-28 → 9-30 passes 9-29 and 9-30
    assert (first.start_shift, first.end_shift) == (2, 2)
    # 9-29 → 10-8 passes 9-30 and 10-8 (the holiday counts nothing); 9-30 → 10-9: 10-8, 10-9
    assert (second.start_shift, second.end_shift) == (2, 2)
    back = schedule.moves(new.slots, old.slots, LIBRARY)
    assert [(m.start_shift, m.end_shift) for m in back] == [(-2, -2), (-2, -2)]
