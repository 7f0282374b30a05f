"""Planner statistics for SQLite.

SQLite's planner knows nothing of how rows are spread until ANALYZE has run: it assumes an
equality on an indexed column matches about ten rows. At a million clues that made it answer a
search limited to one status by walking every clue of that status and probing the FTS index for
each (1.8 s) instead of reading the search's matches (50 ms). PostgreSQL's autovacuum keeps its
own statistics; this is SQLite's counterpart, run after setup, after a bulk load and daily by
the embedded scheduler.
"""

from __future__ import annotations

import time

from django.db import connection

# rows sampled per index; SQLite's documented setting for a quick approximate ANALYZE
# (2 s at 1M clues, against minutes for a full one)
ANALYSIS_LIMIT = 1000
DAY = 24 * 3600
_last_run: float | None = None


def refresh() -> bool:
    """Sample every index and store the figures (sqlite_stat1); False on other databases."""
    global _last_run
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    _last_run = time.monotonic()
    return True


def refresh_daily() -> bool:
    """refresh() unless this process did so within the last day (a scheduler job)."""
    if _last_run is not None and time.monotonic() - _last_run < DAY:
        return False
    return refresh()
