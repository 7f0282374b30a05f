"""Where a clue goes: 交办 and 退回, 移交 and its outcome, 并件 of a duplicate, deadlines (延期)
and 督办."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues import deadlines, search, workflow
from zhengdun.clues.actions import _common
from zhengdun.clues.actions._common import _bump, _decide, _log, _move, _step
from zhengdun.clues.models import (
    Clue,
    ClueViewer,
    DeadlineChange,
    Event,
    Request,
    Result,
    Sensitivity,
    Status,
    Supervision,
    SupervisionLevel,
    Transfer,
)
from zhengdun.core.text import clean_text
from zhengdun.org.models import Unit


@transaction.atomic
def assign_clue(
    actor: User,
    clue: Clue,
    *,
    unit: Unit,
    handler: User | None = None,
    deadline: dt.date | None = None,
    note: str = "",
) -> Clue:
    """Assign (分办/交办) a registered clue to a handling unit with a deadline. Without an explicit
    deadline the configured rule for the clue's source and categories gives one."""
    workflow.check(actor, clue, "assign")
    note = clean_text(note, "note", "交办意见", max_length=2000)
    if not permissions.has_permission(actor, "clues.assign", unit):
        raise ValidationError({"unit": "只能交办给本单位管辖范围内的单位"})
    if unit.is_area:
        raise ValidationError({"unit": "请选择具体承办单位，而不是县区"})
    if handler is not None and not permissions.has_permission(handler, "clues.handle", unit):
        raise ValidationError({"handler": "该承办人不是承办单位的单位承办人"})
    if handler is not None and workflow.is_recused(handler, clue):
        raise ValidationError({"handler": "该承办人是本线索的被反映人，应当回避"})
    today = _common._today()
    if deadline is None:
        deadline = deadlines.handling_deadline(clue.channel, list(clue.categories.all()), today)
    if deadline < clue.received_on:
        raise ValidationError({"deadline": "办理时限不能早于受理日期"})
    if deadline < today:
        raise ValidationError({"deadline": "办理时限不能早于今天"})
    old = clue.deadline
    _move(
        actor,
        clue,
        "assign",
        Status.ASSIGNED,
        note=note,
        data={"unit": unit.name, "deadline": deadline.isoformat()},
        handling_unit=unit,
        handler=handler,
        assigned_on=today,
        deadline=deadline,
    )
    DeadlineChange.objects.create(
        clue=clue, old_deadline=old, new_deadline=deadline, reason="交办", changed_by=actor
    )
    if handler is not None and clue.sensitivity == Sensitivity.IMPORTANT:
        # a 重要 clue is visible only to named people: assigning it names its handler
        ClueViewer.objects.get_or_create(clue=clue, user=handler)
    return clue


@transaction.atomic
def return_clue(actor: User, clue: Clue, *, reason: str) -> Clue:
    """A handling unit returns a mis-assigned clue (退回) to the office, with a reason."""
    unit = clue.handling_unit
    reason = clean_text(reason, "reason", "退回理由", max_length=2000)
    return _move(
        actor,
        clue,
        "return_to_office",
        Status.REGISTERED,
        note=reason,
        data={"from_unit": unit.name if unit else ""},
        handling_unit=None,
        handler=None,
        deadline=None,
        assigned_on=None,
    )


