"""Every change to a clue goes through these functions — pages, the API, imports and the seed.

Each function takes the acting user, checks the action against clues.workflow (state and
permission, on the state stored in the database), writes, appends the clue's timeline Event and
the audit entry in the same transaction. A transition guards on the stored status (UPDATE …
WHERE status = old) and an edit on the stored version, so of two people acting at once the
second gets ConflictError and nothing is lost or done twice. Bad input raises ValidationError
with Chinese messages keyed by field name.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.audit.chain import diff, record
from zhengdun.clues import deadlines, search, workflow
from zhengdun.clues.models import (
    MEASURE_XINGTAI,
    SUBSTANTIATED,
    Attachment,
    Category,
    Channel,
    Clue,
    ClueSubject,
    ClueViewer,
    DeadlineChange,
    Disposition,
    Event,
    Feedback,
    Measure,
    MeasureKind,
    NumberSequence,
    ReportingMode,
    Request,
    Result,
    Sensitivity,
    Status,
    Supervision,
    SupervisionLevel,
    Transfer,
)
from zhengdun.core import crypto
from zhengdun.core.errors import ConflictError
from zhengdun.core.files import sniff_upload
from zhengdun.org.models import Person, Unit

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


# --- helpers ---------------------------------------------------------------------------------


def _log(
    actor: Any, clue: Clue, action: str, *, note: str = "", before: str = "", data: dict | None = None
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
    actor: Any, clue: Clue, name: str, target: str, *, note: str = "", data: dict | None = None, **fields: Any
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


def _step(actor: Any, clue: Clue, name: str) -> workflow.Action:
    return workflow.check(actor, clue, name)


def _bump(clue: Clue, version: int | None = None, **fields: Any) -> None:
    """Save fields of a clue, guarded on its version (the caller's, or the one loaded)."""
    expected = clue.version if version is None else version
    moved = Clue.objects.filter(pk=clue.pk, version=expected).update(
        version=F("version") + 1, updated_at=timezone.now(), **fields
    )
    if moved != 1:
        raise ConflictError(CONFLICT)
    clue.refresh_from_db()


def _clean_text(value: str, field: str, label: str, *, required: bool = False, max_length: int = 0) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: f"请填写{label}"})
    if max_length and len(text) > max_length:
        raise ValidationError({field: f"{label}不能超过{max_length}个字"})
    return text


def _today() -> dt.date:
    return timezone.localdate()


def _next_number(owner_unit: Unit, received_on: dt.date) -> str:
    region = owner_unit.region_code_effective()
    key = f"{region}-{received_on.year}"
    NumberSequence.objects.get_or_create(prefix=key)
    seq = NumberSequence.objects.select_for_update().get(prefix=key)
    seq.last += 1
    seq.save(update_fields=["last"])
    return settings.CLUE_NUMBER_PATTERN.format(region=region, year=received_on.year, serial=seq.last)


def _resolve_subjects(actor: Any, subjects: list[dict[str, Any]]) -> list[ClueSubject]:
    """Subjects from the roster must be people the actor may see; free text needs a name."""
    resolved: list[ClueSubject] = []
    visible_people = permissions.scope(actor, "org.view_person", Person.objects.all())
    for i, raw in enumerate(subjects):
        person_id = raw.get("person_id") or raw.get("person")
        if person_id:
            person = (
                visible_people.select_related("unit").filter(pk=getattr(person_id, "pk", person_id)).first()
            )
            if person is None:
                raise ValidationError({"subjects": f"第{i + 1}名被反映人不在您可管理的干警范围内"})
            resolved.append(
                ClueSubject(
                    person=person, name=person.name, unit_text=person.unit.name, position=person.position
                )
            )
            continue
        name = _clean_text(raw.get("name", ""), "subjects", "被反映人姓名", max_length=50)
        if not name:
            raise ValidationError({"subjects": f"第{i + 1}名被反映人：请从名册选择或填写姓名"})
        resolved.append(
            ClueSubject(
                name=name,
                unit_text=_clean_text(raw.get("unit_text", ""), "subjects", "被反映人单位", max_length=100),
                position=_clean_text(raw.get("position", ""), "subjects", "被反映人职务", max_length=60),
            )
        )
    if not resolved:
        raise ValidationError({"subjects": "请至少填写一名被反映人"})
    return resolved


