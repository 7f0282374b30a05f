"""Submitting a draft (stamped, 逾期 decided, immutable from then on) and correcting a submitted
version (更正: a new draft, version n+1; the submitted one stays as it was)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.audit.chain import record
from zhengdun.core.errors import ConflictError
from zhengdun.org.models import Person
from zhengdun.selfreports.actions.common import (
    CONFLICT,
    _chain,
    _require_draft_editor,
    _require_filing_open,
    is_current,
    is_own,
)
from zhengdun.selfreports.models import (
    ItemReview,
    RelatedPerson,
    ReportStatus,
    SelfReport,
    SelfReportAttachment,
    SelfReportItem,
)


def _carry_reviews(report: SelfReport) -> int:
    """A correction keeps the reviews of the items it left unchanged (same matter, same
    content); a changed or new item waits for a review of its own."""
    if report.previous_id is None:
        return 0
    related = ("related_persons", "attachments")
    before = {
        i.key: i
        for i in SelfReportItem.objects.filter(report_id=report.previous_id)
        .select_related("review")
        .prefetch_related(*related)
    }
    carried = 0
    for item in report.items.prefetch_related(*related):
        old = before.get(item.key)
        review = getattr(old, "review", None) if old is not None else None
        if old is None or review is None or old.signature() != item.signature():
            continue
        ItemReview.objects.create(
            item=item,
            check_note=review.check_note,
            outcome=review.outcome,
            reviewed_by_id=review.reviewed_by_id,
            reviewed_at=review.reviewed_at,
            converted_clue_id=review.converted_clue_id,
            converted_by_id=review.converted_by_id,
            converted_at=review.converted_at,
        )
        carried += 1
    return carried


@transaction.atomic
def submit(actor: User, report: SelfReport, *, revision: int | None = None) -> SelfReport:
    """Submit a draft: stamped now, marked late (逾期) when now is after the campaign's window
    closed, and immutable from then on. Needs at least one item or the declaration that there
    is nothing to report; a correction needs its reason. Submitting twice is a ConflictError."""
    _require_draft_editor(actor, report)
    now = timezone.now()
    _require_filing_open(report.campaign, now)
    report.refresh_from_db()
    count = report.items.count()
    if not count and not report.declares_nothing:
        raise ValidationError({"items": "请至少填写一项自查事项，或勾选“本人无需要报告的事项”后再提交"})
    if count and report.declares_nothing:
        raise ValidationError({"declares_nothing": "已填写自查事项时，不能同时声明“本人无需要报告的事项”"})
    if report.version > 1 and not report.correction_reason.strip():
        raise ValidationError({"correction_reason": "更正自查报告须填写更正理由"})
    late = report.campaign.is_late(now)
    person = Person.objects.only("unit_id").get(pk=report.person_id)
    expected = report.revision if revision is None else revision
    moved = SelfReport.objects.filter(pk=report.pk, status=ReportStatus.DRAFT, revision=expected).update(
        status=ReportStatus.SUBMITTED, submitted_at=now, late=late, filed_by=actor, unit_id=person.unit_id
    )
    if moved != 1:
        raise ConflictError(CONFLICT)
    report.refresh_from_db()
    carried = _carry_reviews(report)
    record(
        actor,
        "selfreport.submitted",
        report,
        {
            "campaign": report.campaign.name,
            "person": report.person.name,
            "version": report.version,
            "items": count,
            "declares_nothing": report.declares_nothing,
            "late": late,
            "on_behalf": not is_own(actor, report),
            "submitted_at": now,
            "correction_reason": report.correction_reason,
            "reviews_carried": carried,
        },
    )
    return report


@transaction.atomic
def start_correction(actor: User, report: SelfReport) -> SelfReport:
    """Start a correction (更正) of the current submitted version: a new draft, version n+1,
    holding a copy of its items (same matters, attachments shared) and naming it as `previous`.
    The submitted version stays as it was. The reason is required when it is submitted."""
    stored = SelfReport.objects.select_related("campaign", "person", "unit").get(pk=report.pk)
    if is_own(actor, stored):
        permissions.require(actor, "selfreports.file_own")
    elif not permissions.has_permission(actor, "selfreports.file", stored.unit):
        raise PermissionDenied("您没有更正该自查报告的权限")
    if not stored.is_submitted or not is_current(stored):
        raise ValidationError({"report": "只能更正已提交的当前版本"})
    _require_filing_open(stored.campaign, timezone.now())
    if _chain(stored).filter(status=ReportStatus.DRAFT).exists():
        raise ConflictError("已有未提交的更正草稿，请继续填写该草稿")
    person = stored.person
    try:
        with transaction.atomic():
            draft = SelfReport.objects.create(
                campaign=stored.campaign,
                person=person,
                unit_id=person.unit_id,
                filed_by=actor,
                version=stored.version + 1,
                previous=stored,
                declares_nothing=stored.declares_nothing,
            )
    except IntegrityError as exc:
        raise ConflictError("该自查报告已由他人开始更正") from exc
    for item in stored.items.prefetch_related("related_persons", "attachments"):
        copy = SelfReportItem.objects.create(
            report=draft,
            seq=item.seq,
            key=item.key,
            category_id=item.category_id,
            gj2_subtype=item.gj2_subtype,
            description=item.description,
            period_from=item.period_from,
            period_to=item.period_to,
            amount=item.amount,
        )
        RelatedPerson.objects.bulk_create(
            [
                RelatedPerson(item=copy, name=p.name, relation=p.relation, detail=p.detail)
                for p in item.related_persons.all()
            ]
        )
        for a in item.attachments.all():
            SelfReportAttachment.objects.create(
                item=copy,
                file=a.file.name,
                original_name=a.original_name,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                uploaded_by_id=a.uploaded_by_id,
                uploaded_at=a.uploaded_at,
            )
    record(
        actor,
        "selfreport.correction_started",
        draft,
        {"corrects": stored.pk, "corrects_version": stored.version, "version": draft.version},
    )
    return draft
