"""县区排名: counties ranked by 销号率, then 按期完成率, from the Items of rectification.battlemap
(re-exported there, where callers find every figure of the battle map)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from zhengdun.org.models import Unit
from zhengdun.rectification.battlemap import CITY_GROUP, Item, _pct, county_of
from zhengdun.rectification.status import (
    ProblemStatus,
)


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
    ranked = [rows[pk] for pk in sorted(rows, key=order.__getitem__)]
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


# 县区排名's definition, printed under the ranking (page, export and API)
ON_TIME_NOTE = (
    "按期完成率 = 按期完成的问题数 ÷ 应完成的问题数。应完成：整改时限已过或已整改完成（待验收、已销号）的问题；"
    "按期完成：整改完成日期（无则销号日期）不晚于整改时限的问题。销号率 = 已销号 ÷ 问题总数。"
)