def _reporter_cipher(mode: str, reporter: dict[str, str] | None) -> tuple[str, bool]:
    if mode == ReportingMode.ANONYMOUS and not any((reporter or {}).values()):
        return "", False
    data = {
        k: (v or "").strip()
        for k, v in (reporter or {}).items()
        if k in {"name", "phone", "id_number", "address"}
    }
    if mode == ReportingMode.REAL_NAME and not data.get("name"):
        raise ValidationError({"reporter_name": "实名举报须填写举报人姓名"})
    reachable = bool(data.get("phone") or data.get("address"))
    return (crypto.encrypt(json.dumps(data, ensure_ascii=False)) if data else ""), reachable


# --- registration ------------------------------------------------------------------------------


@transaction.atomic
def register_clue(
    actor: Any,
    *,
    owner_unit: Unit,
    channel: Channel,
    received_on: dt.date,
    reporting_mode: str,
    summary: str,
    subjects: list[dict[str, Any]],
    content: str = "",
    categories: list[Category] | None = None,
    reporter: dict[str, str] | None = None,
    external_ref: str = "",
    sensitivity: str = Sensitivity.NORMAL,
    viewers: list[Any] | None = None,
) -> Clue:
    """Register a clue (登记) with a new number; the registering unit becomes its owner."""
    permissions.require(actor, "clues.register", owner_unit)
    summary = _clean_text(summary, "summary", "反映问题摘要", required=True, max_length=200)
    content = _clean_text(content, "content", "反映问题内容", max_length=20000)
    external_ref = _clean_text(external_ref, "external_ref", "外部编号", max_length=64)
    if received_on > _today():
        raise ValidationError({"received_on": "受理日期不能晚于今天"})
    if reporting_mode not in ReportingMode.values:
        raise ValidationError({"reporting_mode": "请选择举报方式"})
    if sensitivity not in Sensitivity.values:
        raise ValidationError({"sensitivity": "请选择密级"})
    if external_ref:
        existing = Clue.objects.filter(channel=channel, external_ref=external_ref).first()
        if existing is not None:
            raise ValidationError(
                {
                    "external_ref": f"{channel.name}编号“{external_ref}”已登记为线索{existing.number}，请勿重复登记"
                }
            )
    resolved = _resolve_subjects(actor, subjects)
    cipher, reachable = _reporter_cipher(reporting_mode, reporter)
    clue = Clue.objects.create(
        number=_next_number(owner_unit, received_on),
        channel=channel,
        received_on=received_on,
        external_ref=external_ref,
        reporting_mode=reporting_mode,
        reporter_cipher=cipher,
        reporter_reachable=reachable,
        summary=summary,
        content=content,
        sensitivity=sensitivity,
        owner_unit=owner_unit,
        created_by=actor,
        categories_at_receipt=sorted(c.pk for c in categories or []),
    )
    clue.categories.set(categories or [])
    for subject in resolved:
        subject.clue = clue
    ClueSubject.objects.bulk_create(resolved)
    if sensitivity == Sensitivity.IMPORTANT:
        ClueViewer.objects.bulk_create(
            [ClueViewer(clue=clue, user=u) for u in {actor, *(viewers or [])}], ignore_conflicts=True
        )
    search.reindex(clue)
    _log(
        actor,
        clue,
        "registered",
        data={"channel": channel.name, "subjects": [s.name for s in resolved], "summary": summary},
    )
    return clue


