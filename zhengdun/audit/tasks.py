"""Background jobs of the audit trail: the whole-chain check behind "校验日志链".

On the scale tier (CELERY_BROKER_URL set) it is the Celery task verify_chain, run by a worker.
On the embedded tier there is no worker, and Celery's eager mode would run the task inside the
request, so start() runs the same job in a daemon thread of the server process instead. Either
way the job is actions.run_verification(); a process that dies mid-run leaves the run
unfinished, and the page shows it as abandoned after models.ABANDONED_AFTER.
"""

from __future__ import annotations

import logging
import threading

from celery import shared_task
from django.conf import settings
from django.db import connections

from zhengdun.audit import actions

log = logging.getLogger(__name__)
THREAD_PREFIX = "zhengdun-verify-audit-"


@shared_task(name="zhengdun.audit.tasks.verify_chain", ignore_result=True)
def verify_chain(run_id: int) -> str:
    """Check the chain for one VerificationRun (actions.run_verification); returns its status."""
    run = actions.run_verification(run_id)
    return run.status if run is not None else ""


def _in_thread(run_id: int) -> None:
    try:
        actions.run_verification(run_id)
    except Exception:  # run_verification records its own failures; this is the last resort
        log.exception("audit chain verification thread for run %s failed", run_id)
    finally:
        # this thread's own connections: nobody else would close them
        connections.close_all()


def start(run_id: int) -> None:
    """Hand a committed run to the background (called from transaction.on_commit). If it
    cannot be handed over — the broker is down, no thread can be started — the run is marked
    failed with the reason instead of waiting forever."""
    try:
        if settings.CELERY_BROKER_URL:
            verify_chain.delay(run_id)
        else:
            thread = threading.Thread(
                target=_in_thread, args=(run_id,), name=f"{THREAD_PREFIX}{run_id}", daemon=True
            )
            thread.start()
    except Exception as exc:
        log.exception("could not start audit chain verification run %s", run_id)
        actions.fail_verification(run_id, f"无法启动后台校验任务：{type(exc).__name__}: {exc}")
