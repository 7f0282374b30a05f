"""Periodic jobs on the embedded tier, in-process.

The scale tier runs the same functions from Celery beat (config/celery.py). Here one thread in
one server process runs them: every granian worker imports the WSGI module, and the first to
take an exclusive lock on DATA_DIR/scheduler.lock becomes the scheduler; the others skip. The
jobs are idempotent, so a restart that runs one twice does no harm.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable
from typing import IO

from django.conf import settings
from django.db import close_old_connections, connection

log = logging.getLogger(__name__)
_lock_file: IO[str] | None = None


def _jobs() -> list[tuple[str, Callable[[], object]]]:
    from zhengdun.clues.deadlines import scan
    from zhengdun.core import dbstats

    return [("clue deadline scan", scan), ("planner statistics", dbstats.refresh_daily)]


def run_due_jobs() -> None:
    for name, job in _jobs():
        try:
            job()
        except Exception:  # a failing job must not stop the others or the thread
            log.exception("scheduled job failed: %s", name)
        finally:
            # a thread of its own must not hold a broken or stale connection between runs
            # (inside a caller's transaction — a test — the connection is the caller's)
            if not connection.in_atomic_block:
                close_old_connections()


def _loop(stop: threading.Event, interval: float) -> None:
    if stop.wait(10):  # let the server finish starting first
        return
    while True:
        run_due_jobs()
        if stop.wait(interval):
            return


def start_embedded_scheduler() -> threading.Event | None:
    """Start the scheduler thread in this process if it wins the lock; returns its stop event."""
    global _lock_file
    if not settings.EMBEDDED_SCHEDULER:
        return None
    handle = open(settings.DATA_DIR / "scheduler.lock", "a")  # noqa: SIM115 - held for the process life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    _lock_file = handle
    stop = threading.Event()
    thread = threading.Thread(
        target=_loop,
        args=(stop, settings.SCHEDULER_INTERVAL_MINUTES * 60),
        name="zhengdun-scheduler",
        daemon=True,
    )
    thread.start()
    return stop
