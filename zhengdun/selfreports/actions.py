"""Every change to campaigns and self-reports goes through these functions — pages, the seed and
(later) the API.

Each function takes the acting user first, checks the permission (accounts.permissions), checks
the input (ValidationError keyed by field, Chinese message naming the field), writes, and
appends the audit entry in the same transaction. State changes guard on the stored row
(UPDATE … WHERE status = 'draft' / version = n): of two people acting at once the second gets
ConflictError and nothing is done twice.

Who may file a report: the officer themself (selfreports.file_own, on their own roster record)
or discipline staff on behalf of an officer of their subtree (selfreports.file on the officer's
unit). Nobody files their own report through the on-behalf path, and nobody reviews or converts
their own report (回避). A submitted version never changes: a correction is a new version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.audit.chain import diff, record
from zhengdun.clues.models import Category, Channel, Clue, ReportingMode
from zhengdun.core.dates import parse_date
from zhengdun.core.errors import ConflictError
from zhengdun.core.files import sniff_upload
from zhengdun.org.models import Person, Unit
from zhengdun.selfreports.models import (
    DESCRIPTION_MAX,
    GJ2_CODE,
    STAGE_ORDER,
    Campaign,
    CampaignStage,
    Gj2Subtype,
    ItemReview,
    Outcome,
    RelatedPerson,
    Relation,
    ReportStatus,
    SelfReport,
    SelfReportAttachment,
    SelfReportItem,
    Stage,
    attachment_path,
)

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


# --- helpers ---------------------------------------------------------------------------------


def _clean_text(value: Any, key: str, label: str, *, required: bool = False, max_length: int = 0) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationError({key: f"请填写{label}"})
    if max_length and len(text) > max_length:
        raise ValidationError({key: f"{label}不能超过{max_length}个字"})
    return text


def _moment(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def own_person_id(actor: Any) -> int | None:
    return getattr(actor, "person_id", None)


def is_own(actor: Any, report: SelfReport) -> bool:
    person_id = own_person_id(actor)
    return bool(person_id) and person_id == report.person_id


def may_edit_draft(actor: Any, report: SelfReport) -> bool:
    """Whether the actor may change, submit or discard this draft (own path or on behalf)."""
    if report.status != ReportStatus.DRAFT:
        return False
    if is_own(actor, report):
        return permissions.has_permission(actor, "selfreports.file_own")
    return permissions.has_permission(actor, "selfreports.file", report.unit)


def may_correct(actor: Any, report: SelfReport) -> bool:
    if is_own(actor, report):
        return permissions.has_permission(actor, "selfreports.file_own")
    return permissions.has_permission(actor, "selfreports.file", report.unit)


def may_review(actor: Any, report: SelfReport) -> bool:
    return not is_own(actor, report) and permissions.has_permission(actor, "selfreports.review", report.unit)


def may_convert(actor: Any, report: SelfReport) -> bool:
    return (
        not is_own(actor, report)
        and permissions.has_permission(actor, "clues.register")
        and permissions.scope(actor, "selfreports.view", SelfReport.objects.filter(pk=report.pk)).exists()
    )


def _require_draft_editor(actor: Any, report: SelfReport) -> None:
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


def _chain(report: SelfReport) -> Any:
    """Every version (and the draft) of the same person's report in the same campaign."""
    return SelfReport.objects.filter(campaign_id=report.campaign_id, person_id=report.person_id)


def is_current(report: SelfReport) -> bool:
    return SelfReport.objects.current().filter(pk=report.pk).exists()


# --- campaigns -------------------------------------------------------------------------------


def _clean_campaign(name: Any, opens: Any, closes: Any) -> dict[str, Any]:
    errors: dict[str, str] = {}
    try:
        name = _clean_text(name, "name", "名称", required=True, max_length=100)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    for key, value, label in (
        ("report_opens_at", opens, "自查报告开始时间"),
        ("report_closes_at", closes, "自查报告截止时间"),
    ):
        if not isinstance(value, dt.datetime):
            errors[key] = f"请填写{label}"
        elif timezone.is_naive(value):
            raise ValueError(f"{key} must be an aware datetime")
    if not errors and closes <= opens:
        errors["report_closes_at"] = "自查报告截止时间须晚于开始时间"
    if errors:
        raise ValidationError(errors)
    return {"name": name, "report_opens_at": opens, "report_closes_at": closes}


