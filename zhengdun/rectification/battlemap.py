"""挂图作战: the figures of the battle map, as plain functions over a scoped Problem queryset and
a day (`today`). The pages and the xlsx export draw these; nothing here filters by unit on its own
— the caller passes `actions.problems_visible(user)`, narrowed by the page's filters.

    load(problems, today)            every problem as an Item, in one query
    matrix(items, columns, counties) units × categories, problems as status chips, the legend
    gantt(problems, unit_id, today)  one unit's plans: milestones as bars, deadlines, today's line
    ranking(items, counties, today)  县区排名 by 销号率, then 按期完成率
    workbook(...)                    the three sheets of the export (作战图, 县区排名, 问题清单)

The number of queries does not depend on the number of problems: load() is one query, gantt()
two (problems, then milestones), the rest work on what load() returned.

A problem's mark on the map is its derived status (rectification.status), except that an open
problem within the warning window shows as 临期 (yellow): the one colour a leader must act on
before it turns red.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
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


# --- 县区排名 ----------------------------------------------------------------------------------


def percent(part: int, whole: int) -> str:
    """part/whole as a percentage with one decimal, rounded half up ("—" when whole is 0)."""
    if not whole:
        return "—"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}%"


@dataclass
class Standing:
    """One county's figures. Every count is of problems in the caller's scope and filters.

    销号率 (completion rate) = 已销号 / 问题总数.

    按期完成率 (on-time rate) = 按期完成 / 应完成, where
      应完成 (due) = problems whose 整改时限 has passed (deadline before today) or that are
                     finished — every task at 100% (待验收) or closed off (已销号), whatever the date;
      按期完成 (on time) = finished problems whose completion date (the day the last task reached
                     100%, else the 销号日期) is on or before the 整改时限.
    A problem still open before its deadline is in neither. Deadlines are the current ones (after a
    reopening, the new round's).

    逾期, 反弹: problems with that status today (as on the map, so the figures add up with it).
    """

    county: Unit | None
    total: int = 0
    closed: int = 0
    due: int = 0
    on_time: int = 0
    overdue: int = 0
    relapsed: int = 0
    rank: int | None = None

    @property
    def name(self) -> str:
        return self.county.name if self.county else CITY_GROUP

    @property
    def completion(self) -> Decimal | None:
        return Decimal(self.closed) / self.total if self.total else None

    @property
    def punctuality(self) -> Decimal | None:
        return Decimal(self.on_time) / self.due if self.due else None

    @property
    def completion_pct(self) -> str:
        return percent(self.closed, self.total)

    @property
    def on_time_pct(self) -> str:
        return percent(self.on_time, self.due)

    @property
    def bar(self) -> str:
        """The completion rate as a width for a CSS bar."""
        return _pct(float(self.completion or 0) * 100)

    def add(self, item: Item, today: dt.date) -> None:
        self.total += 1
        self.closed += item.status == ProblemStatus.CLOSED
        if item.finished or item.deadline < today:
            self.due += 1
        finished_on = item.finished_on
        if item.finished and finished_on is not None and finished_on <= item.deadline:
            self.on_time += 1
        self.overdue += item.status == ProblemStatus.OVERDUE
        self.relapsed += item.status == ProblemStatus.RELAPSED


@dataclass
class Ranking:
    counties: list[Standing]  # ranked; counties without problems last, without a rank
    city: Standing  # the city's own units: shown, not ranked
    total: Standing


def _key(s: Standing) -> tuple[Decimal, Decimal]:
    missing = Decimal(-1)
    return (
        s.completion if s.completion is not None else missing,
        s.punctuality if s.punctuality is not None else missing,
    )


def ranking(items: Iterable[Item], counties: Sequence[Unit], today: dt.date) -> Ranking:
    """县区排名: per county, ranked by 销号率 then 按期完成率 (higher first); equal figures share a
    rank (1, 1, 3); a county without problems has no rate and no rank."""
    by_path = {c.path: c for c in counties}
    rows = {c.pk: Standing(c) for c in counties}
    city, total = Standing(None), Standing(None)
    for item in items:
        county = county_of(item.unit_path, by_path)
        (rows[county.pk] if county else city).add(item, today)
        total.add(item, today)
    order = {c.pk: i for i, c in enumerate(sorted(counties, key=lambda c: (c.sort_order, c.path)))}
    ranked = sorted(rows.values(), key=lambda s: order[s.county.pk])  # type: ignore[union-attr]
    ranked.sort(key=_key, reverse=True)
    ranked.sort(key=lambda s: s.total == 0)
    previous: tuple[Decimal, Decimal] | None = None
    for position, row in enumerate(ranked, start=1):
        if row.total == 0:
            continue
        key = _key(row)
        row.rank = position if key != previous else ranked[position - 2].rank
        previous = key
    return Ranking(ranked, city, total)


# --- the xlsx export -----------------------------------------------------------------------------

# fills and font colours of the marks in the workbook (the page's palette, from app.css)
XLSX_COLOURS = {
    "red": ("#FDECEA", "#C62828"),
    "orange": ("#FDEBD8", "#B54708"),
    "yellow": ("#FFF4D6", "#8A6100"),
    "grey": ("#ECEFF1", "#5F6368"),
    "blue": ("#E8F0FE", "#1456B8"),
    "teal": ("#DDF3F0", "#0B6E63"),
    "green": ("#E6F4EA", "#1B7D3A"),
}

ITEM_HEADERS = (
    "问题编号",
    "问题名称",
    "问题类别",
    "责任单位",
    "所属县区",
    "责任领导",
    "责任人",
    "整改时限",
    "整改进度（%）",
    "整改状态",
    "临期/逾期",
)
RANKING_HEADERS = ("排名", "县区", "问题总数", "已销号", "销号率", "按期完成率", "逾期", "反弹")
ON_TIME_NOTE = (
    "按期完成率 = 按期完成的问题数 ÷ 应完成的问题数。应完成：整改时限已过或已整改完成（待验收、已销号）的问题；"
    "按期完成：整改完成日期（无则销号日期）不晚于整改时限的问题。销号率 = 已销号 ÷ 问题总数。"
)


def workbook(
    the_matrix: Matrix,
    the_ranking: Ranking,
    items: Sequence[Item],
    counties: Sequence[Unit],
    *,
    today: dt.date,
    scope: str,
) -> bytes:
    """The battle map as an xlsx file: 作战图 (the matrix, a cell per unit and category listing
    its problems with their status words, filled with the colour of the most urgent), 县区排名 and
    问题清单 (one row per problem). `scope` describes the filters, printed in each sheet's title."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "default_date_format": "yyyy-mm-dd"})
    base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "top", "border": 1}
    title = book.add_format({"font_name": "Microsoft YaHei", "bold": True, "font_size": 14})
    note = book.add_format({"font_name": "Microsoft YaHei", "font_size": 9, "font_color": "#646A73"})
    head = book.add_format({**base, "bold": True, "bg_color": "#F0F2F5", "text_wrap": True})
    plain = book.add_format({**base, "text_wrap": True})
    group = book.add_format({**base, "bold": True, "bg_color": "#F7F8FA"})
    day = book.add_format({**base, "num_format": "yyyy-mm-dd"})
    number = book.add_format({**base, "num_format": "0.0"})
    share = book.add_format({**base, "num_format": "0.0%"})
    filled = {
        key: book.add_format({**base, "text_wrap": True, "bg_color": bg, "font_color": fg})
        for key, (bg, fg) in XLSX_COLOURS.items()
    }
    heading = f"挂图作战（{scope}，截至{today.isoformat()}）"

    sheet = book.add_worksheet("作战图")
    sheet.write(0, 0, heading, title)
    legend = "；".join(f"{m.label}{n}项" for m, n in the_matrix.legend)
    sheet.write(1, 0, f"共{the_matrix.total}项：{legend}。单元格底色为该格最需关注的状态。", note)
    headers = ["县区", "责任单位", *(c.name for c in the_matrix.columns), "合计"]
    sheet.write_row(3, 0, headers, head)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, 1 + len(the_matrix.columns), 24)
    sheet.set_column(2 + len(the_matrix.columns), 2 + len(the_matrix.columns), 12)
    r = 4
    for g in the_matrix.groups:
        for row in g.rows:
            sheet.write(r, 0, g.name, group)
            sheet.write(r, 1, row.unit, plain)
            for col, cell in enumerate(row.cells, start=2):
                if not cell:
                    sheet.write_blank(r, col, None, plain)
                    continue
                text = "\n".join(f"{i.number} {i.mark.label}" for i in cell)
                sheet.write(r, col, text, filled[cell[0].mark.colour])
            summary = f"{row.total}项" + (f"（逾期{row.overdue}项）" if row.overdue else "")
            sheet.write(r, 2 + len(row.cells), summary, plain)
            r += 1
    sheet.freeze_panes(4, 2)

    sheet = book.add_worksheet("县区排名")
    sheet.write(0, 0, f"县区排名（{scope}，截至{today.isoformat()}）", title)
    sheet.write(1, 0, ON_TIME_NOTE, note)
    sheet.write_row(3, 0, RANKING_HEADERS, head)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 16)
    sheet.set_column(2, 7, 11)
    r = 4
    for s in [*the_ranking.counties, the_ranking.city, the_ranking.total]:
        if s is the_ranking.city and not s.total:
            continue
        if s is the_ranking.total:
            label, rank = "合计", "—"
        else:
            label, rank = s.name, (s.rank if s.rank is not None else "—")
        sheet.write(r, 0, rank, plain)
        sheet.write(r, 1, label, plain)
        sheet.write_number(r, 2, s.total, plain)
        sheet.write_number(r, 3, s.closed, plain)
        for col, value in ((4, s.completion), (5, s.punctuality)):
            if value is None:
                sheet.write(r, col, "—", plain)
            else:
                sheet.write_number(r, col, float(value), share)
        sheet.write_number(r, 6, s.overdue, plain)
        sheet.write_number(r, 7, s.relapsed, plain)
        r += 1

    sheet = book.add_worksheet("问题清单")
    sheet.write(0, 0, f"问题清单（{scope}，截至{today.isoformat()}）", title)
    sheet.write_row(2, 0, ITEM_HEADERS, head)
    for col, width in enumerate((13, 36, 26, 22, 10, 10, 10, 11, 10, 9, 9)):
        sheet.set_column(col, col, width)
    by_path = {c.path: c for c in counties}
    for r, item in enumerate(items, start=3):
        county = county_of(item.unit_path, by_path)
        status_format = filled[COLOURS[item.status]]
        sheet.write(r, 0, item.number, plain)
        sheet.write(r, 1, item.title, plain)
        sheet.write(r, 2, item.category, plain)
        sheet.write(r, 3, item.unit, plain)
        sheet.write(r, 4, county.name if county else CITY_GROUP, plain)
        sheet.write(r, 5, item.leader, plain)
        sheet.write(r, 6, item.person, plain)
        sheet.write_datetime(r, 7, dt.datetime.combine(item.deadline, dt.time()), day)
        sheet.write_number(r, 8, float(item.progress), number)
        sheet.write(r, 9, item.status.label, status_format)
        flag = item.flag
        if flag:
            sheet.write(r, 10, flag, filled["red" if flag == "逾期" else "yellow"])
        else:
            sheet.write_blank(r, 10, None, plain)
    sheet.freeze_panes(3, 1)
    sheet.autofilter(2, 0, 2 + len(items), len(ITEM_HEADERS) - 1)
    book.close()
    return buffer.getvalue()