@transaction.atomic
def transfer_clue(
    actor: User,
    clue: Clue,
    *,
    target: str,
    receiver: str,
    reason: str,
    transferred_on: dt.date | None = None,
) -> Transfer:
    """Transfer (移交/转办) a clue to a body outside the system; its outcome is recorded later
    and counted. Late transfers (beyond 5 working days of receipt) are flagged, not refused."""
    workflow.check(actor, clue, "transfer")
    if target not in Transfer.Target.values:
        raise ValidationError({"target": "请选择移交对象类别"})
    receiver = clean_text(receiver, "receiver", "接收单位", required=True, max_length=100)
    reason = clean_text(reason, "reason", "移交理由", required=True, max_length=2000)
    transferred_on = transferred_on or _common._today()
    if transferred_on < clue.received_on or transferred_on > _common._today():
        raise ValidationError({"transferred_on": "移交日期应在受理日期与今天之间"})
    transfer = Transfer.objects.create(
        clue=clue,
        target=target,
        receiver=receiver,
        transferred_on=transferred_on,
        due_on=deadlines.transfer_due(clue.received_on),
        reason=reason,
        created_by=actor,
    )
    _move(
        actor,
        clue,
        "transfer",
        Status.TRANSFERRED,
        note=reason,
        data={"receiver": receiver, "late": transfer.late},
        deadline=None,
    )
    return transfer


@transaction.atomic
def record_transfer_outcome(
    actor: User, transfer: Transfer, *, outcome: str, result: str = "", outcome_on: dt.date | None = None
) -> Transfer:
    """Record what the receiving body did with a transferred clue (counts in statistics)."""
    clue = Clue.objects.get(pk=transfer.clue_id)
    _step(actor, clue, "record_transfer_outcome")
    if result and result not in Result.values:
        raise ValidationError({"outcome_result": "请选择结果认定"})
    outcome_on = outcome_on or _common._today()
    if outcome_on < transfer.transferred_on:
        raise ValidationError({"outcome_on": "结果反馈日期不能早于移交日期"})
    transfer.outcome = clean_text(outcome, "outcome", "办理结果", required=True, max_length=5000)
    transfer.outcome_result = result
    transfer.outcome_on = outcome_on
    transfer.save(update_fields=["outcome", "outcome_result", "outcome_on"])
    _bump(clue)
    _log(actor, clue, "transfer_outcome_recorded", data={"receiver": transfer.receiver, "result": result})
    return transfer


@transaction.atomic
def merge_clue(actor: User, clue: Clue, *, into: Clue, reason: str = "") -> Clue:
    """Merge a duplicate report (重复件) into the clue already handling the matter: it is kept
    and logged, not processed again."""
    workflow.check(actor, clue, "merge")
    reason = clean_text(reason, "reason", "并件说明", max_length=2000)
    if into.pk == clue.pk:
        raise ValidationError({"into": "不能并入线索本身"})
    if not workflow.may_see(actor, into):
        raise ValidationError({"into": "未找到要并入的线索"})
    if into.merged_into_id is not None:
        raise ValidationError({"into": f"线索{into.number}本身已并入其他线索"})
    _move(
        actor,
        clue,
        "merge",
        Status.MERGED,
        note=reason or f"与线索{into.number}反映同一问题",
        data={"into": into.number},
        merged_into=into,
    )
    Event.objects.create(
        clue=into,
        actor=actor,
        action="duplicate_merged",
        note=f"重复件{clue.number}并入本线索",
        data={"from": clue.number},
    )
    return clue


def duplicate_candidates(actor: User, clue: Clue, limit: int = 5) -> list[tuple[Clue, float]]:
    """Visible clues that look like the same report: sharing a subject (roster person or name)
    and with similar text (bigram Jaccard ≥ settings.CLUE_DUPLICATE_THRESHOLD)."""
    subjects = list(clue.subjects.values_list("person_id", "name"))
    person_ids = [p for p, _ in subjects if p]
    names = [n for _, n in subjects]
    visible = permissions.scope(
        actor, "clues.view", Clue.objects.exclude(pk=clue.pk).exclude(status=Status.MERGED)
    )
    from django.db.models import Q

    candidates = visible.filter(
        Q(subjects__person_id__in=person_ids) | Q(subjects__name__in=names)
    ).distinct()[:200]
    mine = set(search.index_text([clue.summary, clue.content]).split()) - {search.BOUNDARY}
    scored = []
    for other in candidates:
        theirs = set(search.index_text([other.summary, other.content]).split()) - {search.BOUNDARY}
        union = mine | theirs
        score = len(mine & theirs) / len(union) if union else 0.0
        if score >= settings.CLUE_DUPLICATE_THRESHOLD:
            scored.append((other, round(score, 3)))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]


