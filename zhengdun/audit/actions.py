"""The audit administrator's own actions, which are audited like anyone else's (等保 requires
the auditor's searches and checks to leave a trace).

Reading the trail needs `audit.view`, held only by 审计管理员. There is no action that changes
or removes an entry: the table is append-only in the database (migration 0002_append_only).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from zhengdun.accounts import permissions
from zhengdun.audit.chain import ChainReport, check_chain, record


def record_search(actor: Any, filters: dict[str, str]) -> None:
    """Audit one search of the log (the first page of a result; paging on is not a new search)."""
    permissions.require(actor, "audit.view")
    with transaction.atomic():
        record(actor, "audit.viewed", None, {"filters": filters})


def verify(actor: Any) -> ChainReport:
    """Check the whole chain and audit the check with its outcome.

    The walk runs outside any transaction (it can take a while on a long chain and must not hold
    the chain head); only the resulting entry is written, in its own short transaction.
    """
    permissions.require(actor, "audit.view")
    report = check_chain()
    with transaction.atomic():
        record(
            actor,
            "audit.verified",
            None,
            {
                "intact": report.intact,
                "count": report.count,
                "last_seq": report.last_seq,
                "problem": str(report.problem) if report.problem else None,
            },
        )
    return report
