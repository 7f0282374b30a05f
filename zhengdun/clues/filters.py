"""The ledger's filters, shared by the ledger page and the API: one function, one meaning.

    filter_ledger(queryset, params) -> queryset
    ledger_count(queryset, params) -> (count, capped)     exact up to the cap, as the ledger shows it
    newest_matches(queryset, params) -> ids | None        PostgreSQL's walk for a common search

params is a mapping of filter name to value (a dict, a QueryDict, or a schema's dict). Empty
values mean "no filter". A value that cannot be read (a unit id that is not a number, a date
that is not a date) is ignored here — the page's form and the API schema validate first and
report it; this function must never widen what the queryset passed in allows, so callers pass
an already scoped queryset (accounts.permissions.scope).

Keys:
    unit          unit id: clues handled by OR received by that unit or any unit under it
    channel       channel id
    category      category id
    status        a Status value, several comma-separated, or "open" (the handling clock runs)
    disposition   a Disposition value
    result        a Result value held by any subject
    xingtai       1–4, held by any subject
    flag          "overdue" (red) or "near" (yellow), as deadlines.flag_for
    supervision   a SupervisionLevel value, or "any" for every supervised clue
    pending       "1": clues with a request waiting for approval
    received_from, received_to, closed_from, closed_to   dates, inclusive
    subject       a roster person's exact police number, or else: subject name contains
    q             full-text search (clues.search.filter_clues)
    sort          one of SORTS (default "-received_on"; "-id" when searching with q)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Exists, F, OrderBy, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from zhengdun.accounts.permissions import units_under
from zhengdun.clues import deadlines, search
from zhengdun.clues.models import (
    OPEN_STATES,
    Clue,
    ClueQuerySet,
    ClueSubject,
    Disposition,
    Request,
    Result,
    Status,
    SupervisionLevel,
)
from zhengdun.core.dates import parse_date_or_none
from zhengdun.core.db import one_message
from zhengdun.core.listing import capped_count, count_cap

FILTER_KEYS = (
    "unit",
    "channel",
    "category",
    "status",
    "disposition",
    "result",
    "xingtai",
    "flag",
    "supervision",
    "pending",
    "received_from",
    "received_to",
    "closed_from",
    "closed_to",
    "subject",
    "q",
)

# sort key -> ordering; every ordering ends with id so pages are stable
SORTS: dict[str, tuple[Any, ...]] = {
    "-received_on": ("-received_on", "-id"),
    "received_on": ("received_on", "id"),
    "number": ("number",),
    "-number": ("-number",),
    "deadline": (OrderBy(F("deadline"), nulls_last=True), "id"),
    "-deadline": (OrderBy(F("deadline"), descending=True, nulls_last=True), "-id"),
    "closed_on": (OrderBy(F("closed_on"), nulls_last=True), "id"),
    "-closed_on": (OrderBy(F("closed_on"), descending=True, nulls_last=True), "-id"),
    "-id": ("-id",),
}
DEFAULT_SORT = "-received_on"
# A search without a chosen sort lists the latest registered matches first: ordering a common
# term's many matches by received date means sorting them all, while id order stops after a page.
SEARCH_SORT = "-id"
SORT_LABELS = {
    "-received_on": "受理日期（新→旧）",
    "received_on": "受理日期（旧→新）",
    "number": "线索编号（升序）",
    "-number": "线索编号（降序）",
    "deadline": "办理时限（近→远）",
    "-deadline": "办理时限（远→近）",
    "closed_on": "办结日期（早→晚）",
    "-closed_on": "办结日期（晚→早）",
    "-id": "登记顺序（新→旧）",
}
FLAGS = (deadlines.OVERDUE, deadlines.NEAR)
OPEN = "open"
ANY_SUPERVISION = "any"


def _value(params: Mapping[str, Any], key: str) -> Any:
    value = params.get(key)
    if isinstance(value, str):
        value = value.strip()
    return value if value not in (None, "", [], ()) else None


def _id(value: Any) -> int | None:
    if hasattr(value, "pk"):
        return value.pk
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _statuses(value: Any) -> list[str] | None:
    if isinstance(value, str):
        value = value.split(",")
    wanted: set[str] = set()
    for item in value:
        item = str(item).strip()
        if item == OPEN:
            wanted |= set(OPEN_STATES)
        elif item in Status.values:
            wanted.add(item)
    return sorted(wanted) or None


def sort_key(params: Mapping[str, Any]) -> str:
    """The sort actually applied: the requested one if whitelisted, else the default (for a
    search, SEARCH_SORT)."""
    requested = _value(params, "sort")
    if requested in SORTS:
        return requested
    return SEARCH_SORT if isinstance(_value(params, "q"), str) else DEFAULT_SORT


# set_config(…, true) is SET LOCAL: the settings end with the transaction
WALK_SETTINGS = (
    "SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true), "
    "set_config('enable_sort', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)"
)


@contextmanager
def page_plan(many: bool) -> Iterator[None]:
    """Around fetching a page of a list whose capped count says it matches many rows: on
    PostgreSQL, have the planner walk the sort order's index and stop after the page.

    PostgreSQL estimates a search for a phrase as the product of its bigrams' frequencies and
    the exact-phrase check as 0.5%, so for a common phrase (90,000 of 1M clues) it expected one
    row, collected every match through the GIN index and sorted them: 0.5 s for one page. The
    count we take first is the real figure; with it, walking newest-first finds a page in a few
    hundred rows (20 ms). A search matching few rows keeps the planner's own plan. SQLite drives
    a search from its FTS index already (clues.search). Only the page's own query belongs inside:
    prefetches of its subjects and categories must keep their ordinary plans."""
    if not many or connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # one round trip for the four settings (each its own statement cost ~1 ms)
        cursor.execute(WALK_SETTINGS)
        yield
        # Inside a caller's transaction the block is a savepoint, and releasing it would keep
        # the settings for the rest of that transaction; rolling it back ends them (the page
        # query only reads).
        transaction.set_rollback(True)


def filter_ledger(
    queryset: ClueQuerySet,
    params: Mapping[str, Any],
    *,
    today: dt.date | None = None,
    newest: int | None = None,
) -> ClueQuerySet:
    """Narrow an already scoped clue queryset by the ledger filters in params, and order it.
    newest=N keeps only matches among the newest N clues by id (ledger_count's window)."""
    from zhengdun.org.models import Person, Unit

    qs = queryset
    if newest is not None:
        qs = qs.filter(pk__gt=RawSQL(search.NEWEST_BOUND, (newest,)))  # noqa: S611 - bound parameter
    unit_id = _id(_value(params, "unit"))
    if _value(params, "unit") is not None and unit_id is not None:
        path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first()
        if path is None:
            qs = qs.none()
        else:
            units = units_under([path])
            qs = qs.filter(Q(handling_unit__in=units) | Q(owner_unit__in=units))

    channel_id = _id(_value(params, "channel"))
    if channel_id is not None:
        qs = qs.filter(channel_id=channel_id)

    category_id = _id(_value(params, "category"))
    if category_id is not None:
        # a correlated EXISTS on the link table, answered from its (category_id, clue_id) index
        # row by row while the clue index gives the order — no join, no DISTINCT, no sort of
        # every match (IN (subquery) made SQLite sort all matches: 1 s at 1M clues, EXISTS 2 ms)
        links = Clue.categories.through.objects.filter(category_id=category_id, clue_id=OuterRef("pk"))
        qs = qs.filter(Exists(links))

    status = _value(params, "status")
    if status is not None:
        wanted = _statuses(status)
        if wanted is not None:
            qs = qs.filter(status__in=wanted)

    disposition = _value(params, "disposition")
    if disposition in Disposition.values:
        qs = qs.filter(disposition=disposition)

    subjects = ClueSubject.objects.all()
    narrowed = False
    result = _value(params, "result")
    if result in Result.values:
        subjects, narrowed = subjects.filter(result=result), True
    xingtai = _id(_value(params, "xingtai"))
    if xingtai is not None and 1 <= xingtai <= 4:
        subjects, narrowed = subjects.filter(xingtai=xingtai), True
    subject = _value(params, "subject")
    by_name = False
    if isinstance(subject, str):
        subject = subject[:50]
        if Person.objects.filter(police_no=subject).exists():
            subjects = subjects.filter(person__police_no=subject)
        else:
            subjects, by_name = subjects.filter(name__contains=subject), True
        narrowed = True
    # one subject must meet every subject condition (e.g. 张明's result, not anyone's)
    if by_name and search.query_terms(subject) == [subject.lower()] and len(subject) >= 2:
        # subject names are in the bigram index: narrow by it first, then check the name on
        # those few clues only (a LIKE '%…%' scan of every subject costs seconds at 1M rows)
        qs = search.filter_clues(qs, subject, newest=newest)
        qs = qs.filter(Exists(subjects.filter(clue_id=OuterRef("pk"))))
    elif narrowed:
        qs = qs.filter(pk__in=subjects.values("clue_id"))

    flag = _value(params, "flag")
    if flag in FLAGS:
        today = today or timezone.localdate()
        if flag == deadlines.OVERDUE:
            qs = qs.overdue(today)
        else:
            qs = qs.near_due(today, deadlines.near_until(today))

    supervision = _value(params, "supervision")
    if supervision == ANY_SUPERVISION:
        qs = qs.exclude(supervision_level=SupervisionLevel.NONE)
    elif supervision in SupervisionLevel.values:
        qs = qs.filter(supervision_level=supervision)

    if _value(params, "pending") in ("1", 1, True, "true"):
        waiting = Request.objects.filter(decision=Request.Decision.PENDING)
        qs = qs.filter(pk__in=waiting.values("clue_id"))

    for key, lookup in (
        ("received_from", "received_on__gte"),
        ("received_to", "received_on__lte"),
        ("closed_from", "closed_on__gte"),
        ("closed_to", "closed_on__lte"),
    ):
        day = parse_date_or_none(_value(params, key))
        if day is not None:
            qs = qs.filter(**{lookup: day})

    q = _value(params, "q")
    if isinstance(q, str):
        qs = search.filter_clues(qs, q[:200], newest=newest)

    key = sort_key(params)
    return qs.order_by(*(search.newest_first(qs) if key == "-id" else SORTS[key]))


# How a search's count is taken on PostgreSQL (ledger_count): a walk newest-first over at most
# WALK_ROWS clues, tried when at least PROBE_NEED matches lie among the newest PROBE_ROWS — dense
# enough that cap+1 of them should turn up within half the walk.
PROBE_ROWS = 500
WALK_ROWS = 30_000


def _probe_need(cap: int) -> int:
    return -(-(cap + 1) * PROBE_ROWS * 2 // WALK_ROWS)


def newest_matches(queryset: ClueQuerySet, params: Mapping[str, Any]) -> list[int] | None:
    """On PostgreSQL, for a search whose matches are dense among the newest clues: the ids of the
    newest cap+1 matches of filter_ledger(queryset, params), newest first, found by walking the
    id index (fewer when the walk window held fewer). None where no walk was made: another
    database, no search, or a probe that found matches too sparse to walk.

    Why: a search's matches come from a GIN index as a bitmap built whole before the first row:
    for a four-character phrase matching 90,000 of a million clues that is 30–40 ms here, however
    low the cap. When matches are common, the newest clues hold cap+1 of them after a few thousand
    rows and the walk finds them in ~10 ms; a probe of the newest PROBE_ROWS (≤ 1 ms) says which
    case this is. The ids give ledger_count its capped figure and the ledger its first pages."""
    q = _value(params, "q")
    if connection.vendor != "postgresql" or not isinstance(q, str) or not search.query_terms(q):
        return None
    cap = count_cap()
    need = _probe_need(cap)
    probe = filter_ledger(queryset, params, newest=PROBE_ROWS).order_by("-pk").values("pk")[:need]
    walk = filter_ledger(queryset, params, newest=WALK_ROWS).order_by("-pk").values("pk")[: cap + 1]
    try:
        probe_sql, probe_params = probe.query.sql_with_params()
        walk_sql, walk_params = walk.query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing (an unknown unit): nothing to walk
        return None
    # One statement: the probe is a one-time filter PostgreSQL evaluates first, and the walk
    # runs only if it passes. The two texts are the ORM's own; every value stays a parameter.
    # Sent in one message after the walk's settings: a message of several statements is one
    # transaction, which set_config(…, true) lasts for — no BEGIN and COMMIT round trips.
    sql = f"SELECT w.* FROM ({walk_sql}) w WHERE (SELECT count(*) FROM ({probe_sql}) p) >= %s"  # noqa: S608
    sql_params = (*walk_params, *probe_params, need)
    if connection.in_atomic_block or not one_message():
        # In a caller's transaction the settings would outlive this read (a savepoint rolled
        # back ends them).
        with page_plan(True), connection.cursor() as cursor:
            cursor.execute(sql, sql_params)
            rows = cursor.fetchall()
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"{WALK_SETTINGS}; {sql}", sql_params)
            cursor.nextset()
            rows = cursor.fetchall()
    ids = sorted((pk for (pk,) in rows), reverse=True)
    # the probe's matches lie within the walk's window, so a walk that ran found some
    return ids or None


_WALK = object()  # ledger_count's "walk yourself if it helps"


def ledger_count(
    queryset: ClueQuerySet,
    params: Mapping[str, Any],
    filtered: QuerySet[Clue] | None = None,
    newest: Any = _WALK,
) -> tuple[int, bool]:
    """The capped count (core.listing.capped_count) of filter_ledger(queryset, params): the
    caller may pass in that queryset (filtered) and newest_matches' answer when it has them.
    A walk that found cap+1 matches answers "cap+"; one that came up short (matches thinning
    out in older clues) leaves the count to the index, so the figure is always exact up to the
    cap."""
    if newest is _WALK:
        newest = newest_matches(queryset, params)
    cap = count_cap()
    if newest is not None and len(newest) > cap:
        return cap, True
    return capped_count(filtered if filtered is not None else filter_ledger(queryset, params))
