"""自查统计 and the list behind its leniency figures (从宽从严情况)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.accounts.models import User
from zhengdun.org.models import Unit
from zhengdun.selfreports import leniency, stats
from zhengdun.selfreports.models import Campaign

PAGE_SIZE = 20


def _campaign(request: HttpRequest) -> tuple[Campaign | None, list[Campaign]]:
    campaigns = list(Campaign.objects.order_by("-is_active", "-report_opens_at", "-id"))
    wanted = request.GET.get("campaign", "")
    chosen = next((c for c in campaigns if str(c.pk) == wanted), None)
    return chosen or (campaigns[0] if campaigns else None), campaigns


def _root(request: HttpRequest, user: User) -> Unit | None:
    """The unit whose children are the table's rows: the requested one if within the user's view,
    else the top of their view."""
    wanted = request.GET.get("unit", "")
    if wanted.isdigit():
        unit = Unit.objects.filter(pk=int(wanted)).first()
        if unit and permissions.has_permission(user, "selfreports.view", unit):
            return unit
    return stats.root_unit(user)


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    permissions.require(user, "selfreports.view")
    campaign, campaigns = _campaign(request)
    root = _root(request, user)
    context: dict[str, Any] = {"campaign": campaign, "campaigns": campaigns, "root": root}
    if campaign and root:
        rows, total = stats.by_unit(user, campaign, root)
        overview = stats.leniency_overview(user, campaign)
        context |= {
            "rows": rows,
            "total": total,
            "categories": stats.by_category(user, campaign, root),
            "overview": overview,
            "bases": [
                (b.value, b.label, overview.by_basis[b.value], overview.decided[b.value])
                for b in leniency.Basis
            ],
            "pending": sum(1 for r in overview.rows if r.decision is None),
            "parent": root.parent
            if root.parent and permissions.has_permission(user, "selfreports.view", root.parent)
            else None,
        }
    return render(request, "selfreports/stats.html", context)


@login_required
def leniency_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    permissions.require(user, "selfreports.view")
    campaign, campaigns = _campaign(request)
    basis = request.GET.get("basis", "")
    decided = request.GET.get("decided", "")
    basis = basis if basis in {b.value for b in leniency.Basis} else ""
    if decided not in {"pending", "overridden", *(b.value for b in leniency.Basis)}:
        decided = ""
    rows = (
        stats.filter_rows(stats.leniency_overview(user, campaign).rows, basis=basis, decided=decided)
        if campaign
        else []
    )
    raw_page = request.GET.get("page", "1")
    number = max(1, int(raw_page)) if raw_page.isdigit() else 1
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    number = min(number, pages)
    context = {
        "campaign": campaign,
        "campaigns": campaigns,
        "rows": rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE],
        "count": len(rows),
        "number": number,
        "pages": pages,
        "basis": basis,
        "decided": decided,
        "choices": leniency.CHOICES,
    }
    return render(request, "selfreports/leniency_list.html", context)
