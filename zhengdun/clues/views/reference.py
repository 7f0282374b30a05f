"""基础设置: the clue reference lists an office maintains (sources, local categories, time limits)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.clues import configuration
from zhengdun.clues.models import Category, Channel, DeadlineRule
from zhengdun.core.pages import mark
from zhengdun.org.models import Unit


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    # a county office opens the page for its own local categories; what it may change is
    # decided per item by clues.configuration (the city-wide lists are read-only to it)
    user = current_user(request)
    permissions.require(user, configuration.PERMISSION)
    errors: dict[str, dict[str, list[str]]] = {}
    typed: dict[str, dict[str, str]] = {}
    if request.method == "POST":
        form = request.POST.get("form", "")
        typed[form] = request.POST.dict()
        try:
            if form == "channel":
                configuration.add_channel(
                    user, code=request.POST.get("code", ""), name=request.POST.get("name", "")
                )
                messages.success(request, "已新增线索来源")
            elif form == "category":
                units = permissions.scope(user, configuration.PERMISSION, Unit.objects.all())
                unit = units.filter(pk=request.POST.get("unit") or 0).first()
                if unit is None:
                    raise ValidationError({"unit": "请选择设立单位"})
                configuration.add_local_category(
                    user,
                    unit=unit,
                    code=request.POST.get("code", ""),
                    name=request.POST.get("name", ""),
                )
                messages.success(request, "已新增本地问题类别")
            elif form == "rule":
                try:
                    days = int(request.POST.get("days", ""))
                except ValueError:
                    raise ValidationError({"days": "办理时限须为整数天数"}) from None
                configuration.set_deadline_rule(
                    user,
                    channel=Channel.objects.filter(pk=request.POST.get("channel") or 0).first(),
                    category=Category.objects.filter(pk=request.POST.get("category") or 0).first(),
                    days=days,
                    working_days=request.POST.get("working_days") == "1",
                )
                messages.success(request, "已保存办理时限规则")
            return redirect("clues:settings")
        except ValidationError as exc:
            errors[form] = _errors(exc)
    categories = list(Category.objects.select_related("unit"))
    for category in categories:
        mark(category, may_change=not category.is_national and configuration.may_change(user, category))
    return render(
        request,
        "clues/settings.html",
        {
            "may_configure_city": configuration.may_configure_city(user),
            "channels": Channel.objects.all(),
            "categories": categories,
            "rules": DeadlineRule.objects.select_related("channel", "category").order_by(
                "channel__sort_order", "category__sort_order"
            ),
            "units": permissions.scope(user, configuration.PERMISSION, Unit.objects.filter(is_active=True)),
            "errors": errors,
            "typed": typed,
        },
    )


@login_required
@require_POST
def toggle(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item: Channel | Category
    if kind == "channel":
        item = get_object_or_404(Channel, pk=pk)
    elif kind == "category":
        item = get_object_or_404(Category, pk=pk)
    else:
        return redirect("clues:settings")
    try:
        configuration.set_active(current_user(request), item, active=not item.is_active)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("clues:settings")


@login_required
@require_POST
def delete_rule(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        configuration.delete_deadline_rule(current_user(request), get_object_or_404(DeadlineRule, pk=pk))
        messages.success(request, "已删除办理时限规则")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("clues:settings")


urlpatterns = [
    path("settings/", settings_page, name="settings"),
    path("settings/<str:kind>/<int:pk>/toggle/", toggle, name="settings_toggle"),
    path("settings/rules/<int:pk>/delete/", delete_rule, name="settings_rule_delete"),
]