@transaction.atomic
def update_clue(
    actor: Any, clue: Clue, *, version: int, categories: list[Category] | None = None, **values: Any
) -> Clue:
    """Correct a clue's registration details (修改) while it is registered or just assigned."""
    unknown = sorted(set(values) - set(CLUE_FIELDS))
    if unknown:
        # status, units, deadline and the like move only through their own actions
        raise TypeError(f"update_clue() cannot change {', '.join(unknown)}")
    _step(actor, clue, "edit")
    before = {f: getattr(clue, f) for f in CLUE_FIELDS}
    if "summary" in values:
        values["summary"] = _clean_text(
            values["summary"], "summary", "反映问题摘要", required=True, max_length=200
        )
    if "content" in values:
        values["content"] = _clean_text(values["content"], "content", "反映问题内容", max_length=20000)
    if "received_on" in values and values["received_on"] > _today():
        raise ValidationError({"received_on": "受理日期不能晚于今天"})
    if "received_on" in values and clue.deadline and values["received_on"] > clue.deadline:
        raise ValidationError({"received_on": "受理日期不能晚于办理时限"})
    if "reporting_mode" in values and values["reporting_mode"] not in ReportingMode.values:
        raise ValidationError({"reporting_mode": "请选择举报方式"})
    if "sensitivity" in values and values["sensitivity"] not in Sensitivity.values:
        raise ValidationError({"sensitivity": "请选择密级"})
    ref = values.get("external_ref", clue.external_ref)
    channel_id = values.get("channel_id", clue.channel_id)
    if ref and Clue.objects.filter(channel_id=channel_id, external_ref=ref).exclude(pk=clue.pk).exists():
        raise ValidationError({"external_ref": f"外部编号“{ref}”已登记为其他线索"})
    _bump(clue, version, **values)
    if clue.sensitivity == Sensitivity.IMPORTANT and not clue.viewers.exists():
        # 重要 with nobody named would hide the clue from everyone, its editor included
        ClueViewer.objects.create(clue=clue, user=actor)
    if categories is not None:
        clue.categories.set(categories)
    search.reindex(clue)
    after = {f: getattr(clue, f) for f in CLUE_FIELDS}
    # dates in the diff: the timeline's JSONField has no date encoder, the audit chain does
    changes = json.loads(json.dumps(diff(before, after), cls=DjangoJSONEncoder))
    _log(actor, clue, "edited", data={"changes": changes})
    return clue


@transaction.atomic
def add_subject(actor: Any, clue: Clue, subject: dict[str, Any]) -> ClueSubject:
    """Add a 被反映人 to a clue."""
    _step(actor, clue, "edit_subjects")
    (new,) = _resolve_subjects(actor, [subject])
    new.clue = clue
    new.save()
    _bump(clue)
    search.reindex(clue)
    _log(actor, clue, "subject_added", data={"name": new.name})
    return new


@transaction.atomic
def remove_subject(actor: Any, subject: ClueSubject) -> None:
    """Remove a 被反映人 that has no result or measures yet; a clue keeps at least one."""
    clue = subject.clue
    _step(actor, clue, "edit_subjects")
    if subject.result or subject.measures.exists():
        raise ValidationError({"subjects": "已录入核查结论或处理措施的被反映人不能删除"})
    if clue.subjects.count() <= 1:
        raise ValidationError({"subjects": "线索至少须有一名被反映人"})
    name = subject.name
    subject.delete()
    _bump(clue)
    search.reindex(clue)
    _log(actor, clue, "subject_removed", data={"name": name})


# --- assignment and disposition ------------------------------------------------------------------


@transaction.atomic
def assign_clue(
    actor: Any,
    clue: Clue,
    *,
    unit: Unit,
    handler: Any = None,
    deadline: dt.date | None = None,
    note: str = "",
) -> Clue:
    """Assign (分办/交办) a registered clue to a handling unit with a deadline. Without an explicit
    deadline the configured rule for the clue's source and categories gives one."""
    workflow.check(actor, clue, "assign")
    if not permissions.has_permission(actor, "clues.assign", unit):
        raise ValidationError({"unit": "只能交办给本单位管辖范围内的单位"})
    if unit.is_area:
        raise ValidationError({"unit": "请选择具体承办单位，而不是县区"})
    if handler is not None and not permissions.has_permission(handler, "clues.handle", unit):
        raise ValidationError({"handler": "该承办人不是承办单位的单位承办人"})
    if handler is not None and workflow.is_recused(handler, clue):
        raise ValidationError({"handler": "该承办人是本线索的被反映人，应当回避"})
    today = _today()
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
def return_clue(actor: Any, clue: Clue, *, reason: str) -> Clue:
    """A handling unit returns a mis-assigned clue (退回) to the office, with a reason."""
    unit = clue.handling_unit
    return _move(
        actor,
        clue,
        "return_to_office",
        Status.REGISTERED,
        note=reason.strip(),
        data={"from_unit": unit.name if unit else ""},
        handling_unit=None,
        handler=None,
        deadline=None,
        assigned_on=None,
    )


