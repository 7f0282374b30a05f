"""Periodic jobs on the embedded tier, in-process.

The jobs are the entries of core.hooks.JOBS, which apps register in their AppConfig.ready().
The scale tier runs the same list from Celery beat (core.tasks.run_jobs). Here one thread in
one server process runs them: every granian worker imports the WSGI module, and the first to
take an exclusive lock on DATA_DIR/scheduler.lock becomes the scheduler; the others skip. The
jobs are idempotent, so a restart that runs one twice does no harm.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from typing import IO

from django.conf import settings
from django.db import close_old_connections, connection

from zhengdun.core import hooks

log = logging.getLogger(__name__)
_lock_file: IO[str] | None = None


def run_due_jobs() -> int:
    """Run every registered job once, in order; returns how many failed (each is logged)."""
    failed = 0
    for job in hooks.JOBS:
        try:
            job.fn()
        except Exception:  # a failing job must not stop the others or the thread
            failed += 1
            log.exception("scheduled job failed: %s", job.name)
        finally:
            # a thread of its own must not hold a broken or stale connection between runs
            # (inside a caller's transaction — a test — the connection is the caller's)
            if not connection.in_atomic_block:
                close_old_connections()
    return failed


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
