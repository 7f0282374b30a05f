"""Drafting a self-report: starting the first version (own or on behalf), checking and saving its
items with their related persons and attachments, and discarding a draft."""

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
from zhengdun.accounts.models import User
from zhengdun.audit.chain import record
from zhengdun.clues.models import Category
from zhengdun.core.dates import parse_date
from zhengdun.core.errors import ConflictError
from zhengdun.core.files import sniff_upload
from zhengdun.core.text import clean_text
from zhengdun.org.models import Person
from zhengdun.selfreports.actions.common import (
    AMOUNT_MAX,
    CONFLICT,
    MAX_ATTACHMENTS,
    MAX_ITEMS,
    MAX_RELATED_PERSONS,
    REASON_MAX,
    _chain,
    _require_draft_editor,
    _require_filing_open,
    own_person_id,
)
from zhengdun.selfreports.models import (
    DESCRIPTION_MAX,
    GJ2_CODE,
    Campaign,
    Gj2Subtype,
    RelatedPerson,
    Relation,
    ReportStatus,
    SelfReport,
    SelfReportAttachment,
    SelfReportItem,
    attachment_path,
)


@transaction.atomic
def start_draft(actor: User, *, campaign: Campaign, person: Person | None = None) -> SelfReport:
    """Start the first version of a self-report as a draft. Without `person`, the actor's own
    report (我的自查, needs selfreports.file_own and an account linked to the roster); with it,
    on behalf of an officer of the actor's subtree (代为填报, selfreports.file) — never the
    actor themself, who files through their own page."""
    now = timezone.now()
    if person is None:
        permissions.require(actor, "selfreports.file_own")
        own_id = own_person_id(actor)
        if not own_id:
            raise ValidationError({"person": "您的账号未关联干警名册，不能填报本人的自查报告"})
        person = Person.objects.select_related("unit").get(pk=own_id)
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


def _check_items(actor: User, report: SelfReport, items: list[dict[str, Any]]) -> list[ItemInput]:
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
            category = (
                categories.get(int(category_id)) if category_id is not None and category_id != "" else None
            )
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
        try:
            description = clean_text(raw.get("description"), "description", "事项内容")
        except ValidationError as exc:
            bad("description", exc.messages[0])  # bad() keeps the first message of a field
            description = ""
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
            try:
                name = clean_text(person.get("name"), "name", "姓名")
                detail = clean_text(person.get("detail"), "detail", "说明")
            except ValidationError as exc:
                bad("related_persons", f"相关人员第{m}人：{exc.messages[0]}")
                continue
            relation = str(person.get("relation") or "")
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


def _write_items(actor: User, report: SelfReport, items: list[ItemInput]) -> list[str]:
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
    actor: User,
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
    reason = clean_text(correction_reason, "correction_reason", "更正理由", max_length=REASON_MAX)
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


@transaction.atomic
def discard_draft(actor: User, report: SelfReport) -> None:
    """Delete a draft (a first report not yet submitted, or a correction given up)."""
    _require_draft_editor(actor, report)
    pk, version = report.pk, report.version
    SelfReport.objects.filter(pk=pk, status=ReportStatus.DRAFT).delete()
    report.pk = pk
    record(actor, "selfreport.draft_discarded", report, {"version": version})
