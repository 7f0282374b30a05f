"""The ledger's capped count (clues.filters.ledger_count): always the exact count up to the cap,
whichever way it is taken — on PostgreSQL a search whose matches are dense among the newest
clues is counted by walking them newest-first (probe, walk, fall back to the index); elsewhere
by core.listing.capped_count."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from zhengdun.accounts.permissions import scope
from zhengdun.clues import filters
from zhengdun.clues.models import Clue
from zhengdun.clues.tests.test_search import (
    ALPHABET,
    HYPOTHESIS,
    clue_texts,
    make_clue,
    rolled_back,
    scan_matches,
)
from zhengdun.clues.tests.test_search import _fast_passwords as _fast_passwords  # noqa: F401 - autouse fixture

POSTGRES = connection.vendor == "postgresql"


def visible(user: Any):
    return scope(user, "clues.view", Clue.objects.all())


def the_count(user: Any, query: str) -> tuple[int, bool]:
    return filters.ledger_count(visible(user), {"q": query})


def counts_over_every_clue(ctx: CaptureQueriesContext) -> int:
    """Counts among the captured queries not bounded to the newest clues (by the index)."""
    return sum("COUNT(" in q["sql"] and "max(id)" not in q["sql"] for q in ctx.captured_queries)


def newest(user: Any, query: str) -> list[int] | None:
    return filters.newest_matches(visible(user), {"q": query})


@pytest.fixture
def small_windows(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.LIST_COUNT_CAP = 3
    monkeypatch.setattr(filters, "PROBE_ROWS", 4)
    monkeypatch.setattr(filters, "WALK_ROWS", 12)


@HYPOTHESIS
@given(
    rows=st.lists(clue_texts, min_size=1, max_size=14),
    query=st.text(alphabet=ALPHABET, min_size=1, max_size=4),
    cap=st.integers(min_value=1, max_value=6),
    probe=st.integers(min_value=1, max_value=8),
    walk=st.integers(min_value=1, max_value=20),
)
def test_it_is_the_exact_count_up_to_the_cap(city, rows, query, cap, probe, walk):
    from django.conf import settings

    saved = settings.LIST_COUNT_CAP, filters.PROBE_ROWS, filters.WALK_ROWS
    settings.LIST_COUNT_CAP, filters.PROBE_ROWS, filters.WALK_ROWS = cap, probe, walk
    try:
        with rolled_back():
            for row in rows:
                make_clue(city, *row)
            expected = sum(scan_matches([row[0], row[1], *row[2]], query) for row in rows)
            assert the_count(city.office_handler, query) == (min(expected, cap), expected > cap), query
    finally:
        settings.LIST_COUNT_CAP, filters.PROBE_ROWS, filters.WALK_ROWS = saved


def test_the_newest_window_keeps_matches_among_the_newest_clues_only(city):
    clues = [make_clue(city, f"反映赌博问题{i}") for i in range(6)] + [make_clue(city, "反映其他问题")]
    newest_three = {c.pk for c in sorted(clues, key=lambda c: -c.pk)[:3]}
    found = set(
        filters.filter_ledger(visible(city.office_handler), {"q": "赌博"}, newest=3).values_list(
            "pk", flat=True
        )
    )
    assert found == newest_three - {clues[-1].pk}
    assert filters.filter_ledger(visible(city.office_handler), {"q": "赌博"}, newest=0).count() == 0


@pytest.mark.skipif(not POSTGRES, reason="the walk is PostgreSQL's way to the count")
def test_a_dense_search_is_counted_by_walking_the_newest_clues(city, small_windows):
    clues = [make_clue(city, f"反映参与赌博{i}") for i in range(10)]
    assert newest(city.office_handler, "赌博") == [c.pk for c in clues[::-1][:4]]
    with CaptureQueriesContext(connection) as ctx:
        assert the_count(city.office_handler, "赌博") == (3, True)
    assert counts_over_every_clue(ctx) == 0


@pytest.mark.skipif(not POSTGRES, reason="the walk is PostgreSQL's way to the count")
def test_a_walk_that_comes_up_short_falls_back_to_the_exact_count(city, small_windows):
    # three of the newest four match (the probe needs three), but the walk of twelve finds no
    # fourth: the fourth match is older
    make_clue(city, "反映参与赌博的老线索")
    for i in range(10):
        make_clue(city, f"其他问题{i}")
    recent = [make_clue(city, f"反映参与赌博{i}") for i in range(3)]
    assert newest(city.office_handler, "赌博") == [c.pk for c in recent[::-1]]
    with CaptureQueriesContext(connection) as ctx:
        assert the_count(city.office_handler, "赌博") == (3, True)
    assert counts_over_every_clue(ctx) == 1
    # a probe finding too few: no walk, the index counts
    assert newest(city.office_handler, "参与赌博的老") is None
    assert the_count(city.office_handler, "参与赌博的老") == (1, False)


@pytest.mark.skipif(not POSTGRES, reason="the walk is PostgreSQL's way to the count")
def test_the_walk_counts_only_what_the_user_may_see(city, small_windows):
    for i in range(10):
        make_clue(city, f"反映参与赌博{i}")
    # the clues above belong to the city office's unit: a county court's handler sees none
    assert the_count(city.handler_b, "赌博") == (0, False)
    assert newest(city.handler_b, "赌博") is None


def test_without_a_search_it_is_the_plain_capped_count(city, small_windows):
    for i in range(5):
        make_clue(city, f"反映问题{i}")
    assert filters.newest_matches(visible(city.office_handler), {}) is None
    with CaptureQueriesContext(connection) as ctx:
        assert filters.ledger_count(visible(city.office_handler), {}) == (3, True)
    assert counts_over_every_clue(ctx) == 1


@pytest.mark.parametrize("pages", [1, 2, 3])
def test_the_ledger_pages_a_dense_search_in_the_order_of_a_plain_read(
    city, small_windows, monkeypatch: pytest.MonkeyPatch, pages: int
):
    # cap 3, two rows a page (read as three, to know of a next page): on PostgreSQL page 1 comes
    # from the walk's four ids, pages 2–3 lie beyond them and are walked again; every page as a
    # plain newest-first read says
    from zhengdun.clues.views import ledger as ledger_views
    from zhengdun.core import listing

    monkeypatch.setattr(listing, "PAGE_SIZES", (2, 50))
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    for i in range(10):
        make_clue(city, f"反映参与赌博{i}")
    params = {"q": "赌博"}
    scoped = visible(city.office_handler)
    plain = list(filters.filter_ledger(scoped, params).values_list("pk", flat=True))
    walks = []
    real_plan = filters.page_plan
    monkeypatch.setattr(filters, "page_plan", lambda many: walks.append(many) or real_plan(many))
    page = ledger_views.ledger_page(scoped, params, str(pages))
    assert [c.pk for c in page.rows] == plain[(pages - 1) * 2 : pages * 2]
    if POSTGRES:
        # inside the test's transaction the count's walk takes page_plan too; the page walks
        # again only when it is not read by id
        assert connection.in_atomic_block
        assert len(walks) == 1 + (0 if pages == 1 else 1)
    assert page.capped and page.count_label == "3+" and page.has_next
    assert all(c.subject_names == "" and c.channel.name for c in page.rows)


def test_a_search_within_a_filter_that_matches_nothing_counts_nothing(city, small_windows):
    # an unknown unit narrows to nothing before the search (the API passes it through)
    for i in range(10):
        make_clue(city, f"反映参与赌博{i}")
    params = {"q": "赌博", "unit": 987654}
    assert filters.newest_matches(visible(city.office_handler), params) is None
    assert filters.ledger_count(visible(city.office_handler), params) == (0, False)


@pytest.mark.skipif(not POSTGRES, reason="the planner settings are PostgreSQL's")
def test_the_walks_planner_settings_end_with_the_walk_inside_a_transaction(city, small_windows):
    # the test runs inside a transaction, as an export or a task might
    for i in range(10):
        make_clue(city, f"反映参与赌博{i}")
    assert connection.in_atomic_block
    assert newest(city.office_handler, "赌博")
    with filters.page_plan(True):
        list(Clue.objects.values_list("pk")[:1])
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_sort")
        assert cursor.fetchone() == ("on",)
        cursor.execute("SHOW enable_bitmapscan")
        assert cursor.fetchone() == ("on",)


@pytest.mark.skipif(not POSTGRES, reason="the walk is PostgreSQL's way to the count")
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_walk_is_one_message_and_its_settings_end_with_it(city, small_windows):
    # as a web request runs it: autocommit, the settings and the walk sent together
    clues = [make_clue(city, f"反映参与赌博{i}") for i in range(10)]
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as ctx:
        assert newest(city.office_handler, "赌博") == [c.pk for c in clues[::-1][:4]]
    sqls = [q["sql"] for q in ctx.captured_queries]
    walks = [sql for sql in sqls if "set_config(" in sql]
    assert len(walks) == 1 and "SELECT w.* FROM" in walks[0]
    assert not any(sql.startswith(("BEGIN", "SAVEPOINT")) for sql in sqls)
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_sort")
        assert cursor.fetchone() == ("on",)
