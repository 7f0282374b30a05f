"""Review of a submitted report's items by discipline staff: the check (核实情况) with its outcome,
and converting an item into a problem clue (自查转化). Nobody reviews or converts their own
report (回避)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.audit.chain import record
from zhengdun.clues.models import Channel, Clue, ReportingMode
from zhengdun.core.errors import ConflictError
from zhengdun.core.text import clean_text
from zhengdun.core.versioning import guarded_update
from zhengdun.org.models import Unit
from zhengdun.selfreports.actions.common import (
    NOTE_MAX,
    REVIEW_CONFLICT,
    SELF_REPORT_CHANNEL,
    _chain,
    _moment,
    is_current,
    is_own,
)
from zhengdun.selfreports.models import ItemReview, Outcome, SelfReport, SelfReportItem


def _item_for_review(actor: User, item: SelfReportItem, permission: str, verb: str) -> SelfReport:
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
    actor: User, item: SelfReportItem, *, check_note: str, outcome: str, version: int | None = None
) -> ItemReview:
    """Record the check of an item (核实情况) and its outcome; editing it again is guarded by the
    review's version (0: none seen yet)."""
    report = _item_for_review(actor, item, "selfreports.review", "核实")
    note = clean_text(check_note, "check_note", "核实情况", required=True, max_length=NOTE_MAX)
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
        guarded_update(
            ItemReview,
            review.pk,
            expected,
            REVIEW_CONFLICT,
            check_note=note,
            outcome=outcome,
            reviewed_by=actor,
            reviewed_at=now,
        )
        review.refresh_from_db()
    record(
        actor,
        "selfreport.item_reviewed",
        report,
        {"item": item.pk, "seq": item.seq, "outcome": [before, outcome], "check_note": note},
    )
    return review


def owner_unit_for(actor: User) -> Unit:
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
    head = f"{person.name}自查报告事项（{item.category.short_label}）："
    body = " ".join(item.description.split())
    summary = head + body
    if len(summary) > 200:
        summary = summary[:199] + "…"
    lines = [
        f"来源：{report.campaign.name}，{person.name}自查事项报告第{report.version}版第{item.seq}项，"
        f"{_moment(report.submitted_at) if report.submitted_at else '—'}提交{'（逾期）' if report.late else ''}。",
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
def convert_item_to_clue(actor: User, item: SelfReportItem) -> Clue:
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
    if done is not None and done.converted_clue is not None:
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
