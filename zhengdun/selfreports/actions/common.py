"""What every phase of a self-report shares: the messages and limits, who may act on a report
(own path or on behalf, 回避), and the guards on a draft and on the filing window."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.core.errors import ConflictError
from zhengdun.selfreports.models import Campaign, ReportStatus, SelfReport, SelfReportQuerySet

CONFLICT = "该自查报告已被他人修改或已提交，请刷新页面查看最新情况后再操作"
REVIEW_CONFLICT = "该事项的核实情况已被他人修改，请刷新页面查看最新情况后再操作"
CAMPAIGN_CONFLICT = "该教育整顿已被他人修改，请刷新页面查看最新情况后再操作"
SELF_REPORT_CHANNEL = "self_report"  # 自查转化 (clues reference data)

MAX_ITEMS = 50
MAX_RELATED_PERSONS = 20
MAX_ATTACHMENTS = 10  # per item
AMOUNT_MAX = Decimal("999999999999.99")
REASON_MAX = 2000
NOTE_MAX = 5000


def _moment(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def own_person_id(actor: User) -> int | None:
    return actor.person_id


def is_own(actor: User, report: SelfReport) -> bool:
    person_id = own_person_id(actor)
    return bool(person_id) and person_id == report.person_id


def may_edit_draft(actor: User, report: SelfReport) -> bool:
    """Whether the actor may change, submit or discard this draft (own path or on behalf)."""
    if report.status != ReportStatus.DRAFT:
        return False
    if is_own(actor, report):
        return permissions.has_permission(actor, "selfreports.file_own")
    return permissions.has_permission(actor, "selfreports.file", report.unit)


def may_correct(actor: User, report: SelfReport) -> bool:
    if is_own(actor, report):
        return permissions.has_permission(actor, "selfreports.file_own")
    return permissions.has_permission(actor, "selfreports.file", report.unit)


def may_review(actor: User, report: SelfReport) -> bool:
    return not is_own(actor, report) and permissions.has_permission(actor, "selfreports.review", report.unit)


def may_convert(actor: User, report: SelfReport) -> bool:
    return (
        not is_own(actor, report)
        and permissions.has_permission(actor, "clues.register")
        and permissions.scope(actor, "selfreports.view", SelfReport.objects.filter(pk=report.pk)).exists()
    )


def _require_draft_editor(actor: User, report: SelfReport) -> None:
    """The actor may file this report (own path, or on behalf over its unit), and it is still a
    draft in the database."""
    if is_own(actor, report):
        permissions.require(actor, "selfreports.file_own")
    elif not permissions.has_permission(actor, "selfreports.file", report.unit):
        raise PermissionDenied("您没有为该干警填报自查报告的权限")
    stored = SelfReport.objects.filter(pk=report.pk).values_list("status", flat=True).first()
    if stored is None:
        raise ConflictError("该自查报告草稿已被删除")
    if stored != ReportStatus.DRAFT:
        raise ConflictError("该自查报告已提交，不能再修改；如需修改请使用“更正”")


def _require_filing_open(campaign: Campaign, now: dt.datetime) -> None:
    campaign.refresh_from_db(fields=["is_active", "report_opens_at", "report_closes_at"])
    if not campaign.is_active:
        raise ValidationError({"campaign": f"“{campaign.name}”不是当前进行的教育整顿，不能填报自查报告"})
    if now < campaign.report_opens_at:
        raise ValidationError(
            {"campaign": f"自查报告填报将于{_moment(campaign.report_opens_at)}开始，现在还不能填报"}
        )


def _chain(report: SelfReport) -> SelfReportQuerySet:
    """Every version (and the draft) of the same person's report in the same campaign."""
    return SelfReport.objects.filter(campaign_id=report.campaign_id, person_id=report.person_id)


def is_current(report: SelfReport) -> bool:
    return SelfReport.objects.current().filter(pk=report.pk).exists()
