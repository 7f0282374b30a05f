"""挂图作战: the figures of the battle map, as plain functions over a scoped Problem queryset and
a day (`today`). The pages and the xlsx export draw these; nothing here filters by unit on its own
— the caller passes `actions.problems_visible(user)`, narrowed by the page's filters.

    load(problems, today)            every problem as an Item, in one query
    matrix(items, columns, counties) units × categories, problems as status chips, the legend
    gantt(problems, unit_id, today)  one unit's plans: milestones as bars, deadlines, today's line
    ranking(items, counties, today)  县区排名 by 销号率, then 按期完成率

The xlsx workbook that draws them is battlemap_export.

The number of queries does not depend on the number of problems: load() is one query, gantt()
two (problems, then milestones), the rest work on what load() returned.

A problem's mark on the map is its derived status (rectification.status), except that an open
problem within the warning window shows as 临期 (yellow): the one colour a leader must act on
before it turns red.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from zhengdun.clues.models import Category
from zhengdun.org.models import PATH_SEGMENT_WIDTH, Unit
from zhengdun.rectification.models import Problem
from zhengdun.rectification.status import (
    COLOURS,
    NEAR_COLOUR,
    ProblemStatus,
    annotate_status,
    derive,
    facts_of,
    is_near,
)

CITY_GROUP = "市直单位"  # units not under any county: the city's own


@dataclass(frozen=True)
class Mark:
    """How a problem shows on the map: a status, or 临期 in place of an open status."""

    key: str
    label: str
    short: str
    colour: str


NEAR = "near"
# Most urgent first: the order of the legend, of chips within a cell and of a cell's fill in the
# export (a cell wears the colour of its most urgent problem).
MARKS: tuple[Mark, ...] = (
    Mark(ProblemStatus.OVERDUE.value, "逾期", "逾", COLOURS[ProblemStatus.OVERDUE]),
    Mark(ProblemStatus.RELAPSED.value, "反弹", "弹", COLOURS[ProblemStatus.RELAPSED]),
    Mark(NEAR, "临期", "临", NEAR_COLOUR),
    Mark(ProblemStatus.NOT_STARTED.value, "未启动", "未", COLOURS[ProblemStatus.NOT_STARTED]),
    Mark(ProblemStatus.IN_PROGRESS.value, "整改中", "中", COLOURS[ProblemStatus.IN_PROGRESS]),
    Mark(ProblemStatus.AWAITING.value, "待验收", "验", COLOURS[ProblemStatus.AWAITING]),
    Mark(ProblemStatus.CLOSED.value, "已销号", "销", COLOURS[ProblemStatus.CLOSED]),
)
MARK_BY_KEY = {m.key: m for m in MARKS}
URGENCY = {m.key: i for i, m in enumerate(MARKS)}


# --- the problems ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One problem as the map shows it (read once, with everything every view needs)."""

    pk: int
    number: str
    title: str
    category_id: int
    category: str
    unit_id: int
    unit: str
    unit_path: str
    leader: str
    person: str
    deadline: dt.date
    progress: Decimal
    status: ProblemStatus
    near: bool
    complete: bool
    completed_on: dt.date | None
    closed_on: dt.date | None

    @property
    def mark(self) -> Mark:
        return MARK_BY_KEY[NEAR if self.near else self.status.value]

    @property
    def flag(self) -> str:
        """临期/逾期 beside the status in the problem list ("" when neither)."""
        if self.status == ProblemStatus.OVERDUE:
            return "逾期"
        return "临期" if self.near else ""

    @property
    def finished(self) -> bool:
        """整改完成: every task at 100% (待验收) or closed off."""
        return self.complete or self.closed_on is not None

    @property
    def finished_on(self) -> dt.date | None:
        return self.completed_on or self.closed_on


