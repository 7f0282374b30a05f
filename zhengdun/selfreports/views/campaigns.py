"""教育整顿设置: campaigns, their stages and self-report windows, and which one is active.
For holders of selfreports.configure, on the campaigns organised within their subtree."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.accounts.models import User
from zhengdun.core.errors import ConflictError
from zhengdun.core.pages import mark
from zhengdun.org.forms import apply_errors
from zhengdun.selfreports import actions
from zhengdun.selfreports.forms import CampaignForm, StagesForm
from zhengdun.selfreports.models import WINDOW_COLOURS, Campaign, SelfReport


def _campaigns(user: User) -> list[Campaign]:
    rows = list(
        permissions.scope(
            user, "selfreports.configure", Campaign.objects.select_related("unit")
        ).prefetch_related("stages")
    )
    for c in rows:
        state = c.window_state()
        mark(
            c,
            state_label=state.label,
            state_colour=WINDOW_COLOURS[state],
            submitted=SelfReport.objects.current().filter(campaign=c).count(),
        )
    return rows


def _load(user: User, pk: int) -> Campaign:
    return permissions.get_for_user(
        user, "selfreports.configure", Campaign.objects.select_related("unit"), pk=pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    permissions.require(user, "selfreports.configure")
    form = CampaignForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                campaign = actions.create_campaign(
                    user,
                    name=d["name"],
                    unit=d["unit"],
                    report_opens_at=d["report_opens_at"],
                    report_closes_at=d["report_closes_at"],
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已新建“{campaign.name}”，请设置各环节时间并启用")
            return redirect("selfreports:campaign", campaign.pk)
    return render(request, "selfreports/campaigns.html", {"campaigns": _campaigns(user), "form": form})


def _stages_initial(campaign: Campaign) -> dict[str, str]:
    initial: dict[str, str] = {}
    for s in campaign.stages.all():
        initial[f"{s.stage}_starts_on"] = s.starts_on.isoformat()
        initial[f"{s.stage}_ends_on"] = s.ends_on.isoformat()
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    campaign = _load(user, pk)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    form = CampaignForm(
        request.POST if which == "campaign" else None,
        user=user,
        initial={
            "name": campaign.name,
            "unit": campaign.unit_id,
            "report_opens_at": campaign.report_opens_at,
            "report_closes_at": campaign.report_closes_at,
            "version": campaign.version,
        },
    )
    stages = StagesForm(request.POST if which == "stages" else None, initial=_stages_initial(campaign))
    status = 200
    if which == "campaign" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                actions.update_campaign(
                    user,
                    campaign,
                    version=d["version"],
                    name=d["name"],
                    unit=d["unit"],
                    report_opens_at=d["report_opens_at"],
                    report_closes_at=d["report_closes_at"],
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        except ConflictError as exc:
            form.add_error(None, str(exc))
            status = 409
        else:
            messages.success(request, "已保存教育整顿的修改")
            return redirect("selfreports:campaign", campaign.pk)
    elif which == "stages" and stages.is_valid():
        try:
            with transaction.atomic():
                actions.set_stages(user, campaign, stages=stages.stages())
        except ValidationError as exc:
            apply_errors(stages, exc)
        else:
            messages.success(request, "已保存各环节时间")
            return redirect("selfreports:campaign", campaign.pk)
    state = campaign.window_state()
    context = {
        "campaign": campaign,
        "form": form,
        "stages": stages,
        "state_label": state.label,
        "state_colour": WINDOW_COLOURS[state],
        "submitted": SelfReport.objects.current().filter(campaign=campaign).count(),
        "late": SelfReport.objects.current().filter(campaign=campaign, late=True).count(),
        "active": Campaign.active(),
    }
    return render(request, "selfreports/campaign_edit.html", context, status=status)


@login_required
@require_POST
def campaign_activate(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    campaign = _load(user, pk)
    try:
        actions.activate_campaign(user, campaign)
    except (ValidationError, ConflictError) as exc:
        text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(request, f"已启用“{campaign.name}”，干警现在在该教育整顿中填报自查报告")
    return redirect("selfreports:campaign", campaign.pk)


@login_required
@require_POST
def campaign_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    campaign = _load(user, pk)
    try:
        actions.deactivate_campaign(user, campaign)
    except ConflictError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已停用“{campaign.name}”，当前没有进行中的教育整顿")
    return redirect("selfreports:campaign", campaign.pk)
