"""What every clue action shares: the timeline-and-audit log of a step, the guarded transition,
the guarded save, the workflow check, the pending request and its decision, and today's date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone

from zhengdun.accounts.models import User
from zhengdun.audit.chain import record
from zhengdun.clues import workflow
from zhengdun.clues.models import (
    Clue,
    Event,
    Request,
)
from zhengdun.core.errors import ConflictError
from zhengdun.core.versioning import guarded_update

CLUE_FIELDS = (
    "channel_id",
    "received_on",
    "external_ref",
    "reporting_mode",
    "summary",
    "content",
    "sensitivity",
)
CONFLICT = "该线索已被他人处理或修改，请刷新页面查看最新情况后再操作"


def _log(
    actor: User, clue: Clue, action: str, *, note: str = "", before: str = "", data: dict | None = None
) -> None:
    """The timeline event and the audit entry of one step, written together."""
    Event.objects.create(
        clue=clue,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=before,
        to_status=clue.status if before else "",
        note=note,
        data=data or {},
    )
    audit_data = {"note": note, **(data or {})}
    if before:
        audit_data["status"] = [before, clue.status]
    record(actor, f"clue.{action}", clue, audit_data)


def _move(
    actor: User,
    clue: Clue,
    name: str,
    target: str,
    *,
    note: str = "",
    data: dict | None = None,
    **fields: Any,
) -> Clue:
    """Apply one transition of the table, guarded on the stored status."""
    action = workflow.check(actor, clue, name)
    if target not in action.targets:
        raise ValueError(f"{name} cannot lead to {target}")
    if action.needs_reason and not note.strip():
        raise ValidationError({"reason": "请填写理由"})
    before = clue.status
    moved = Clue.objects.filter(pk=clue.pk, status=before).update(
        status=target, version=F("version") + 1, updated_at=timezone.now(), **fields
    )
    if moved != 1:
        raise ConflictError(CONFLICT)
    clue.refresh_from_db()
    _log(actor, clue, name, note=note, before=before, data=data)
    return clue


def _step(actor: User, clue: Clue, name: str) -> workflow.Action:
    """The workflow check of a step that is not a transition (state and permission)."""
    return workflow.check(actor, clue, name)


def _bump(clue: Clue, version: int | None = None, **fields: Any) -> None:
    """Save fields of a clue through the one optimistic-lock guard (core.versioning), on the
    caller's version or the one loaded, stamping updated_at, and read the clue back so the caller
    holds what is stored."""
    expected = clue.version if version is None else version
    guarded_update(Clue, clue.pk, expected, CONFLICT, updated_at=timezone.now(), **fields)
    clue.refresh_from_db()


def _today() -> dt.date:
    # Callers elsewhere in the package read it as _common._today() so a test can set the clock
    # in one place (and _common._pending likewise, to hold two approvers at the same point).
    return timezone.localdate()


def _pending(clue: Clue, kind: str) -> Request:
    req = clue.requests.filter(kind=kind, decision="").first()
    if req is None:
        raise ConflictError("没有待审批的申请，可能已被他人处理")
    return req


def _decide(actor: User, req: Request, decision: str, comment: str) -> None:
    if req.requested_by_id == getattr(actor, "pk", None):
        raise PermissionDenied("审批人不能是申请人本人")
    done = Request.objects.filter(pk=req.pk, decision="").update(
        decision=decision, decided_by=actor, decided_at=timezone.now(), comment=comment
    )
    if done != 1:
        raise ConflictError("该申请已被他人审批")