_FIELDS = (
    "pk",
    "number",
    "title",
    "category_id",
    "category__name",
    "responsible_unit_id",
    "responsible_unit__name",
    "responsible_unit__path",
    "responsible_leader__name",
    "responsible_person__name",
    "deadline",
    "progress",
    "derived_status",
    "complete",
    "completed_on",
    "closed_on",
)


def load(problems: QuerySet[Problem], today: dt.date) -> list[Item]:
    """Every problem of the queryset as an Item (one query: status derived in SQL, the unit,
    category and people joined)."""
    rows = annotate_status(problems, today).order_by("deadline", "pk").values_list(*_FIELDS)
    items = []
    for (
        pk,
        number,
        title,
        category_id,
        category,
        unit_id,
        unit,
        unit_path,
        leader,
        person,
        deadline,
        progress,
        derived,
        complete,
        completed_on,
        closed_on,
    ) in rows:
        status = ProblemStatus(derived)
        items.append(
            Item(
                pk=pk,
                number=number,
                title=title,
                category_id=category_id,
                category=category,
                unit_id=unit_id,
                unit=unit,
                unit_path=unit_path,
                leader=leader,
                person=person,
                deadline=deadline,
                progress=progress,
                status=status,
                near=is_near(status, deadline, today),
                complete=complete,
                completed_on=completed_on,
                closed_on=closed_on,
            )
        )
    return items


def filtered(
    problems: QuerySet[Problem],
    *,
    category: Category | None = None,
    county: Unit | None = None,
    city_only: bool = False,
    counties: Sequence[Unit] = (),
) -> QuerySet[Problem]:
    """The problems of one category and/or one county (its whole subtree), or of the city's own
    units (city_only: under none of `counties`)."""
    if category is not None:
        problems = problems.filter(category=category)
    if county is not None:
        problems = problems.filter(responsible_unit__in=Unit.objects.filter(path__startswith=county.path))
    elif city_only:
        under = Q(pk__in=[])
        for c in counties:
            under |= Q(path__startswith=c.path)
        problems = problems.exclude(responsible_unit__in=Unit.objects.filter(under).values("pk"))
    return problems


def overlaps(path: str, paths: Sequence[str]) -> bool:
    """Whether the unit at `path` lies in one of the subtrees `paths` or contains one of them."""
    return any(path.startswith(p) or p.startswith(path) for p in paths)


def counties_in_reach(paths: Sequence[str], counties: Iterable[Unit]) -> list[Unit]:
    """The counties that overlap the unit subtrees `paths` (a user's grants): those inside them and
    those containing them — a court's handler sees their own county, partly."""
    return [c for c in counties if overlaps(c.path, paths)]


def county_of(path: str, by_path: dict[str, Unit]) -> Unit | None:
    """The county a unit (by its path) lies in, or is — None for the city's own units."""
    width = PATH_SEGMENT_WIDTH + 1
    for end in range(len(path), 0, -width):
        county = by_path.get(path[:end])
        if county is not None:
            return county
    return None


def columns(items: Iterable[Item], categories: Iterable[Category]) -> list[Category]:
    """The matrix's columns: the national categories (GJ1–GJ6) always, local ones that have
    problems."""
    used = {i.category_id for i in items}
    return [c for c in categories if (c.is_national and c.is_active) or c.pk in used]


# --- 作战图: units × categories ---------------------------------------------------------------


@dataclass
class Row:
    unit_id: int
    unit: str
    path: str
    cells: list[list[Item]]
    total: int = 0
    overdue: int = 0
    html: list[str] = field(default_factory=list)  # the cells as markup, when a page sets it


@dataclass
class Group:
    """The units of one county (or the city's own units), in tree order."""

    county: Unit | None
    rows: list[Row] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.county.name if self.county else CITY_GROUP


@dataclass
class Matrix:
    columns: list[Category]
    groups: list[Group]
    legend: list[tuple[Mark, int]]
    total: int

    @property
    def units(self) -> list[Row]:
        return [r for g in self.groups for r in g.rows]


