"""Campaigns (教育整顿): creating and changing one with its self-report window and stages, and
choosing the one officers file in (at most one active)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.audit.chain import diff, record
from zhengdun.core.dates import parse_date
from zhengdun.core.errors import ConflictError
from zhengdun.core.text import clean_text
from zhengdun.core.versioning import guarded_update
from zhengdun.org.models import Unit
from zhengdun.selfreports.actions.common import CAMPAIGN_CONFLICT, _moment
from zhengdun.selfreports.models import STAGE_ORDER, Campaign, CampaignStage, SelfReport, Stage


def _clean_campaign(name: Any, opens: Any, closes: Any) -> dict[str, Any]:
    errors: dict[str, str] = {}
    try:
        name = clean_text(name, "name", "名称", required=True, max_length=100)
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
    actor: User, *, name: str, unit: Unit, report_opens_at: dt.datetime, report_closes_at: dt.datetime
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
    actor: User,
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
    guarded_update(Campaign, campaign.pk, expected, CAMPAIGN_CONFLICT, unit=unit, **values)
    campaign.refresh_from_db()
    changes = diff(before, _campaign_data(campaign))
    record(actor, "campaign.changed", campaign, {"changes": changes})
    return campaign


@transaction.atomic
def set_stages(actor: User, campaign: Campaign, *, stages: list[dict[str, Any]]) -> list[CampaignStage]:
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
def activate_campaign(actor: User, campaign: Campaign) -> Campaign:
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
def deactivate_campaign(actor: User, campaign: Campaign) -> Campaign:
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