def _campaign_data(campaign: Campaign) -> dict[str, Any]:
    return {
        "name": campaign.name,
        "unit": campaign.unit.name,
        "report_opens_at": campaign.report_opens_at,
        "report_closes_at": campaign.report_closes_at,
    }


@transaction.atomic
def create_campaign(
    actor: Any, *, name: str, unit: Unit, report_opens_at: dt.datetime, report_closes_at: dt.datetime
) -> Campaign:
    """Create a campaign (教育整顿) with its self-report window; it is not active until
    activate_campaign."""
    permissions.require(actor, "selfreports.configure")
    if not permissions.has_permission(actor, "selfreports.configure", unit):
        raise ValidationError({"unit": "只能以您管理范围内的单位作为组织单位"})
    values = _clean_campaign(name, report_opens_at, report_closes_at)
    campaign = Campaign.objects.create(unit=unit, created_by=actor, **values)
    record(actor, "campaign.created", campaign, _campaign_data(campaign))
    return campaign


@transaction.atomic
def update_campaign(
    actor: Any,
    campaign: Campaign,
    *,
    version: int | None = None,
    name: str,
    unit: Unit,
    report_opens_at: dt.datetime,
    report_closes_at: dt.datetime,
) -> Campaign:
    """Change a campaign's name, organising unit or window. A window change may not alter the
    逾期 judgement of a report already submitted, nor open the window after a submission."""
    permissions.require(actor, "selfreports.configure", campaign.unit)
    if not permissions.has_permission(actor, "selfreports.configure", unit):
        raise ValidationError({"unit": "只能以您管理范围内的单位作为组织单位"})
    values = _clean_campaign(name, report_opens_at, report_closes_at)
    submitted = SelfReport.objects.submitted().filter(campaign=campaign)
    first = submitted.order_by("submitted_at").values_list("submitted_at", flat=True).first()
    if first is not None and report_opens_at > first:
        raise ValidationError(
            {"report_opens_at": f"已有自查报告于{_moment(first)}提交，开始时间不能晚于该时间"}
        )
    flips = submitted.filter(
        Q(late=True, submitted_at__lte=report_closes_at) | Q(late=False, submitted_at__gt=report_closes_at)
    ).count()
    if flips:
        raise ValidationError(
            {
                "report_closes_at": f"已有{flips}份自查报告按原截止时间认定了是否逾期，"
                "新的截止时间会改变这些认定，不能这样修改"
            }
        )
    before = _campaign_data(campaign)
    expected = campaign.version if version is None else version
    moved = Campaign.objects.filter(pk=campaign.pk, version=expected).update(
        unit=unit, version=F("version") + 1, **values
    )
    if moved != 1:
        raise ConflictError(CAMPAIGN_CONFLICT)
    campaign.refresh_from_db()
    changes = diff(before, _campaign_data(campaign))
    record(actor, "campaign.changed", campaign, {"changes": changes})
    return campaign


@transaction.atomic
def set_stages(actor: Any, campaign: Campaign, *, stages: list[dict[str, Any]]) -> list[CampaignStage]:
    """Replace a campaign's stages (学习教育 / 查纠整改 / 总结提升) with their dates. Each stage
    ends on or after its start, and each starts after the one before it ends."""
    permissions.require(actor, "selfreports.configure", campaign.unit)
    errors: dict[str, str] = {}
    rows: dict[str, tuple[dt.date, dt.date]] = {}
    for raw in stages:
        stage = raw.get("stage")
        if stage not in Stage.values:
            errors["stages"] = "请选择有效的环节"
            continue
        label = Stage(stage).label
        if stage in rows:
            errors["stages"] = f"环节“{label}”重复"
            continue
        days: list[dt.date | None] = []
        for part, part_label in (("starts_on", "开始日期"), ("ends_on", "结束日期")):
            value = raw.get(part)
            try:
                days.append(parse_date(value) if value not in (None, "") else None)
            except ValueError as exc:
                errors[f"{stage}_{part}"] = f"{label}{part_label}：{exc}"
                days.append(None)
            else:
                if days[-1] is None:
                    errors[f"{stage}_{part}"] = f"请填写{label}的{part_label}"
        starts, ends = days
        if starts and ends:
            if ends < starts:
                errors[f"{stage}_ends_on"] = f"{label}的结束日期不能早于开始日期"
            rows[stage] = (starts, ends)
    previous: tuple[str, dt.date] | None = None
    for stage in STAGE_ORDER:
        if stage not in rows:
            continue
        starts, ends = rows[stage]
        if previous is not None and starts <= previous[1] and f"{stage}_starts_on" not in errors:
            errors[f"{stage}_starts_on"] = (
                f"{Stage(stage).label}的开始日期须晚于{Stage(previous[0]).label}的结束日期"
                f"（{previous[1]:%Y-%m-%d}）"
            )
        previous = (stage, ends)
    if errors:
        raise ValidationError(errors)
    before = [[s.stage, s.starts_on, s.ends_on] for s in campaign.stages.order_by("starts_on")]
    campaign.stages.all().delete()
    created = [
        CampaignStage.objects.create(
            campaign=campaign, stage=stage, starts_on=rows[stage][0], ends_on=rows[stage][1]
        )
        for stage in STAGE_ORDER
        if stage in rows
    ]
    after = [[s.stage, s.starts_on, s.ends_on] for s in created]
    record(actor, "campaign.stages_set", campaign, {"before": before, "after": after})
    return created