def _chip_order(item: Item) -> tuple[int, dt.date, str]:
    return (URGENCY[item.mark.key], item.deadline, item.number)


def _grouped(units: Iterable[tuple[int, str, str]], counties: Sequence[Unit], width: int) -> list[Group]:
    """Rows for the units (pk, name, path) under their counties: the city's own units first, then
    the counties in their order, units in tree order within each."""
    by_path = {c.path: c for c in counties}
    groups: dict[int | None, Group] = {}
    for pk, name, path in units:
        county = county_of(path, by_path)
        key = county.pk if county else None
        if key not in groups:
            groups[key] = Group(county)
        groups[key].rows.append(Row(pk, name, path, [[] for _ in range(width)]))
    for group in groups.values():
        group.rows.sort(key=lambda r: r.path)

    def order(g: Group) -> tuple[bool, int, str]:
        return (False, 0, "") if g.county is None else (True, g.county.sort_order, g.county.path)

    return sorted(groups.values(), key=order)


def matrix(items: Sequence[Item], cols: Sequence[Category], counties: Sequence[Unit]) -> Matrix:
    """Rows = responsible units that have problems, grouped under their county (the city's own
    units in a group of their own); columns = `cols`; each cell = that unit's problems of that
    category, most urgent first. The legend counts the problems by mark."""
    column_of = {c.pk: i for i, c in enumerate(cols)}
    shown = [i for i in items if i.category_id in column_of]
    units = {i.unit_id: (i.unit_id, i.unit, i.unit_path) for i in shown}
    groups = _grouped(units.values(), counties, len(cols))
    rows = {r.unit_id: r for g in groups for r in g.rows}
    for item in shown:
        row = rows[item.unit_id]
        row.cells[column_of[item.category_id]].append(item)
        row.total += 1
        row.overdue += item.status == ProblemStatus.OVERDUE
    for row in rows.values():
        for cell in row.cells:
            cell.sort(key=_chip_order)
    counts = Counter(i.mark.key for i in shown)
    return Matrix(
        columns=list(cols),
        groups=groups,
        legend=[(m, counts[m.key]) for m in MARKS],
        total=len(shown),
    )


def units_with_problems(problems: QuerySet[Problem]) -> list[tuple[int, str, str]]:
    """The responsible units of the problems as (pk, name, path), one query."""
    rows = (
        problems.order_by()
        .values_list("responsible_unit_id", "responsible_unit__name", "responsible_unit__path")
        .distinct()
    )
    return sorted(rows, key=lambda r: r[2])


def unit_choices(
    units: Iterable[tuple[int, str, str]], counties: Sequence[Unit]
) -> list[tuple[str, list[tuple[int, str]]]]:
    """Units (pk, name, path) grouped like the matrix's rows: [(group name, [(pk, name)])] —
    the options of the 甘特图's unit select."""
    return [(g.name, [(r.unit_id, r.unit) for r in g.rows]) for g in _grouped(units, counties, 0)]


# --- 甘特图: one unit's plans ------------------------------------------------------------------

BAR_STATES = {
    "done": ("已完成", "green"),
    "overdue": ("逾期", "red"),
    "active": ("进行中", "blue"),
    "planned": ("未开始", "grey"),
    "closed": ("未标记完成", "grey"),
}


@dataclass
class Bar:
    name: str
    start: dt.date
    end: dt.date
    done_on: dt.date | None
    state: str
    left: str  # percentages of the chart's width, formatted for a style attribute
    width: str

    @property
    def label(self) -> str:
        return BAR_STATES[self.state][0]

    @property
    def colour(self) -> str:
        return BAR_STATES[self.state][1]


@dataclass
class Plan:
    problem: Problem
    mark: Mark
    deadline_x: str
    bars: list[Bar]

    @property
    def flip(self) -> bool:
        """Whether the deadline's label goes to the left of its line (near the right edge)."""
        return float(self.deadline_x) > 88