@transaction.atomic
def request_extension(actor: User, clue: Clue, *, new_deadline: dt.date, reason: str) -> Request:
    """Ask for more time (延期), with a reason; a leader decides."""
    _step(actor, clue, "request_extension")
    reason = clean_text(reason, "reason", "延期理由", required=True, max_length=2000)
    if clue.deadline is None:
        raise ValidationError({"new_deadline": "该线索没有办理时限"})
    if new_deadline <= clue.deadline:
        raise ValidationError({"new_deadline": f"延期后的时限须晚于当前时限{clue.deadline:%Y-%m-%d}"})
    if clue.requests.filter(kind=Request.Kind.EXTENSION, decision="").exists():
        raise ValidationError({"new_deadline": "已有待审批的延期申请"})
    req = Request.objects.create(
        clue=clue, kind=Request.Kind.EXTENSION, new_deadline=new_deadline, reason=reason, requested_by=actor
    )
    _bump(clue)
    _log(actor, clue, "extension_requested", note=reason, data={"new_deadline": new_deadline.isoformat()})
    return req


@transaction.atomic
def decide_extension(actor: User, clue: Clue, *, approve: bool, comment: str = "") -> Clue:
    """Approve or refuse the pending extension; an approval moves the deadline and keeps the old
    one in the deadline history."""
    _step(actor, clue, "decide_extension")
    req = _common._pending(clue, Request.Kind.EXTENSION)
    comment = clean_text(comment, "reason", "审批意见", max_length=2000)
    if not approve and not comment:
        raise ValidationError({"reason": "不同意延期须填写理由"})
    _decide(actor, req, Request.Decision.APPROVED if approve else Request.Decision.REJECTED, comment)
    if approve and req.new_deadline is not None:
        old = clue.deadline
        _bump(clue, deadline=req.new_deadline)
        DeadlineChange.objects.create(
            clue=clue,
            old_deadline=old,
            new_deadline=req.new_deadline,
            reason=req.reason[:200],
            changed_by=actor,
        )
    else:
        _bump(clue)
    _log(
        actor,
        clue,
        "extension_approved" if approve else "extension_rejected",
        note=comment,
        data={"new_deadline": req.new_deadline.isoformat() if req.new_deadline else ""},
    )
    return clue


SUPERVISION_REASONS = ("逾期未办结", "进展缓慢", "群众反映强烈", "领导批示", "其他")


@transaction.atomic
def supervise_clue(
    actor: User, clue: Clue, *, level: str, reason: str, note: str = "", report_by: dt.date | None = None
) -> Supervision:
    """Put a clue under supervision (督办) at a level; the clue shows the highest level so far."""
    _step(actor, clue, "supervise")
    if level not in (SupervisionLevel.GENERAL, SupervisionLevel.KEY, SupervisionLevel.LISTED):
        raise ValidationError({"level": "请选择督办等级"})
    if reason not in SUPERVISION_REASONS:
        raise ValidationError({"reason": "请选择督办事由"})
    if report_by and report_by < _common._today():
        raise ValidationError({"report_by": "进展报告期限不能早于今天"})
    sup = Supervision.objects.create(
        clue=clue,
        level=level,
        reason=reason,
        note=clean_text(note, "note", "督办要求", max_length=2000),
        report_by=report_by,
        supervisor=actor,
    )
    order: list[str] = [
        SupervisionLevel.NONE,
        SupervisionLevel.GENERAL,
        SupervisionLevel.KEY,
        SupervisionLevel.LISTED,
    ]
    highest = max(order.index(clue.supervision_level or SupervisionLevel.NONE), order.index(level))
    _bump(clue, supervision_level=order[highest])
    _log(actor, clue, "supervised", note=sup.note, data={"level": sup.get_level_display(), "reason": reason})
    return sup