@transaction.atomic
def activate_campaign(actor: Any, campaign: Campaign) -> Campaign:
    """Make this the campaign officers file in; the one active before is deactivated in the same
    transaction (at most one is active: a partial unique index)."""
    permissions.require(actor, "selfreports.configure", campaign.unit)
    campaign.refresh_from_db()
    if campaign.is_active:
        raise ConflictError(f"“{campaign.name}”已是当前进行的教育整顿")
    others = list(Campaign.objects.select_for_update().filter(is_active=True).exclude(pk=campaign.pk))
    for other in others:
        if not permissions.has_permission(actor, "selfreports.configure", other.unit):
            raise ValidationError(
                {"campaign": f"当前进行的教育整顿“{other.name}”不在您的管理范围内，不能替换"}
            )
    Campaign.objects.filter(pk__in=[o.pk for o in others]).update(is_active=False, version=F("version") + 1)
    try:
        with transaction.atomic():
            moved = Campaign.objects.filter(pk=campaign.pk, is_active=False).update(
                is_active=True, version=F("version") + 1
            )
    except IntegrityError as exc:  # another activation committed first
        raise ConflictError(CAMPAIGN_CONFLICT) from exc
    if moved != 1:
        raise ConflictError(CAMPAIGN_CONFLICT)
    campaign.refresh_from_db()
    for other in others:
        record(actor, "campaign.deactivated", other, {"replaced_by": campaign.name})
    record(actor, "campaign.activated", campaign, {"deactivated": [o.name for o in others]})
    return campaign


@transaction.atomic
def deactivate_campaign(actor: Any, campaign: Campaign) -> Campaign:
    """End filing in this campaign: no campaign is active until another is activated."""
    permissions.require(actor, "selfreports.configure", campaign.unit)
    moved = Campaign.objects.filter(pk=campaign.pk, is_active=True).update(
        is_active=False, version=F("version") + 1
    )
    if moved != 1:
        raise ConflictError(f"“{campaign.name}”不是当前进行的教育整顿")
    campaign.refresh_from_db()
    record(actor, "campaign.deactivated", campaign, {})
    return campaign


# --- filing ----------------------------------------------------------------------------------


@transaction.atomic
def start_draft(actor: Any, *, campaign: Campaign, person: Person | None = None) -> SelfReport:
    """Start the first version of a self-report as a draft. Without `person`, the actor's own
    report (我的自查, needs selfreports.file_own and an account linked to the roster); with it,
    on behalf of an officer of the actor's subtree (代为填报, selfreports.file) — never the
    actor themself, who files through their own page."""
    now = timezone.now()
    if person is None:
        permissions.require(actor, "selfreports.file_own")
        if not own_person_id(actor):
            raise ValidationError({"person": "您的账号未关联干警名册，不能填报本人的自查报告"})
        person = Person.objects.select_related("unit").get(pk=own_person_id(actor))
        on_behalf = False
    else:
        permissions.require(actor, "selfreports.file")
        if person.pk == own_person_id(actor):
            raise ValidationError({"person": "本人的自查报告请在“我的自查”中填报"})
        if not permissions.has_permission(actor, "selfreports.file", person.unit):
            raise PermissionDenied("只能为本单位管辖范围内的干警代为填报")
        if person.status != Person.Status.ACTIVE:
            raise ValidationError({"person": f"{person.name}不在职，不能代为填报"})
        on_behalf = True
    _require_filing_open(campaign, now)
    existing = SelfReport.objects.filter(campaign=campaign, person=person)
    if existing.filter(status=ReportStatus.DRAFT).exists():
        raise ConflictError(f"{person.name}已有未提交的自查报告草稿，请继续填写该草稿")
    if existing.exists():
        raise ValidationError({"person": f"{person.name}已提交本次自查报告，如需修改请使用“更正”"})
    try:
        with transaction.atomic():
            report = SelfReport.objects.create(
                campaign=campaign, person=person, unit=person.unit, filed_by=actor, version=1
            )
    except IntegrityError as exc:
        raise ConflictError(f"{person.name}的自查报告已由他人开始填写") from exc
    record(
        actor,
        "selfreport.draft_started",
        report,
        {"campaign": campaign.name, "person": person.name, "on_behalf": on_behalf},
    )
    return report


