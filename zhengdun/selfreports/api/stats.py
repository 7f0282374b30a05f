"""自查统计 through the API: the figures of the statistics page as JSON, each one the count of a
list the caller can open (selfreports.stats, scoped by accounts.permissions)."""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router

from zhengdun.accounts import permissions
from zhengdun.core.api import COMMON_RESPONSES, ErrorOut, actor, refuse_unknown_params
from zhengdun.org.models import Unit
from zhengdun.selfreports import leniency, stats
from zhengdun.selfreports.api.schemas import SelfReportStatsOut, SelfReportStatsQuery
from zhengdun.selfreports.models import Campaign

router = Router(tags=["自查事项：统计"])


def _figures(row: stats.UnitRow) -> dict[str, Any]:
    return {
        "unit_id": row.unit.pk,
        "unit_name": row.unit.name,
        "reports": row.reports,
        "items": row.items,
        "late": row.late,
    }


@router.get(
    "/stats",
    response={200: SelfReportStatsOut, 403: ErrorOut, 404: ErrorOut, **COMMON_RESPONSES},
    summary="自查统计",
    description="某次教育整顿中，某单位（含下级）的自查报告人数、事项数、逾期人数，按下级单位和问题类别分列，"
    "以及自查从宽、被查从严情况。不在查看范围内的单位或不存在的教育整顿返回404。",
)
def statistics(request: HttpRequest, query: Query[SelfReportStatsQuery]) -> Any:
    refuse_unknown_params(request, SelfReportStatsQuery)
    user = actor(request)
    permissions.require(user, "selfreports.view")
    campaigns = Campaign.objects.order_by("-is_active", "-report_opens_at", "-id")
    campaign = campaigns.filter(pk=query.campaign).first() if query.campaign else campaigns.first()
    if query.unit is not None:
        root = permissions.scope(user, "selfreports.view", Unit.objects.all()).filter(pk=query.unit).first()
    else:
        root = stats.root_unit(user)
    if campaign is None or root is None:
        raise Http404
    rows, total = stats.by_unit(user, campaign, root)
    overview = stats.leniency_overview(user, campaign)
    return {
        "campaign_id": campaign.pk,
        "campaign_name": campaign.name,
        "unit_id": root.pk,
        "unit_name": root.name,
        "total": _figures(total),
        "units": [_figures(r) for r in rows],
        "categories": [
            {
                "category_id": c["category_id"],
                "category_code": c["category__code"],
                "category_name": c["category__name"],
                "items": c["items"],
                "reports": c["reports"],
            }
            for c in stats.by_category(user, campaign, root)
        ],
        "leniency": {
            "total": overview.total,
            "self_reported": overview.self_reported,
            "share": overview.share,
            "overridden": overview.overridden,
            "pending": sum(1 for r in overview.rows if r.decision is None),
            "by_basis": [
                {
                    "basis": b.value,
                    "basis_label": b.label,
                    "recommended": overview.by_basis[b.value],
                    "decided": overview.decided[b.value],
                }
                for b in leniency.Basis
            ],
        },
    }