@transaction.atomic
def propose_disposition(actor: Any, clue: Clue, *, disposition: str, reason: str) -> Request:
    """The handler proposes one of the four dispositions (拟处置意见) for a leader to approve."""
    if disposition not in Disposition.values:
        raise ValidationError({"disposition": "请选择处置方式"})
    reason = _clean_text(reason, "reason", "处置理由", required=True, max_length=2000)
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


def _pending(clue: Clue, kind: str) -> Request:
    req = clue.requests.filter(kind=kind, decision="").first()
    if req is None:
        raise ConflictError("没有待审批的申请，可能已被他人处理")
    return req


def _decide(actor: Any, req: Request, decision: str, comment: str) -> None:
    if req.requested_by_id == getattr(actor, "pk", None):
        raise PermissionDenied("审批人不能是申请人本人")
    done = Request.objects.filter(pk=req.pk, decision="").update(
        decision=decision, decided_by=actor, decided_at=timezone.now(), comment=comment
    )
    if done != 1:
        raise ConflictError("该申请已被他人审批")


_DISPOSITION_TARGET = {
    Disposition.TALK_INQUIRY: Status.HANDLING,
    Disposition.PRELIMINARY_CHECK: Status.HANDLING,
    Disposition.HOLD: Status.ON_HOLD,
    Disposition.CLOSE: Status.CLOSED,
}


@transaction.atomic
def approve_disposition(actor: Any, clue: Clue, *, comment: str = "") -> Clue:
    """A leader approves the proposed disposition. 谈话函询/初步核实 start the handling (and
    mark when the organisation became aware of the matter); 暂存待查 holds the clue; 予以了结
    closes it."""
    workflow.check(actor, clue, "approve_disposition")
    req = _pending(clue, Request.Kind.DISPOSITION)
    _decide(actor, req, Request.Decision.APPROVED, comment)
    disposition = Disposition(req.disposition)
    target = _DISPOSITION_TARGET[disposition]
    fields: dict[str, Any] = {"disposition": disposition.value}
    if disposition in (Disposition.TALK_INQUIRY, Disposition.PRELIMINARY_CHECK) and clue.org_aware_at is None:
        fields["org_aware_at"] = timezone.now()
    if target == Status.CLOSED:
        fields["closed_on"] = _today()
        fields["feedback_due"] = deadlines.feedback_due(_today()) if clue.reporter_reachable else None
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
def reject_disposition(actor: Any, clue: Clue, *, comment: str) -> Clue:
    """A leader sends the proposed disposition back to the handler."""
    workflow.check(actor, clue, "reject_disposition")
    comment = _clean_text(comment, "reason", "退回理由", required=True)
    _decide(actor, _pending(clue, Request.Kind.DISPOSITION), Request.Decision.REJECTED, comment)
    return _move(actor, clue, "reject_disposition", Status.ASSIGNED, note=comment)


@transaction.atomic
def reactivate_clue(actor: Any, clue: Clue, *, reason: str) -> Clue:
    """Bring a 暂存待查 clue back when new information arrives; the handler proposes again."""
    return _move(actor, clue, "reactivate", Status.ASSIGNED, note=reason.strip(), disposition="")


# --- results, measures, case ------------------------------------------------------------------


def _subject_for_step(actor: Any, subject: ClueSubject, step: str) -> Clue:
    clue = Clue.objects.get(pk=subject.clue_id)
    _step(actor, clue, step)
    return clue