@dataclass
class ItemInput:
    """One item as checked by _check_items, ready to write."""

    key: str
    category: Category
    gj2_subtype: str
    description: str
    period_from: dt.date | None
    period_to: dt.date | None
    amount: Decimal | None
    related: list[tuple[str, str, str]] = field(default_factory=list)
    keep: list[SelfReportAttachment] = field(default_factory=list)
    uploads: list[tuple[str, str, bytes]] = field(default_factory=list)  # (name, type, data)


def parse_amount(value: Any) -> Decimal | None:
    """An amount in 元 as typed (full-width digits, thousands separators), or None when empty;
    ValueError with a Chinese message otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, Decimal | int):
        amount = Decimal(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace("元", "").strip()
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError("须为数字（单位：元）") from None
    if not amount.is_finite():
        raise ValueError("须为数字（单位：元）")
    if amount < 0:
        raise ValueError("不能为负数")
    if amount > AMOUNT_MAX:
        raise ValueError("超出可填写的范围")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("最多保留两位小数")
    return amount.quantize(Decimal("0.01"))


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return parse_date(value)


def _check_items(actor: Any, report: SelfReport, items: list[dict[str, Any]]) -> list[ItemInput]:
    """Check every item; raise one ValidationError naming each bad field as items.<n>.<field>
    ("第n项 …") so a page can show each message beside its row."""
    errors: dict[str, str] = {}
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": f"自查事项不能超过{MAX_ITEMS}项"})
    chain_keys = set(SelfReportItem.objects.filter(report__in=_chain(report)).values_list("key", flat=True))
    # categories of the versions before: a category retired since may stay on a corrected item
    used = set(SelfReportItem.objects.filter(report__in=_chain(report)).values_list("category_id", flat=True))
    categories = {c.pk: c for c in Category.objects.filter(Q(is_active=True) | Q(pk__in=used))}
    existing = {
        a.pk: a
        for a in SelfReportAttachment.objects.filter(item__report=report).select_related("uploaded_by")
    }
    seen_keys: set[str] = set()
    checked: list[ItemInput] = []
    for pos, raw in enumerate(items):
        n = pos + 1

        def bad(name: str, message: str, n: int = n, pos: int = pos) -> None:
            errors.setdefault(f"items.{pos}.{name}", f"第{n}项 {message}")

        raw_category = raw.get("category")
        category_id = getattr(raw_category, "pk", raw_category)
        try:
            category = categories.get(int(category_id)) if category_id not in (None, "") else None
        except (TypeError, ValueError):
            category = None
        if category is None:
            bad("category", "问题类别：请从列表中选择问题类别")
        subtype = str(raw.get("gj2_subtype") or "").strip()
        if category is not None and category.code == GJ2_CODE:
            if subtype not in Gj2Subtype.values:
                bad("gj2_subtype", "经商办企业主体：GJ2类事项须选择本人、配偶子女及其配偶或其他亲属")
        elif subtype:
            bad("gj2_subtype", "经商办企业主体：只有GJ2（违规经商办企业）类事项填写此项")
        description = str(raw.get("description") or "").replace("\x00", "").strip()
        if not description:
            bad("description", "事项内容：请填写事项内容")
        elif len(description) > DESCRIPTION_MAX:
            bad("description", f"事项内容：不能超过{DESCRIPTION_MAX}个字（现有{len(description)}个字）")
        period: list[dt.date | None] = []
        for part, label in (("period_from", "起始日期"), ("period_to", "截止日期")):
            try:
                period.append(_date(raw.get(part)))
            except ValueError as exc:
                bad(part, f"{label}：{exc}")
                period.append(None)
        if period[0] and period[1] and period[1] < period[0]:
            bad("period_to", "截止日期：不能早于起始日期")
        try:
            amount = parse_amount(raw.get("amount"))
        except ValueError as exc:
            bad("amount", f"涉及金额：{exc}")
            amount = None
        related: list[tuple[str, str, str]] = []
        raw_related = list(raw.get("related_persons") or [])
        if len(raw_related) > MAX_RELATED_PERSONS:
            bad("related_persons", f"相关人员：不能超过{MAX_RELATED_PERSONS}人")
        for m, person in enumerate(raw_related[:MAX_RELATED_PERSONS], start=1):
            name = str(person.get("name") or "").replace("\x00", "").strip()
            relation = str(person.get("relation") or "")
            detail = str(person.get("detail") or "").replace("\x00", "").strip()
            if not name:
                bad("related_persons", f"相关人员第{m}人：请填写姓名")
            elif len(name) > 50:
                bad("related_persons", f"相关人员第{m}人：姓名不能超过50个字")
            if relation not in Relation.values:
                bad("related_persons", f"相关人员第{m}人：请选择与本人的关系")
            if len(detail) > 200:
                bad("related_persons", f"相关人员第{m}人：说明不能超过200个字")
            related.append((name, relation, detail))
        keep = [
            existing[int(i)]
            for i in raw.get("keep_attachments") or []
            if str(i).isdigit() and int(i) in existing
        ]
        uploads: list[tuple[str, str, bytes]] = []
        files = list(raw.get("uploads") or [])
        if len(keep) + len(files) > MAX_ATTACHMENTS:
            bad("uploads", f"附件：每项最多{MAX_ATTACHMENTS}个")
        for upload in files:
            name = (getattr(upload, "name", "") or "附件")[-200:]
            try:
                content_type, data = sniff_upload(upload)
            except ValidationError as exc:
                bad("uploads", f"附件“{name}”：{'；'.join(exc.messages)}")
                continue
            uploads.append((name, content_type, data))
        key = str(raw.get("key") or "")
        if key not in chain_keys or key in seen_keys:
            key = uuid.uuid4().hex
        seen_keys.add(key)
        if category is not None:
            checked.append(
                ItemInput(
                    key,
                    category,
                    subtype if category.code == GJ2_CODE else "",
                    description,
                    period[0],
                    period[1],
                    amount,
                    related,
                    keep,
                    uploads,
                )
            )
    if errors:
        raise ValidationError(errors)
    return checked


def _store(data: bytes) -> tuple[str, str]:
    """Write a file under its content hash once; (stored name, sha256)."""
    digest = hashlib.sha256(data).hexdigest()
    name = attachment_path(SelfReportAttachment(sha256=digest), "")
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(data))
    return name, digest


def _write_items(actor: Any, report: SelfReport, items: list[ItemInput]) -> list[str]:
    """Replace the draft's items; returns the names of the files uploaded now."""
    kept = {a.pk: a for item in items for a in item.keep}
    kept_rows = {
        pk: (a.file.name, a.original_name, a.content_type, a.size, a.sha256, a.uploaded_by_id, a.uploaded_at)
        for pk, a in kept.items()
    }
    report.items.all().delete()
    added: list[str] = []
    for seq, item in enumerate(items, start=1):
        row = SelfReportItem.objects.create(
            report=report,
            seq=seq,
            key=item.key,
            category=item.category,
            gj2_subtype=item.gj2_subtype,
            description=item.description,
            period_from=item.period_from,
            period_to=item.period_to,
            amount=item.amount,
        )
        RelatedPerson.objects.bulk_create(
            [RelatedPerson(item=row, name=n, relation=r, detail=d) for n, r, d in item.related]
        )
        for att in item.keep:
            name, original, ctype, size, sha, by, at = kept_rows[att.pk]
            SelfReportAttachment.objects.create(
                item=row,
                file=name,
                original_name=original,
                content_type=ctype,
                size=size,
                sha256=sha,
                uploaded_by_id=by,
                uploaded_at=at,
            )
        for original, ctype, data in item.uploads:
            name, sha = _store(data)
            SelfReportAttachment.objects.create(
                item=row,
                file=name,
                original_name=original,
                content_type=ctype,
                size=len(data),
                sha256=sha,
                uploaded_by=actor,
            )
            added.append(original)
    return added


