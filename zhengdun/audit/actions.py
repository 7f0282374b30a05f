"""The audit administrator's own actions, which are audited like anyone else's (等保 requires
the auditor's searches and checks to leave a trace).

Reading the trail needs `audit.view`, held only by 审计管理员. There is no action that changes
or removes an entry: the table is append-only in the database (migration 0002_append_only).

The chain check behind "校验日志链" takes about a minute per million entries, too long for a
request, so request_verification() only records a VerificationRun and hands it to the
background after the commit (audit.tasks: a Celery task on the scale tier, a thread of the
server process on the embedded tier). Both run run_verification(), which writes the outcome on
the run and one audit entry in the requesting auditor's name.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.audit.chain import check_chain, record
from zhengdun.audit.context import client_ip
from zhengdun.audit.models import ABANDONED_AFTER, VerificationRun

if TYPE_CHECKING:
    from zhengdun.accounts.models import User

log = logging.getLogger(__name__)

# How often a running check writes its progress (entries checked so far) for the page.
PROGRESS_EVERY_SECONDS = 1.0
MESSAGE_MAX = 1000


def record_search(actor: User, filters: dict[str, str]) -> None:
    """Audit one search of the log (the first page of a result; paging on is not a new search)."""
    permissions.require(actor, "audit.view")
    with transaction.atomic():
        record(actor, "audit.viewed", None, {"filters": filters})


def _release_abandoned() -> None:
    """Give up the slot of runs unheard of for ABANDONED_AFTER (their process died), so they no
    longer block a new run. Their row stays as it was and shows as 已中断."""
    cutoff = timezone.now() - ABANDONED_AFTER
    VerificationRun.objects.filter(
        Q(started_at__lt=cutoff) | Q(started_at__isnull=True, requested_at__lt=cutoff),
        in_progress=True,
    ).update(in_progress=False)


def _run_in_progress() -> VerificationRun | None:
    return VerificationRun.objects.filter(in_progress=True).first()


def request_verification(actor: User) -> tuple[VerificationRun, bool]:
    """Start a check of the whole chain in the background; returns (run, started).

    Only one run at a time: while one is in progress, that one is returned with started=False
    and nothing new is written. The database's unique index on in_progress decides between two
    presses at the same moment. The press is audited (audit.verify_requested); the background
    job starts only once that is committed.
    """
    permissions.require(actor, "audit.view")
    with transaction.atomic():
        _release_abandoned()
        running = _run_in_progress()
        if running is not None:
            return running, False
        try:
            with transaction.atomic():
                run = VerificationRun.objects.create(requested_by=actor, requested_ip=client_ip.get())
        except IntegrityError:
            # another press won the race; it has committed, so its run is visible now
            return VerificationRun.objects.order_by("-pk")[0], False
        record(actor, "audit.verify_requested", run, {"run": run.pk})

        def start() -> None:
            from zhengdun.audit import tasks

            tasks.start(run.pk)

        transaction.on_commit(start)
    return run, True


def _finish(run_id: int, action: str, data: dict[str, Any], *, success: bool = True, **fields: Any) -> bool:
    """Write the outcome on the run and its audit entry, in one transaction. False when the run
    had already finished (a duplicate delivery of the task)."""
    with transaction.atomic():
        done = VerificationRun.objects.filter(pk=run_id, finished_at__isnull=True).update(
            finished_at=timezone.now(), in_progress=False, **fields
        )
        if not done:
            return False
        run = VerificationRun.objects.select_related("requested_by").get(pk=run_id)
        record(run.requested_by, action, run, {"run": run_id, **data}, success=success)
    return True


def fail_verification(run_id: int, message: str) -> None:
    """Mark a run that could not complete (the check raised, the job could not be queued) as
    failed with the reason, and audit that. Never raises: it runs where nobody would see it."""
    message = message[:MESSAGE_MAX]
    try:
        _finish(
            run_id,
            "audit.verify_failed",
            {"error": message},
            success=False,
            status=VerificationRun.Status.FAILED,
            message=message,
        )
    except Exception:
        log.exception("could not record the failure of audit chain verification run %s", run_id)


def run_verification(run_id: int) -> VerificationRun | None:
    """The background job: check the whole chain for one run and record the outcome.

    Claims the run first (pending → running), so a task delivered twice checks once; returns
    None when there was nothing to claim. The walk runs outside any transaction (it must not hold
    the chain head) and notes its progress on the run about once a second. Any exception marks
    the run failed with the message: a run never stays "running" because its check crashed.
    """
    claimed = VerificationRun.objects.filter(pk=run_id, status=VerificationRun.Status.PENDING).update(
        status=VerificationRun.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        log.warning("audit chain verification run %s is not pending; not run again", run_id)
        return None
    run = VerificationRun.objects.get(pk=run_id)
    token = client_ip.set(run.requested_ip)  # the outcome entry carries the auditor's address
    try:
        last_note = time.monotonic()

        def progress(count: int) -> None:
            nonlocal last_note
            if time.monotonic() - last_note >= PROGRESS_EVERY_SECONDS:
                VerificationRun.objects.filter(pk=run_id).update(entries_checked=count)
                last_note = time.monotonic()

        try:
            report = check_chain(progress=progress)
        except Exception as exc:
            log.exception("audit chain verification run %s failed", run_id)
            fail_verification(run_id, f"校验过程中出错：{type(exc).__name__}: {exc}")
        else:
            problem = report.problem
            _finish(
                run_id,
                "audit.verified",
                {
                    "intact": report.intact,
                    "count": report.count,
                    "last_seq": report.last_seq,
                    "problem": str(problem) if problem else None,
                },
                status=VerificationRun.Status.INTACT if problem is None else VerificationRun.Status.BROKEN,
                entries_checked=report.count,
                last_seq=report.last_seq,
                last_hash=report.last_hash,
                first_broken_seq=problem.seq if problem else None,
                message=problem.reason if problem else "",
            )
    finally:
        client_ip.reset(token)
    return VerificationRun.objects.get(pk=run_id)