@dataclass
class Tick:
    day: dt.date
    label: str
    x: str


@dataclass
class Gantt:
    start: dt.date  # first day of the axis
    end: dt.date  # last day of the axis (inclusive)
    scale: str  # "month" or "week"
    ticks: list[Tick]
    today: dt.date
    today_x: str
    plans: list[Plan]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


WEEK_SCALE_MAX_DAYS = 120  # up to about four months the axis is by week, beyond that by month


def _pct(value: float) -> str:
    return f"{value:.3f}"


def bar_state(done_on: dt.date | None, start: dt.date, end: dt.date, today: dt.date, closed: bool) -> str:
    """A milestone's state on the chart: done; past its end and not done (逾期, red) — unless
    the problem is closed off, when an unmarked milestone is only that; running; not begun."""
    if done_on is not None:
        return "done"
    if closed:
        return "closed"
    if end < today:
        return "overdue"
    return "active" if start <= today else "planned"


def _axis(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date, str]:
    if (last - first).days < WEEK_SCALE_MAX_DAYS:
        start = first - dt.timedelta(days=first.weekday())
        end = last + dt.timedelta(days=6 - last.weekday())
        return start, end, "week"
    start = first.replace(day=1)
    end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    return start, end, "month"


def _ticks(start: dt.date, end: dt.date, scale: str, x: Any) -> list[Tick]:
    ticks = []
    if scale == "week":
        day = start
        while day <= end:
            ticks.append(Tick(day, f"{day.month}/{day.day}", x(day)))
            day += dt.timedelta(days=7)
        return ticks
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = 1 if months <= 18 else 3  # keep labels legible on A4 landscape
    day = start
    index = 0
    while day <= end:
        if index % step == 0:
            label = f"{day.year}年{day.month}月" if day.month == 1 or index == 0 else f"{day.month}月"
            ticks.append(Tick(day, label, x(day)))
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        index += 1
    return ticks


def gantt(problems: QuerySet[Problem], unit_id: int, today: dt.date) -> Gantt:
    """The plans of one unit's problems (two queries): each problem's milestones as bars between
    their start and end days, its deadline, and today's line; the axis spans them all (and today),
    widened to whole weeks or months."""
    rows = list(
        problems.filter(responsible_unit_id=unit_id)
        .select_related("category")
        .prefetch_related("milestones")
        .order_by("deadline", "pk")
    )
    days: list[dt.date] = [today]
    for p in rows:
        days.append(p.deadline)
        for m in p.milestones.all():
            days.extend((m.start, m.end))
    start, end, scale = _axis(min(days), max(days))
    span = (end - start).days + 1

    def x(day: dt.date) -> str:
        return _pct((day - start).days * 100 / span)

    plans = []
    for p in rows:
        status = derive(facts_of(p), today)
        mark = MARK_BY_KEY[NEAR if is_near(status, p.deadline, today) else status.value]
        bars = [
            Bar(
                m.name,
                m.start,
                m.end,
                m.done_on,
                bar_state(m.done_on, m.start, m.end, today, p.closed_on is not None),
                x(m.start),
                _pct(((m.end - m.start).days + 1) * 100 / span),
            )
            for m in p.milestones.all()
        ]
        # the deadline is a day: its mark stands at that day's end, where its last bar ends
        plans.append(Plan(p, mark, x(p.deadline + dt.timedelta(days=1)), bars))
    return Gantt(start, end, scale, _ticks(start, end, scale, x), today, x(today), plans)


# 县区排名 lives in its own module; its names are part of this one's (the pages, the export and the
# API read every figure of the battle map from here). Imported last: it builds on Item above.
from zhengdun.rectification.battlemap_ranking import (  # noqa: E402, F401 - re-exported
    ON_TIME_NOTE,
    Ranking,
    Standing,
    percent,
    ranking,
)
