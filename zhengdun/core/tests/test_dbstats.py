"""Database settings that make plans fast: SQLite's planner statistics (core.dbstats), written by
refresh and at most daily from the scheduler; PostgreSQL without JIT."""

import pytest
from django.db import connection

from zhengdun.clues.tests.domain_helpers import register
from zhengdun.core import dbstats, scheduler

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's ANALYZE")


def _stat_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchone()[0]


@sqlite_only
def test_refresh_records_the_spread_of_each_index(city, monkeypatch):
    monkeypatch.setattr(dbstats, "_last_run", None)
    register(city)
    assert _stat_rows("clues_clue") == 0
    assert dbstats.refresh() is True
    assert _stat_rows("clues_clue") >= 5  # one row per index of the clue table
    assert _stat_rows("org_unit") >= 1


@sqlite_only
def test_the_scheduler_refreshes_at_most_daily(city, monkeypatch):
    monkeypatch.setattr(dbstats, "_last_run", None)
    calls = []
    monkeypatch.setattr(dbstats, "refresh", lambda: calls.append(1) or True)
    scheduler.run_due_jobs()
    assert calls == [1]
    monkeypatch.setattr(dbstats, "_last_run", dbstats.time.monotonic())
    scheduler.run_due_jobs()
    assert calls == [1]
    monkeypatch.setattr(dbstats, "_last_run", dbstats.time.monotonic() - dbstats.DAY - 1)
    scheduler.run_due_jobs()
    assert calls == [1, 1]


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL keeps its own statistics")
def test_it_leaves_postgresql_to_autovacuum(db):
    assert dbstats.refresh() is False


@pytest.mark.skipif(connection.vendor == "sqlite", reason="a PostgreSQL setting")
def test_postgresql_connections_run_without_jit(db):
    # a mis-estimated page query spent 20–40 ms compiling a plan that ran in 0.5 ms
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
