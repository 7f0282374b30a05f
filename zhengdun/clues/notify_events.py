"""Notices raised by what happens on a clue: each role is told of the events it acts on.

    交办 (assign)                          → the handling unit's 单位承办人 (and the named handler)
    拟办意见/提请办结/申请延期 (a request)     → those who may approve it (clues.approve, 领导)
    a request approved or rejected           → the handler who asked
    退回 (return_to_office)                  → the office that assigned it (clues.assign)

Decoupled from the actions: a post_save receiver on the timeline (clues.models.Event, created
rows), connected by importing this module from clues.notifications. Recipients are computed
through accounts.permissions (scope() for visibility, so a 重要 clue reaches only those named,
and a recused person — a subject of the clue — is never told about it); the actor is never
notified of their own step. Rows are written on_commit, after the step itself is durable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from zhengdun.accounts.models import RoleAssignment, User
from zhengdun.accounts.roles import roles_with
from zhengdun.clues import workflow
from zhengdun.clues.models import Clue, Event, Notification, Request, Status

K = Notification.Kind

# timeline code → (notice kind, the request kind it decides, for the "decided" notices)
REQUESTED = {
    "propose_disposition": Request.Kind.DISPOSITION,
    "submit_closure": Request.Kind.CLOSURE,
    "extension_requested": Request.Kind.EXTENSION,
}
DECIDED = {
    "approve_disposition": (Request.Kind.DISPOSITION, "同意"),
    "reject_disposition": (Request.Kind.DISPOSITION, "退回"),
    "approve_closure": (Request.Kind.CLOSURE, "同意"),
    "reject_closure": (Request.Kind.CLOSURE, "退回"),
    "extension_approved": (Request.Kind.EXTENSION, "同意"),
    "extension_rejected": (Request.Kind.EXTENSION, "不同意"),
}

# where the person acts on a notice: the action's form on the clue's page
_APPROVE_ACTION: dict[str, str] = {
    Status.DISPOSITION_PENDING: "approve_disposition",
    Status.CLOSURE_PENDING: "approve_closure",
}


def link_for(note: Notification) -> str:
    """The page a notice opens: the clue's detail page at the step the reader takes next."""
    clue = note.clue
    action = ""
    if note.kind == K.ASSIGNED and clue.status == Status.ASSIGNED:
        action = "propose_disposition"
    elif note.kind == K.APPROVAL:
        action = _APPROVE_ACTION.get(clue.status, "decide_extension")
    elif note.kind == K.RETURNED and clue.status == Status.REGISTERED:
        action = "assign"
    if action:
        return reverse("clues:action", args=[clue.pk, action]) + f"#action-form-{action}"
    return reverse("clues:detail", args=[clue.pk]) + "#timeline"


def _holders(permission: str, units: Iterable[Any]) -> list[User]:
    """Active users holding permission on any of units (a grant on the unit or above it)."""
    paths = [u.path for u in units if u is not None]
    if not paths:
        return []
    grants = RoleAssignment.objects.filter(
        role__in=roles_with(permission), user__is_active=True, unit__is_active=True
    ).select_related("user", "unit")
    found: dict[int, User] = {}
    for grant in grants:
        if any(path.startswith(grant.unit.path) for path in paths):
            found.setdefault(grant.user_id, grant.user)
    return list(found.values())


def _may_be_told(user: User, clue: Clue, actor_id: int | None) -> bool:
    # one visibility rule: scope() (重要 → named viewers only); never a subject of the clue
    if user.pk == actor_id:
        return False
    return workflow.may_see(user, clue) and not workflow.is_recused(user, clue)


def notices_for(event: Event) -> list[Notification]:
    """The notices an event raises (unsaved), or none for a step nobody waits on."""
    clue = event.clue
    code = event.action
    recipients: list[User] = []
    if code == "assign":
        kind = K.ASSIGNED
        recipients = _holders("clues.handle", [clue.handling_unit])
        if clue.handler is not None and all(u.pk != clue.handler_id for u in recipients):
            recipients.append(clue.handler)
        message = (
            f"线索{clue.number}已交办{clue.handling_unit.name if clue.handling_unit else ''}，请及时办理"
        )
    elif code in REQUESTED:
        kind = K.APPROVAL
        units = [clue.owner_unit, clue.handling_unit]
        recipients = _holders("clues.approve", units)
        label = Request.Kind(REQUESTED[code]).label
        message = f"线索{clue.number}有{label}等待您审批"
    elif code in DECIDED:
        kind = K.DECIDED
        request_kind, verdict = DECIDED[code]
        asked = (
            Request.objects.filter(clue=clue, kind=request_kind)
            .exclude(decision=Request.Decision.PENDING)
            .order_by("-decided_at", "-pk")
            .select_related("requested_by")
            .first()
        )
        if asked is not None:
            recipients = [asked.requested_by]
        elif clue.handler is not None:
            recipients = [clue.handler]
        message = f"线索{clue.number}的{Request.Kind(request_kind).label}：{verdict}"
    elif code == "return_to_office":
        kind = K.RETURNED
        recipients = _holders("clues.assign", [clue.owner_unit])
        message = f"线索{clue.number}已被承办单位退回，请重新交办或处理"
    else:
        return []
    if event.note and kind in (K.DECIDED, K.RETURNED):
        message = f"{message}（{event.note}）"
    # a notice is as old as the step that raised it (the demo's steps are backdated after the
    # fact; the notice is written on commit, from the stored row)
    when = event.at
    day = timezone.localtime(when).date()
    return [
        Notification(user=user, clue=clue, kind=kind, deadline=day, created_at=when, message=message[:200])
        for user in recipients
        if _may_be_told(user, clue, event.actor_id)
    ]


def _raise(event_id: int) -> None:
    event = Event.objects.select_related("clue", "clue__handling_unit", "clue__owner_unit").filter(
        pk=event_id
    )
    found = event.first()
    if found is not None:
        Notification.objects.bulk_create(notices_for(found))


def on_event_saved(sender: type[Event], instance: Event, created: bool, raw: bool = False, **_: Any) -> None:
    """post_save of a timeline row: raise its notices once the step is committed."""
    if not created or raw:
        return
    transaction.on_commit(lambda: _raise(instance.pk))


post_save.connect(on_event_saved, sender=Event, dispatch_uid="clues.notify_events")
