"""The list filters of 自查事项: narrowing an already scoped report queryset by what the list page
and the API accept, and ordering it. Scoping stays with the caller (accounts.permissions)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from zhengdun.accounts.permissions import units_under
from zhengdun.selfreports.models import Outcome, SelfReportItem, SelfReportQuerySet

__all__ = ["filter_reports"]


def _unreviewed(report_ref: Any) -> QuerySet[SelfReportItem]:
    return SelfReportItem.objects.filter(report=report_ref).filter(
        Q(review__isnull=True) | Q(review__outcome="")
    )


def filter_reports(queryset: SelfReportQuerySet, params: dict[str, Any]) -> SelfReportQuerySet:
    """Narrow an already scoped report queryset by the list's filters, and order it."""
    qs = queryset.drafts() if params.get("status") == "draft" else queryset.current()
    if params.get("campaign"):
        qs = qs.filter(campaign_id=params["campaign"])
    unit = params.get("unit")
    if unit is not None:
        qs = qs.filter(unit__in=units_under([unit.path]))
    if params.get("category"):
        qs = qs.filter(
            Exists(SelfReportItem.objects.filter(report=OuterRef("pk"), category_id=params["category"]))
        )
    if params.get("late") in ("0", "1"):
        qs = qs.filter(late=params["late"] == "1")
    if params.get("reviewed") == "pending":
        qs = qs.filter(Exists(_unreviewed(OuterRef("pk"))))
    elif params.get("reviewed") == "done":
        qs = qs.filter(Exists(SelfReportItem.objects.filter(report=OuterRef("pk")))).exclude(
            Exists(_unreviewed(OuterRef("pk")))
        )
    if params.get("outcome") in Outcome.values:
        reviewed = SelfReportItem.objects.filter(report=OuterRef("pk"), review__outcome=params["outcome"])
        qs = qs.filter(Exists(reviewed))
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(person__name__contains=q) | Q(person__police_no__iexact=q))
    if params.get("status") == "draft":
        return qs.order_by("-created_at", "-id")
    return qs.order_by("-submitted_at", "-id")
