"""What the handling found and decided: 核查结论 per subject, 处理措施 and their 形态, 澄清正名,
立案 and the request to close (办结)."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from zhengdun.accounts.models import User
from zhengdun.clues import deadlines, workflow
from zhengdun.clues.actions import _common
from zhengdun.clues.actions._common import _bump, _decide, _log, _move, _step
from zhengdun.clues.models import (
    MEASURE_XINGTAI,
    SUBSTANTIATED,
    Category,
    Clue,
    ClueSubject,
    Disposition,
    Measure,
    MeasureKind,
    Request,
    Result,
    Status,
)
from zhengdun.core.errors import ConflictError
from zhengdun.core.text import clean_text


def _subject_for_step(actor: User, subject: ClueSubject, step: str) -> Clue:
    clue = Clue.objects.get(pk=subject.clue_id)
    _step(actor, clue, step)
    return clue


@transaction.atomic
def record_result(
    actor: User,
    subject: ClueSubject,
    *,
    result: str,
    note: str = "",
    verified_amount: Decimal | None = None,
    finding_categories: list[Category] | None = None,
    expected_result: str | None = None,
) -> ClueSubject:
    """Record the verification result (核查结论) for one subject, with the amount established
    (查实金额) where money is involved and the categories of what was substantiated when they
    differ from the clue's (查实问题类别; none = the clue's). With expected_result (the result the caller's form
    showed), the write is a compare-and-swap on the stored result, so two people recording at
    once cannot silently overwrite each other."""
    clue = _subject_for_step(actor, subject, "record_result")
    if result not in Result.values:
        raise ValidationError({"result": "请选择核查结论"})
    if verified_amount is not None:
        if result not in SUBSTANTIATED:
            raise ValidationError({"verified_amount": "核查结论为属实或部分属实的，才能填写查实金额"})
        if verified_amount < 0 or verified_amount >= Decimal("1e12"):
            raise ValidationError({"verified_amount": "查实金额须为 0 至一万亿元之间的数字"})
    if finding_categories and result not in SUBSTANTIATED:
        raise ValidationError({"finding_categories": "核查结论为属实或部分属实的，才能选择查实问题类别"})
    if finding_categories and any(not c.is_active for c in finding_categories):
        raise ValidationError({"finding_categories": "所选查实问题类别已停用"})
    if result not in SUBSTANTIATED and subject.measures.exists():
        raise ValidationError({"result": "已录入处理措施的，核查结论须为属实或部分属实"})
    note = clean_text(note, "result_note", "核查情况", max_length=5000)
    stored = ClueSubject.objects.filter(pk=subject.pk)
    if expected_result is not None:
        stored = stored.filter(result=expected_result)
    old = ClueSubject.objects.values_list("result", flat=True).get(pk=subject.pk)
    cleared = subject.cleared if result == Result.FALSE else False
    if stored.update(result=result, result_note=note, cleared=cleared, verified_amount=verified_amount) != 1:
        raise ConflictError(f"被反映人{subject.name}的核查结论已被他人修改，请刷新页面查看后再录入")
    subject.finding_categories.set(finding_categories or [])
    subject.refresh_from_db()
    _bump(clue)
    data: dict[str, Any] = {"subject": subject.name, "result": [old, result]}
    if verified_amount is not None:
        data["verified_amount"] = str(verified_amount)
    if finding_categories:
        data["finding_categories"] = [c.name for c in finding_categories]
    _log(actor, clue, "result_recorded", data=data)
    return subject


def _recompute_xingtai(subject: ClueSubject) -> None:
    kinds = list(subject.measures.values_list("kind", flat=True))
    subject.xingtai = max((MEASURE_XINGTAI[k] for k in kinds), default=None)
    subject.save(update_fields=["xingtai"])


def _effective_until(kind: str, decided_on: dt.date) -> dt.date | None:
    """End of a sanction's effect period (影响期), months counted from the decision date."""
    months = settings.SANCTION_PERIOD_MONTHS.get(kind)
    if not months:
        return None
    index = decided_on.month - 1 + months
    year, month = decided_on.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(decided_on.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def add_measure(
    actor: User, subject: ClueSubject, *, kind: str, decided_on: dt.date, note: str = ""
) -> Measure:
    """Record a handling measure (处理措施) for a subject whose allegation was substantiated; the
    subject's 形态 becomes that of their most severe measure."""
    clue = _subject_for_step(actor, subject, "record_measure")
    if kind not in MeasureKind.values:
        raise ValidationError({"kind": "请选择处理措施"})
    if subject.result not in SUBSTANTIATED:
        raise ValidationError({"kind": "核查结论为属实或部分属实的，才能录入处理措施"})
    if decided_on > _common._today():
        raise ValidationError({"decided_on": "决定日期不能晚于今天"})
    if decided_on < clue.received_on:
        raise ValidationError({"decided_on": "决定日期不能早于受理日期"})
    measure = Measure.objects.create(
        subject=subject,
        kind=kind,
        decided_on=decided_on,
        effective_until=_effective_until(kind, decided_on),
        note=clean_text(note, "note", "说明", max_length=200),
        recorded_by=actor,
    )
    _recompute_xingtai(subject)
    _bump(clue)
    _log(
        actor,
        clue,
        "measure_recorded",
        data={"subject": subject.name, "measure": measure.get_kind_display(), "xingtai": subject.xingtai},
    )
    return measure


@transaction.atomic
def remove_measure(actor: User, measure: Measure) -> None:
    """Remove a measure recorded in error; the subject's 形态 is recomputed."""
    subject = measure.subject
    clue = _subject_for_step(actor, subject, "record_measure")
    label = measure.get_kind_display()
    # deleted by the stored row, so of two people removing it at once only one succeeds and the
    # timeline says it once
    deleted, _ = Measure.objects.filter(pk=measure.pk).delete()
    if not deleted:
        raise ConflictError(f"被反映人{subject.name}的该项处理措施已被他人删除，请刷新页面")
    _recompute_xingtai(subject)
    _bump(clue)
    _log(actor, clue, "measure_removed", data={"subject": subject.name, "measure": label})


@transaction.atomic
def set_cleared(actor: User, subject: ClueSubject, *, cleared: bool, note: str = "") -> ClueSubject:
    """Mark 澄清正名 for a subject falsely accused (result 不属实)."""
    clue = _subject_for_step(actor, subject, "record_result")
    note = clean_text(note, "note", "说明", max_length=2000)
    if cleared and subject.result != Result.FALSE:
        raise ValidationError({"cleared": "核查结论为不属实的，才能澄清正名"})
    subject.cleared = cleared
    subject.save(update_fields=["cleared"])
    _bump(clue)
    _log(actor, clue, "cleared" if cleared else "cleared_undone", note=note, data={"subject": subject.name})
    return subject


@transaction.atomic
def record_case(
    actor: User, clue: Clue, *, proposed_on: dt.date | None = None, filed_on: dt.date | None = None
) -> Clue:
    """Record that a 初步核实 led to 拟立案 and/or 立案 (the case itself is 纪委监委's)."""
    _step(actor, clue, "record_case")
    if clue.disposition != Disposition.PRELIMINARY_CHECK:
        raise ValidationError({"proposed_on": "只有初步核实的线索才能登记立案情况"})
    for field, value in (("proposed_on", proposed_on), ("filed_on", filed_on)):
        if value and (value < clue.received_on or value > _common._today()):
            raise ValidationError({field: "日期应在受理日期与今天之间"})
    if proposed_on and filed_on and filed_on < proposed_on:
        raise ValidationError({"filed_on": "立案日期不能早于拟立案日期"})
    _bump(
        clue,
        case_proposed_on=proposed_on or clue.case_proposed_on,
        case_filed_on=filed_on or clue.case_filed_on,
    )
    _log(
        actor,
        clue,
        "case_recorded",
        data={"proposed_on": str(clue.case_proposed_on or ""), "filed_on": str(clue.case_filed_on or "")},
    )
    return clue


@transaction.atomic
def submit_closure(actor: User, clue: Clue, *, reason: str) -> Request:
    """Ask for approval to close (提请办结): every subject needs a result first."""
    workflow.check(actor, clue, "submit_closure")
    reason = clean_text(reason, "reason", "办结报告", required=True, max_length=5000)
    missing = [s.name for s in clue.subjects.all() if not s.result]
    if missing:
        raise ValidationError({"reason": f"以下被反映人尚未录入核查结论：{'、'.join(missing)}"})
    _move(actor, clue, "submit_closure", Status.CLOSURE_PENDING, note=reason)
    return Request.objects.create(clue=clue, kind=Request.Kind.CLOSURE, reason=reason, requested_by=actor)


@transaction.atomic
def approve_closure(actor: User, clue: Clue, *, comment: str = "") -> Clue:
    """A leader approves closing the clue (办结); the reply to a reachable reporter falls due."""
    workflow.check(actor, clue, "approve_closure")
    comment = clean_text(comment, "comment", "审批意见", max_length=2000)
    _decide(actor, _common._pending(clue, Request.Kind.CLOSURE), Request.Decision.APPROVED, comment)
    today = _common._today()
    return _move(
        actor,
        clue,
        "approve_closure",
        Status.CLOSED,
        note=comment,
        closed_on=today,
        feedback_due=deadlines.feedback_due(today) if clue.reporter_reachable else None,
    )


@transaction.atomic
def reject_closure(actor: User, clue: Clue, *, comment: str) -> Clue:
    """A leader sends the closure back for more work."""
    workflow.check(actor, clue, "reject_closure")
    comment = clean_text(comment, "reason", "退回理由", required=True)
    _decide(actor, _common._pending(clue, Request.Kind.CLOSURE), Request.Decision.REJECTED, comment)
    return _move(actor, clue, "reject_closure", Status.HANDLING, note=comment)