@transaction.atomic
def record_result(
    actor: Any,
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
    note = _clean_text(note, "result_note", "核查情况", max_length=5000)
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
    actor: Any, subject: ClueSubject, *, kind: str, decided_on: dt.date, note: str = ""
) -> Measure:
    """Record a handling measure (处理措施) for a subject whose allegation was substantiated; the
    subject's 形态 becomes that of their most severe measure."""
    clue = _subject_for_step(actor, subject, "record_measure")
    if kind not in MeasureKind.values:
        raise ValidationError({"kind": "请选择处理措施"})
    if subject.result not in SUBSTANTIATED:
        raise ValidationError({"kind": "核查结论为属实或部分属实的，才能录入处理措施"})
    if decided_on > _today():
        raise ValidationError({"decided_on": "决定日期不能晚于今天"})
    if decided_on < clue.received_on:
        raise ValidationError({"decided_on": "决定日期不能早于受理日期"})
    measure = Measure.objects.create(
        subject=subject,
        kind=kind,
        decided_on=decided_on,
        effective_until=_effective_until(kind, decided_on),
        note=_clean_text(note, "note", "说明", max_length=200),
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
def remove_measure(actor: Any, measure: Measure) -> None:
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
def set_cleared(actor: Any, subject: ClueSubject, *, cleared: bool, note: str = "") -> ClueSubject:
    """Mark 澄清正名 for a subject falsely accused (result 不属实)."""
    clue = _subject_for_step(actor, subject, "record_result")
    if cleared and subject.result != Result.FALSE:
        raise ValidationError({"cleared": "核查结论为不属实的，才能澄清正名"})
    subject.cleared = cleared
    subject.save(update_fields=["cleared"])
    _bump(clue)
    _log(actor, clue, "cleared" if cleared else "cleared_undone", note=note, data={"subject": subject.name})
    return subject


@transaction.atomic
def record_case(
    actor: Any, clue: Clue, *, proposed_on: dt.date | None = None, filed_on: dt.date | None = None
) -> Clue:
    """Record that a 初步核实 led to 拟立案 and/or 立案 (the case itself is 纪委监委's)."""
    _step(actor, clue, "record_case")
    if clue.disposition != Disposition.PRELIMINARY_CHECK:
        raise ValidationError({"proposed_on": "只有初步核实的线索才能登记立案情况"})
    for field, value in (("proposed_on", proposed_on), ("filed_on", filed_on)):
        if value and (value < clue.received_on or value > _today()):
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


# --- closing, feedback, archive ------------------------------------------------------------------


@transaction.atomic
def submit_closure(actor: Any, clue: Clue, *, reason: str) -> Request:
    """Ask for approval to close (提请办结): every subject needs a result first."""
    workflow.check(actor, clue, "submit_closure")
    reason = _clean_text(reason, "reason", "办结报告", required=True, max_length=5000)
    missing = [s.name for s in clue.subjects.all() if not s.result]
    if missing:
        raise ValidationError({"reason": f"以下被反映人尚未录入核查结论：{'、'.join(missing)}"})
    _move(actor, clue, "submit_closure", Status.CLOSURE_PENDING, note=reason)
    return Request.objects.create(clue=clue, kind=Request.Kind.CLOSURE, reason=reason, requested_by=actor)


@transaction.atomic
def approve_closure(actor: Any, clue: Clue, *, comment: str = "") -> Clue:
    """A leader approves closing the clue (办结); the reply to a reachable reporter falls due."""
    workflow.check(actor, clue, "approve_closure")
    _decide(actor, _pending(clue, Request.Kind.CLOSURE), Request.Decision.APPROVED, comment)
    today = _today()
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
def reject_closure(actor: Any, clue: Clue, *, comment: str) -> Clue:
    """A leader sends the closure back for more work."""
    workflow.check(actor, clue, "reject_closure")
    comment = _clean_text(comment, "reason", "退回理由", required=True)
    _decide(actor, _pending(clue, Request.Kind.CLOSURE), Request.Decision.REJECTED, comment)
    return _move(actor, clue, "reject_closure", Status.HANDLING, note=comment)


@transaction.atomic
def record_feedback(
    actor: Any, clue: Clue, *, method: str, fed_back_on: dt.date, content: str, opinion: str = ""
) -> Feedback:
    """Record the reply to the reporter (反馈); a later call records a follow-up (回访)."""
    workflow.check(actor, clue, "record_feedback")
    if method not in Feedback.Method.values:
        raise ValidationError({"method": "请选择反馈方式"})
    if opinion and opinion not in Feedback.Opinion.values:
        raise ValidationError({"opinion": "请选择举报人意见"})
    content = _clean_text(content, "content", "反馈内容", required=True, max_length=5000)
    if clue.closed_on and fed_back_on < clue.closed_on:
        raise ValidationError({"fed_back_on": "反馈日期不能早于办结日期"})
    if fed_back_on > _today():
        raise ValidationError({"fed_back_on": "反馈日期不能晚于今天"})
    feedback = Feedback.objects.create(
        clue=clue, method=method, fed_back_on=fed_back_on, content=content, opinion=opinion, recorded_by=actor
    )
    late = bool(clue.feedback_due and fed_back_on > clue.feedback_due)
    _move(
        actor,
        clue,
        "record_feedback",
        Status.FED_BACK,
        note=content,
        data={"method": feedback.get_method_display(), "late": late},
    )
    return feedback


@transaction.atomic
def archive_clue(actor: Any, clue: Clue) -> Clue:
    """Archive (归档) a finished clue. A reachable reporter must have had the reply first."""
    workflow.check(actor, clue, "archive")
    if clue.status == Status.CLOSED and clue.reporter_reachable:
        raise ValidationError({"__all__": "实名可联系的举报，须先反馈举报人再归档"})
    if clue.status == Status.TRANSFERRED and not clue.transfers.exclude(outcome="").exists():
        raise ValidationError({"__all__": "移交线索须先登记接收单位的办理结果再归档"})
    return _move(actor, clue, "archive", Status.ARCHIVED)


@transaction.atomic
def reopen_clue(actor: Any, clue: Clue, *, reason: str) -> Clue:
    """Reopen a finished clue (回头看) for more handling; its earlier results stay on record.
    The handling unit gets a fresh deadline by the usual rule, counted from today."""
    old = clue.deadline
    deadline = deadlines.handling_deadline(clue.channel, list(clue.categories.all()), _today())
    _move(
        actor,
        clue,
        "reopen",
        Status.HANDLING,
        note=reason.strip(),
        closed_on=None,
        feedback_due=None,
        deadline=deadline,
    )
    DeadlineChange.objects.create(
        clue=clue, old_deadline=old, new_deadline=deadline, reason="回头看重新办理", changed_by=actor
    )
    return clue


# --- transfer and merge --------------------------------------------------------------------------


@transaction.atomic
def transfer_clue(
    actor: Any,
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
    receiver = _clean_text(receiver, "receiver", "接收单位", required=True, max_length=100)
    reason = _clean_text(reason, "reason", "移交理由", required=True, max_length=2000)
    transferred_on = transferred_on or _today()
    if transferred_on < clue.received_on or transferred_on > _today():
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
    actor: Any, transfer: Transfer, *, outcome: str, result: str = "", outcome_on: dt.date | None = None
) -> Transfer:
    """Record what the receiving body did with a transferred clue (counts in statistics)."""
    clue = Clue.objects.get(pk=transfer.clue_id)
    _step(actor, clue, "record_transfer_outcome")
    if result and result not in Result.values:
        raise ValidationError({"outcome_result": "请选择结果认定"})
    outcome_on = outcome_on or _today()
    if outcome_on < transfer.transferred_on:
        raise ValidationError({"outcome_on": "结果反馈日期不能早于移交日期"})
    transfer.outcome = _clean_text(outcome, "outcome", "办理结果", required=True, max_length=5000)
    transfer.outcome_result = result
    transfer.outcome_on = outcome_on
    transfer.save(update_fields=["outcome", "outcome_result", "outcome_on"])
    _bump(clue)
    _log(actor, clue, "transfer_outcome_recorded", data={"receiver": transfer.receiver, "result": result})
    return transfer


@transaction.atomic
def merge_clue(actor: Any, clue: Clue, *, into: Clue, reason: str = "") -> Clue:
    """Merge a duplicate report (重复件) into the clue already handling the matter: it is kept
    and logged, not processed again."""
    workflow.check(actor, clue, "merge")
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
        note=reason.strip() or f"与线索{into.number}反映同一问题",
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


def duplicate_candidates(actor: Any, clue: Clue, limit: int = 5) -> list[tuple[Clue, float]]:
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


# --- deadlines and supervision ---------------------------------------------------------------------


@transaction.atomic
def request_extension(actor: Any, clue: Clue, *, new_deadline: dt.date, reason: str) -> Request:
    """Ask for more time (延期), with a reason; a leader decides."""
    _step(actor, clue, "request_extension")
    reason = _clean_text(reason, "reason", "延期理由", required=True, max_length=2000)
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
def decide_extension(actor: Any, clue: Clue, *, approve: bool, comment: str = "") -> Clue:
    """Approve or refuse the pending extension; an approval moves the deadline and keeps the old
    one in the deadline history."""
    _step(actor, clue, "decide_extension")
    req = _pending(clue, Request.Kind.EXTENSION)
    if not approve and not comment.strip():
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
    actor: Any, clue: Clue, *, level: str, reason: str, note: str = "", report_by: dt.date | None = None
) -> Supervision:
    """Put a clue under supervision (督办) at a level; the clue shows the highest level so far."""
    _step(actor, clue, "supervise")
    if level not in (SupervisionLevel.GENERAL, SupervisionLevel.KEY, SupervisionLevel.LISTED):
        raise ValidationError({"level": "请选择督办等级"})
    if reason not in SUPERVISION_REASONS:
        raise ValidationError({"reason": "请选择督办事由"})
    if report_by and report_by < _today():
        raise ValidationError({"report_by": "进展报告期限不能早于今天"})
    sup = Supervision.objects.create(
        clue=clue,
        level=level,
        reason=reason,
        note=_clean_text(note, "note", "督办要求", max_length=2000),
        report_by=report_by,
        supervisor=actor,
    )
    order = [SupervisionLevel.NONE, SupervisionLevel.GENERAL, SupervisionLevel.KEY, SupervisionLevel.LISTED]
    highest = max(order.index(clue.supervision_level or SupervisionLevel.NONE), order.index(level))
    _bump(clue, supervision_level=order[highest])
    _log(actor, clue, "supervised", note=sup.note, data={"level": sup.get_level_display(), "reason": reason})
    return sup


