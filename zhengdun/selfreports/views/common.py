"""Loading and showing self-reports, shared by the pages. Every read goes through
accounts.permissions (scope / get_for_user): a report out of reach answers 404 like one that
does not exist."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues.models import Clue
from zhengdun.core import hooks
from zhengdun.selfreports import actions
from zhengdun.selfreports.models import (
    WINDOW_COLOURS,
    Campaign,
    ItemReview,
    RelatedPerson,
    SelfReport,
    SelfReportItem,
    SelfReportQuerySet,
)

REPORTS = SelfReport.objects.select_related("campaign", "person", "person__unit", "unit", "filed_by")


def load_report(user: User, pk: int) -> SelfReport:
    return permissions.get_for_user(user, "selfreports.view", REPORTS, pk=pk)


def chain_of(user: User, report: SelfReport) -> list[SelfReport]:
    """The versions (and any draft) of this person's report in this campaign the user may see."""
    rows = SelfReport.objects.filter(campaign_id=report.campaign_id, person_id=report.person_id)
    visible = permissions.scope(user, "selfreports.view", rows.select_related("filed_by"))
    return list(visible.order_by("version"))


def items_of(report: SelfReport) -> list[SelfReportItem]:
    return list(
        report.items.select_related("category", "review", "review__reviewed_by", "review__converted_clue")
        .prefetch_related(
            Prefetch("related_persons", queryset=RelatedPerson.objects.order_by("id")), "attachments"
        )
        .order_by("seq")
    )


@dataclass
class ItemView:
    """An item as a page shows it: what changed since the version before, and its review."""

    item: SelfReportItem
    change: str = ""  # "added", "changed" or "" (unchanged, or a first version)
    review: ItemReview | None = None
    clue_visible: bool = False
    # (template, context) pairs other capabilities add through ITEM_PANELS
    panels: list[tuple[str, Any]] = field(default_factory=list)


# Other capabilities add a panel to each item of a report's page here (e.g. rectification: the
# problems made from the item) from their AppConfig.ready, so this app needs no import of them.
# Each is called with (user, report, item views) and appends (template, context) to view.panels.
ITEM_PANELS = hooks.SELFREPORT_ITEM_PANELS


CHANGE_LABELS = {
    "added": ("本版新增", "blue"),
    "changed": ("本版修改", "yellow"),
    "removed": ("本版删除", "grey"),
}


def item_views(
    user: User, report: SelfReport, *, with_reviews: bool
) -> tuple[list[ItemView], list[SelfReportItem]]:
    """The report's items marked against its previous version, and the items it removed."""
    items = items_of(report)
    before: dict[str, SelfReportItem] = {}
    if report.previous_id:
        before = {i.key: i for i in items_of(SelfReport(pk=report.previous_id))}
    reviews = {i.pk: getattr(i, "review", None) for i in items}
    clue_ids = {r.converted_clue_id for r in reviews.values() if r is not None and r.converted_clue_id}
    visible_clues: set[int] = set()
    if clue_ids and with_reviews:
        clues = permissions.scope(user, "clues.view", Clue.objects.filter(pk__in=clue_ids))
        visible_clues = set(clues.values_list("pk", flat=True))
    views = []
    for item in items:
        change = ""
        if report.previous_id:
            old = before.get(item.key)
            if old is None:
                change = "added"
            elif old.signature() != item.signature():
                change = "changed"
        review = reviews[item.pk] if with_reviews else None
        views.append(
            ItemView(item, change, review, bool(review and review.converted_clue_id in visible_clues))
        )
    keys = {i.key for i in items}
    removed = [i for i in before.values() if i.key not in keys]
    return views, removed


def shows_reviews(user: User, report: SelfReport) -> bool:
    """核实情况 are the discipline staff's records: not shown to the officer reported about."""
    return not actions.is_own(user, report) and permissions.has_permission(
        user, "selfreports.view", report.unit
    )


def window(campaign: Campaign | None) -> dict[str, Any] | None:
    if campaign is None:
        return None
    state = campaign.window_state()
    return {"state": state, "label": state.label, "colour": WINDOW_COLOURS[state]}


def visible_reports(user: User) -> SelfReportQuerySet:
    return permissions.scope(user, "selfreports.view", SelfReport.objects.all())
