"""Campaigns (教育整顿) through the API: read by anyone who files, reviews or configures
self-reports; created, changed, activated and deactivated by the office (selfreports.configure)
through selfreports.actions, as on the campaign pages."""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.

from typing import Annotated, Any

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.errors import HttpError

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.core.api import (
    BODY_RESPONSES,
    COMMON_RESPONSES,
    ErrorOut,
    actor,
    field_error,
    path_id,
    refuse_unknown_params,
)
from zhengdun.org.models import Unit
from zhengdun.selfreports import actions
from zhengdun.selfreports.api.schemas import CampaignIn, CampaignOut, CampaignPatch, campaign_out
from zhengdun.selfreports.models import Campaign

router = Router(tags=["自查事项：教育整顿"])
READERS = ("selfreports.file_own", "selfreports.view", "selfreports.configure")
CampaignId = Annotated[int, path_id("教育整顿ID")]


def _require_reader(user: User) -> None:
    if not any(permissions.has_permission(user, p) for p in READERS):
        raise HttpError(403, "您没有查看教育整顿的权限")


def _campaign(pk: int) -> Campaign:
    campaign = Campaign.objects.select_related("unit").filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def _unit(user: User, pk: int) -> Unit:
    """The organising unit: one the user configures; 'no such unit' and 'not yours' answer alike."""
    unit = permissions.scope(user, "selfreports.configure", Unit.objects.all()).filter(pk=pk).first()
    if unit is None:
        raise field_error("unit_id", "组织单位不存在，或不在您的管理范围内")
    return unit


def _aware(value: Any) -> Any:
    # a time without zone is Beijing time, as on the pages
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _values(user: User, payload: CampaignIn) -> dict[str, Any]:
    return {
        "name": payload.name,
        "unit": _unit(user, payload.unit_id),
        "report_opens_at": _aware(payload.report_opens_at),
        "report_closes_at": _aware(payload.report_closes_at),
    }


def _stages(payload: CampaignIn) -> list[dict[str, Any]] | None:
    if payload.stages is None:
        return None
    return [s.dict() for s in payload.stages]


@router.get(
    "/campaigns",
    response={200: list[CampaignOut], 403: ErrorOut, **COMMON_RESPONSES},
    summary="教育整顿列表",
    description="当前进行的在前，其余按开始时间倒序。",
)
def list_campaigns(request: HttpRequest) -> Any:
    refuse_unknown_params(request)
    _require_reader(actor(request))
    rows = Campaign.objects.select_related("unit").order_by("-is_active", "-report_opens_at", "-id")
    return [campaign_out(c) for c in rows]


@router.get(
    "/campaigns/{campaign_id}",
    response={200: CampaignOut, 403: ErrorOut, 404: ErrorOut, **COMMON_RESPONSES},
    summary="教育整顿详情",
)
def get_campaign(request: HttpRequest, campaign_id: CampaignId) -> Any:
    refuse_unknown_params(request)
    _require_reader(actor(request))
    return campaign_out(_campaign(campaign_id))


@router.post(
    "/campaigns",
    response={201: CampaignOut, 403: ErrorOut, **BODY_RESPONSES},
    summary="新建教育整顿",
    description="新建后尚未启用，须另行启用（activate）。输入有误时返回422，逐字段给出中文说明。",
)
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Any:
    user = actor(request)
    permissions.require(user, "selfreports.configure")
    with transaction.atomic():
        campaign = actions.create_campaign(user, **_values(user, payload))
        stages = _stages(payload)
        if stages is not None:
            actions.set_stages(user, campaign, stages=stages)
    return Status(201, campaign_out(_campaign(campaign.pk)))


@router.put(
    "/campaigns/{campaign_id}",
    response={200: CampaignOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **BODY_RESPONSES},
    summary="修改教育整顿",
    description="修改名称、组织单位、填报时间及各环节。须提交读取时的 version；已被他人修改时返回409。"
    "已有报告提交后，修改不能改变其是否逾期的认定。",
)
def update_campaign(request: HttpRequest, campaign_id: CampaignId, payload: CampaignPatch) -> Any:
    user = actor(request)
    campaign = _campaign(campaign_id)
    permissions.require(user, "selfreports.configure", campaign.unit)
    with transaction.atomic():
        campaign = actions.update_campaign(user, campaign, version=payload.version, **_values(user, payload))
        stages = _stages(payload)
        if stages is not None:
            actions.set_stages(user, campaign, stages=stages)
    return campaign_out(_campaign(campaign.pk))


@router.post(
    "/campaigns/{campaign_id}/activate",
    response={200: CampaignOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **COMMON_RESPONSES},
    summary="启用教育整顿",
    description="设为当前进行的教育整顿；原来进行的同时停用。已是当前进行的返回409。",
)
def activate_campaign(request: HttpRequest, campaign_id: CampaignId) -> Any:
    campaign = actions.activate_campaign(actor(request), _campaign(campaign_id))
    return campaign_out(_campaign(campaign.pk))


@router.post(
    "/campaigns/{campaign_id}/deactivate",
    response={200: CampaignOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **COMMON_RESPONSES},
    summary="停用教育整顿",
    description="结束填报；不是当前进行的返回409。",
)
def deactivate_campaign(request: HttpRequest, campaign_id: CampaignId) -> Any:
    campaign = actions.deactivate_campaign(actor(request), _campaign(campaign_id))
    return campaign_out(_campaign(campaign.pk))
