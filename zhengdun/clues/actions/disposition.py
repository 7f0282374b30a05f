"""The 处置方式 of a clue: the handler proposes, a leader approves or sends it back; a 暂存待查
clue is brought back."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from zhengdun.accounts.models import User
from zhengdun.clues import deadlines, workflow
from zhengdun.clues.actions import _common
from zhengdun.clues.actions._common import _decide, _move
from zhengdun.clues.models import (
    Clue,
    Disposition,
    Request,
    Status,
)
from zhengdun.core.text import clean_text


@transaction.atomic
def propose_disposition(actor: User, clue: Clue, *, disposition: str, reason: str) -> Request:
    """The handler proposes one of the four dispositions (拟处置意见) for a leader to approve."""
    if disposition not in Disposition.values:
        raise ValidationError({"disposition": "请选择处置方式"})
    reason = clean_text(reason, "reason", "处置理由", required=True, max_length=2000)
    _move(
        actor,
        clue,
        "propose_disposition",
        Status.DISPOSITION_PENDING,
        note=reason,
        data={"disposition": Disposition(disposition).label},
    )
    return Request.objects.create(
        clue=clue, kind=Request.Kind.DISPOSITION, disposition=disposition, reason=reason, requested_by=actor
    )


_DISPOSITION_TARGET = {
    Disposition.TALK_INQUIRY: Status.HANDLING,
    Disposition.PRELIMINARY_CHECK: Status.HANDLING,
    Disposition.HOLD: Status.ON_HOLD,
    Disposition.CLOSE: Status.CLOSED,
}


@transaction.atomic
def approve_disposition(actor: User, clue: Clue, *, comment: str = "") -> Clue:
    """A leader approves the proposed disposition. 谈话函询/初步核实 start the handling (and
    mark when the organisation became aware of the matter); 暂存待查 holds the clue; 予以了结
    closes it."""
    workflow.check(actor, clue, "approve_disposition")
    comment = clean_text(comment, "comment", "审批意见", max_length=2000)
    req = _common._pending(clue, Request.Kind.DISPOSITION)
    _decide(actor, req, Request.Decision.APPROVED, comment)
    disposition = Disposition(req.disposition)
    target = _DISPOSITION_TARGET[disposition]
    fields: dict[str, Any] = {"disposition": disposition.value}
    if disposition in (Disposition.TALK_INQUIRY, Disposition.PRELIMINARY_CHECK) and clue.org_aware_at is None:
        fields["org_aware_at"] = timezone.now()
    if target == Status.CLOSED:
        fields["closed_on"] = _common._today()
        fields["feedback_due"] = deadlines.feedback_due(_common._today()) if clue.reporter_reachable else None
    return _move(
        actor,
        clue,
        "approve_disposition",
        target,
        note=comment,
        data={"disposition": disposition.label},
        **fields,
    )


@transaction.atomic
def reject_disposition(actor: User, clue: Clue, *, comment: str) -> Clue:
    """A leader sends the proposed disposition back to the handler."""
    workflow.check(actor, clue, "reject_disposition")
    comment = clean_text(comment, "reason", "退回理由", required=True)
    _decide(actor, _common._pending(clue, Request.Kind.DISPOSITION), Request.Decision.REJECTED, comment)
    return _move(actor, clue, "reject_disposition", Status.ASSIGNED, note=comment)


@transaction.atomic
def reactivate_clue(actor: User, clue: Clue, *, reason: str) -> Clue:
    """Bring a 暂存待查 clue back when new information arrives; the handler proposes again."""
    reason = clean_text(reason, "reason", "启用理由", max_length=2000)
    return _move(actor, clue, "reactivate", Status.ASSIGNED, note=reason, disposition="")
