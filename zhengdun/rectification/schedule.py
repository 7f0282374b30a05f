"""倒排工期: milestones scheduled backwards from a problem's deadline on the working-day calendar.

A template is an ordered list of steps (制定方案 → 集中整治 → 验收评估 → 建章立制), each lasting
a number of working days. The last step ends on the deadline (on the last working day on or
before it); each earlier step ends on the working day before the next one starts. Both ends of a
milestone are working days and a step of d working days covers exactly d of them.

A plan "fits" when its first milestone starts on or after the day it is made; otherwise it is
flagged with the number of working days it lacks — never silently squeezed.

Pure functions of their inputs (the calendar's overrides can be passed in, as core.workdays
does), so the arithmetic is tested by properties over any calendar and any template.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from zhengdun.core import workdays

MAX_STEP_WORKDAYS = 250  # about a year of working days: longer is a typing error
MAX_STEPS = 20


@dataclass(frozen=True)
class Step:
    name: str
    workdays: int


@dataclass(frozen=True)
class Slot:
    """One scheduled milestone: a step with its first and last working day."""

    position: int
    name: str
    workdays: int
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Plan:
    slots: tuple[Slot, ...]
    # working days the first milestone starts before `today` (0 when the plan fits)
    shortfall: int

    @property
    def fits(self) -> bool:
        return self.shortfall == 0

    @property
    def start(self) -> dt.date | None:
        return self.slots[0].start if self.slots else None


def last_workday_on_or_before(day: dt.date, extra: dict[dt.date, bool] | None = None) -> dt.date:
    if workdays.is_workday(day, extra):
        return day
    return workdays.subtract_workdays(day, 1, extra)


def back_schedule(
    steps: Sequence[Step], deadline: dt.date, today: dt.date, extra: dict[dt.date, bool] | None = None
) -> Plan:
    """The milestones of steps scheduled backwards from deadline, and whether they fit after today."""
    table = workdays.overrides() if extra is None else extra
    slots: list[Slot] = []
    end = last_workday_on_or_before(deadline, table)
    for position in range(len(steps) - 1, -1, -1):
        step = steps[position]
        start = workdays.subtract_workdays(end, step.workdays - 1, table)
        slots.append(Slot(position, step.name, step.workdays, start, end))
        end = workdays.subtract_workdays(start, 1, table)
    slots.reverse()
    shortfall = 0
    if slots and slots[0].start < today:
        # counted from the first milestone's start to the first working day from today on
        first_day = today if workdays.is_workday(today, table) else workdays.add_workdays(today, 1, table)
        shortfall = workdays.workdays_between(slots[0].start, first_day, table)
    return Plan(tuple(slots), shortfall)


@dataclass(frozen=True)
class Move:
    """How one milestone moved between two plans (working days; positive = later)."""

    name: str
    old_start: dt.date | None
    old_end: dt.date | None
    new_start: dt.date | None
    new_end: dt.date | None
    start_shift: int
    end_shift: int

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "old_start": self.old_start.isoformat() if self.old_start else None,
            "old_end": self.old_end.isoformat() if self.old_end else None,
            "new_start": self.new_start.isoformat() if self.new_start else None,
            "new_end": self.new_end.isoformat() if self.new_end else None,
            "start_shift": self.start_shift,
            "end_shift": self.end_shift,
        }


def moves(old: Sequence[Slot], new: Sequence[Slot], extra: dict[dt.date, bool] | None = None) -> list[Move]:
    """What moved from old to new, matched by position: every milestone whose dates changed,
    one that was added (no old dates) or dropped (no new dates)."""
    table = workdays.overrides() if extra is None else extra
    out: list[Move] = []
    for position in range(max(len(old), len(new))):
        a = old[position] if position < len(old) else None
        b = new[position] if position < len(new) else None
        if a and b and (a.start, a.end, a.name) == (b.start, b.end, b.name):
            continue
        named = b or a
        if named is None:  # never: the position is within old or new
            continue
        out.append(
            Move(
                name=named.name,
                old_start=a.start if a else None,
                old_end=a.end if a else None,
                new_start=b.start if b else None,
                new_end=b.end if b else None,
                start_shift=workdays.workdays_between(a.start, b.start, table) if a and b else 0,
                end_shift=workdays.workdays_between(a.end, b.end, table) if a and b else 0,
            )
        )
    return out