@transaction.atomic
def save_draft(
    actor: Any,
    report: SelfReport,
    *,
    items: list[dict[str, Any]],
    declares_nothing: bool = False,
    correction_reason: str = "",
    revision: int | None = None,
) -> SelfReport:
    """Save a draft: its items are replaced as a whole by `items` (each a dict of key, category,
    gj2_subtype, description, period_from, period_to, amount, related_persons [name, relation,
    detail], keep_attachments [ids of the draft's attachments to keep], uploads [files]).
    Everything is checked before anything is written; a bad row refuses the whole save."""
    _require_draft_editor(actor, report)
    checked = _check_items(actor, report, items)
    if declares_nothing and checked:
        raise ValidationError({"declares_nothing": "已填写自查事项时，不能同时声明“本人无需要报告的事项”"})
    reason = _clean_text(correction_reason, "correction_reason", "更正理由", max_length=REASON_MAX)
    if report.version == 1:
        reason = ""
    expected = report.revision if revision is None else revision
    moved = SelfReport.objects.filter(pk=report.pk, status=ReportStatus.DRAFT, revision=expected).update(
        revision=F("revision") + 1, declares_nothing=declares_nothing, correction_reason=reason
    )
    if moved != 1:
        raise ConflictError(CONFLICT)
    report.refresh_from_db()
    added = _write_items(actor, report, checked)
    record(
        actor,
        "selfreport.draft_saved",
        report,
        {"items": len(checked), "declares_nothing": declares_nothing, "attachments_added": added},
    )
    return report


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
        if review is None or old.signature() != item.signature():
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
def submit(actor: Any, report: SelfReport, *, revision: int | None = None) -> SelfReport:
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
def start_correction(actor: Any, report: SelfReport) -> SelfReport:
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