# --- attachments, reporter, viewers ------------------------------------------------------------


@transaction.atomic
def add_attachment(actor: Any, clue: Clue, *, upload: Any) -> Attachment:
    """Attach a file: its type is read from its content and must match its name's extension; the
    size is limited; it is stored under its SHA-256 so no user-chosen name reaches the disk."""
    _step(actor, clue, "attach")
    content_type, data = sniff_upload(upload)
    digest = hashlib.sha256(data).hexdigest()
    att = Attachment(
        clue=clue,
        original_name=(upload.name or "附件")[-200:],
        content_type=content_type,
        size=len(data),
        sha256=digest,
        uploaded_by=actor,
    )
    att.file.save(digest, ContentFile(data), save=False)
    att.save()
    _bump(clue)
    _log(
        actor, clue, "attachment_added", data={"name": att.original_name, "size": att.size, "sha256": digest}
    )
    return att


def reveal_reporter(actor: Any, clue: Clue) -> dict[str, str]:
    """The reporter's identity, for holders of clues.view_reporter; every view is audited."""
    if not workflow.may_see(actor, clue) or not workflow.holds(
        actor, "clues.view_reporter", clue, workflow.EITHER
    ):
        raise PermissionDenied("您无权查看举报人信息")
    with transaction.atomic():
        record(actor, "clue.reporter_viewed", clue)
    return clue.reporter()


@transaction.atomic
def name_viewers(actor: Any, clue: Clue, *, users: list[Any]) -> Clue:
    """Name who may see a 重要 clue (besides its subjects' recusal, which always applies)."""
    _step(actor, clue, "name_viewers")
    ClueViewer.objects.filter(clue=clue).exclude(user__in=users).delete()
    ClueViewer.objects.bulk_create([ClueViewer(clue=clue, user=u) for u in users], ignore_conflicts=True)
    _bump(clue)
    _log(actor, clue, "viewers_named", data={"users": sorted(u.username for u in users)})
    return clue
