"""Paged lists with capped counts: one shape for every list (the clue ledger, self-reports, the
问题清单, the 建章立制 registry) and for the home-page cards and the API counts.

    page_of(queryset, page, per_page, plan=...) -> ListPage

Counting every match of a common filter over a million clues costs seconds on PostgreSQL, so a
count stops at settings.LIST_COUNT_CAP and says "1000+"; pages are read one row beyond their size
to know whether a next page exists."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

# rows per page a user can choose (每页条数); the first is the default. Twenty rows render in
# about a third of the time of fifty (Django templates, ~0.5 ms a row).
PAGE_SIZES = (20, 50, 100)
PAGE_SIZE = PAGE_SIZES[0]


def count_cap() -> int:
    """Exact counts stop here (settings.LIST_COUNT_CAP); beyond it lists say "1000+". One rule
    for every list, the API and the home cards."""
    return settings.LIST_COUNT_CAP


def capped_count(queryset: QuerySet) -> tuple[int, bool]:
    """(count, capped): the exact count up to the cap, else (cap, True)."""
    cap = count_cap()
    n = queryset.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


@dataclass
class ListPage:
    """One page of a list with a count capped at count_cap()."""

    rows: list[Any]
    number: int
    count: int
    capped: bool
    has_next: bool
    per_page: int = PAGE_SIZE

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int | None:
        """None when the count is capped: the last page is not known."""
        if self.capped:
            return None
        return max(1, -(-self.count // self.per_page))

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1

    @property
    def count_label(self) -> str:
        return f"{self.count}+" if self.capped else str(self.count)


# No list has this many pages; a larger number (page=99999999999999999999) would overflow the
# database's OFFSET (SQLite: a 64-bit integer) and answer 500 instead of the last page.
MAX_PAGE = 1_000_000


def page_number(raw: str | None) -> int:
    """The page asked for: a whole number from 1 to MAX_PAGE; anything else (abc, -1, 1.5, empty)
    is the first page, a larger number MAX_PAGE (page_of then shows the last page)."""
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit():
        return 1
    if len(text) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(MAX_PAGE, max(1, int(text)))


def page_size(raw: str | None) -> int:
    """The chosen page size if it is one of PAGE_SIZES, else the default."""
    try:
        size = int(raw or 0)
    except ValueError:
        return PAGE_SIZE
    return size if size in PAGE_SIZES else PAGE_SIZE


def page_of(
    queryset: QuerySet,
    page: str | None,
    per_page: str | None = None,
    *,
    plan: Callable[[bool], AbstractContextManager[Any]] | None = None,
    count_with: Callable[[], tuple[int, bool]] | None = None,
    fetch: Callable[[int, int, bool], list[Any]] | None = None,
) -> ListPage:
    """The requested page of an ordered queryset (select_related/prefetch set by the caller). A
    page past the end shows the last page (of a capped list too: the rows are then counted
    exactly, once, since only such a request needs it); a page number that is not a whole number
    of at least 1 shows the first. plan(capped) wraps the
    page's own query (clues.filters.page_plan steers PostgreSQL for lists matching many rows);
    count_with() replaces capped_count(queryset) and fetch(offset, limit, capped) the page's
    query where a list knows a cheaper way to the same figure and rows (the clue ledger)."""
    size = page_size(per_page)
    count, capped = count_with() if count_with is not None else capped_count(queryset)
    number = page_number(page)
    if not capped:
        number = min(number, max(1, -(-count // size)))
    rows = _rows(queryset, number, size, capped, plan, fetch)
    if capped and not rows and number > 1:
        # past the end of a list counted only up to the cap: its last page needs the real count
        total = queryset.order_by().count()
        number = max(1, -(-total // size))
        rows = _rows(queryset, number, size, capped, plan, fetch)
    return ListPage(rows[:size], number, count, capped, len(rows) > size, size)


def _rows(
    queryset: QuerySet,
    number: int,
    size: int,
    capped: bool,
    plan: Callable[[bool], AbstractContextManager[Any]] | None,
    fetch: Callable[[int, int, bool], list[Any]] | None,
) -> list[Any]:
    """The rows of page number, one beyond its size to know whether a next page exists."""
    offset = (number - 1) * size
    if fetch is not None:
        return fetch(offset, size + 1, capped)
    with plan(capped) if plan is not None else nullcontext():
        return list(queryset[offset : offset + size + 1])