@transaction.atomic
def discard_draft(actor: Any, report: SelfReport) -> None:
    """Delete a draft (a first report not yet submitted, or a correction given up)."""
    _require_draft_editor(actor, report)
    pk, version = report.pk, report.version
    SelfReport.objects.filter(pk=pk, status=ReportStatus.DRAFT).delete()
    report.pk = pk
    record(actor, "selfreport.draft_discarded", report, {"version": version})


# --- review ----------------------------------------------------------------------------------


def _item_for_review(actor: Any, item: SelfReportItem, permission: str, verb: str) -> SelfReport:
    report = SelfReport.objects.select_related("campaign", "person", "unit").get(pk=item.report_id)
    if is_own(actor, report):
        raise PermissionDenied(f"不能{verb}本人的自查事项（回避）")
    if not permissions.scope(actor, permission, SelfReport.objects.filter(pk=report.pk)).exists():
        raise PermissionDenied(f"您没有{verb}该自查事项的权限")
    if not is_current(report):
        raise ValidationError({"item": "只能对已提交的当前版本中的事项进行此操作"})
    return report


@transaction.atomic
def review_item(
    actor: Any, item: SelfReportItem, *, check_note: str, outcome: str, version: int | None = None
) -> ItemReview:
    """Record the check of an item (核实情况) and its outcome; editing it again is guarded by the
    review's version (0: none seen yet)."""
    report = _item_for_review(actor, item, "selfreports.review", "核实")
    note = _clean_text(check_note, "check_note", "核实情况", required=True, max_length=NOTE_MAX)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "请选择处理结果"})
    now = timezone.now()
    review = ItemReview.objects.filter(item=item).first()
    if review is None:
        if version:
            raise ConflictError(REVIEW_CONFLICT)
        before = ""
        try:
            with transaction.atomic():
                review = ItemReview.objects.create(
                    item=item, check_note=note, outcome=outcome, reviewed_by=actor, reviewed_at=now
                )
        except IntegrityError as exc:
            raise ConflictError(REVIEW_CONFLICT) from exc
    else:
        before = review.outcome
        expected = review.version if version is None else version
        moved = ItemReview.objects.filter(pk=review.pk, version=expected).update(
            check_note=note, outcome=outcome, reviewed_by=actor, reviewed_at=now, version=F("version") + 1
        )
        if moved != 1:
            raise ConflictError(REVIEW_CONFLICT)
        review.refresh_from_db()
    record(
        actor,
        "selfreport.item_reviewed",
        report,
        {"item": item.pk, "seq": item.seq, "outcome": [before, outcome], "check_note": note},
    )
    return review


def owner_unit_for(actor: Any) -> Unit:
    """Where a converted clue is registered: the actor's unit, or the nearest unit above it,
    where they hold clues.register; failing that, the top of their clues.register grants."""
    home = getattr(actor, "unit", None)
    if home is not None:
        for unit in [home, *reversed(list(home.ancestors()))]:
            if permissions.has_permission(actor, "clues.register", unit):
                return unit
    paths = permissions.unit_paths_for(actor, "clues.register")
    unit = Unit.objects.filter(path__in=paths).order_by("path").first()
    if unit is None:
        raise PermissionDenied("您没有登记问题线索的权限")
    return unit


def _clue_text(report: SelfReport, item: SelfReportItem) -> tuple[str, str]:
    person = report.person
    head = f"{person.name}自查报告事项（{item.category.code}）："
    body = " ".join(item.description.split())
    summary = head + body
    if len(summary) > 200:
        summary = summary[:199] + "…"
    lines = [
        f"来源：{report.campaign.name}，{person.name}自查事项报告第{report.version}版第{item.seq}项，"
        f"{_moment(report.submitted_at)}提交{'（逾期）' if report.late else ''}。",
    ]
    if item.gj2_subtype:
        lines.append(f"经商办企业主体：{item.get_gj2_subtype_display()}")
    if item.period_from or item.period_to:
        start = f"{item.period_from:%Y-%m-%d}" if item.period_from else "—"
        end = f"{item.period_to:%Y-%m-%d}" if item.period_to else "—"
        lines.append(f"时间：{start} 至 {end}")
    if item.amount is not None:
        lines.append(f"涉及金额：{item.amount}元")
    for p in item.related_persons.all():
        lines.append(f"相关人员：{p.name}（{p.get_relation_display()}）{p.detail}")
    lines.append("")
    lines.append(item.description)
    return summary, "\n".join(lines)


@transaction.atomic
def convert_item_to_clue(actor: Any, item: SelfReportItem) -> Clue:
    """Turn an item that needs verification into a problem clue (source 自查转化) about the
    reporting officer, with the item's category, registered today under the actor's unit (or
    the nearest above it where they may register clues). The item's review keeps the link; a
    matter is converted once, whichever version of the report it appears in."""
    from zhengdun.clues import actions as clue_actions

    report = _item_for_review(actor, item, "selfreports.view", "转化")
    permissions.require(actor, "clues.register")
    same_matter = ItemReview.objects.filter(
        item__key=item.key, item__report__in=_chain(report), converted_clue__isnull=False
    ).select_related("converted_clue")
    done = same_matter.first()
    if done is not None:
        raise ValidationError({"item": f"该事项已转为问题线索{done.converted_clue.number}，不能重复转化"})
    channel = Channel.objects.filter(code=SELF_REPORT_CHANNEL).first()
    if channel is None:
        raise ValidationError({"item": "线索来源中没有“自查转化”，请先在线索办理基础设置中恢复该来源"})
    summary, content = _clue_text(report, item)
    try:
        clue = clue_actions.register_clue(
            actor,
            owner_unit=owner_unit_for(actor),
            channel=channel,
            received_on=timezone.localdate(),
            reporting_mode=ReportingMode.REAL_NAME,
            reporter={"name": report.person.name},
            summary=summary,
            content=content,
            categories=[item.category],
            subjects=[{"person_id": report.person_id}],
        )
    except ValidationError as exc:
        raise ValidationError({"item": "；".join(exc.messages)}) from exc
    now = timezone.now()
    review = ItemReview.objects.filter(item=item).first()
    if review is None:
        try:
            with transaction.atomic():
                review = ItemReview.objects.create(
                    item=item, converted_clue=clue, converted_by=actor, converted_at=now
                )
        except IntegrityError as exc:
            raise ConflictError(REVIEW_CONFLICT) from exc
    else:
        moved = ItemReview.objects.filter(pk=review.pk, converted_clue__isnull=True).update(
            converted_clue=clue, converted_by=actor, converted_at=now, version=F("version") + 1
        )
        if moved != 1:
            raise ConflictError(REVIEW_CONFLICT)
    record(
        actor,
        "selfreport.item_converted",
        report,
        {"item": item.pk, "seq": item.seq, "clue": clue.number, "clue_id": clue.pk},
    )
    return clue
