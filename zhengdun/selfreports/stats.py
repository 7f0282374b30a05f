"""Self-report statistics (issue 4 §5): every figure is the count of a list the user can open.

Counts of reports and items come from SQL (grouped, scoped by accounts.permissions.scope); the
share of substantiated clue subjects who had reported the matter themselves comes from the one
rule (selfreports.actions.leniency.recommend_many), run over the campaign's clues in scope.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues.models import SUBSTANTIATED, Clue, ClueSubject
from zhengdun.org.models import Unit
from zhengdun.selfreports import leniency
from zhengdun.selfreports.actions import leniency as assessments
from zhengdun.selfreports.models import (
    Campaign,
    LeniencyDecision,
    SelfReport,
    SelfReportItem,
    SelfReportQuerySet,
)


@dataclass
class UnitRow:
    unit: Unit
    reports: int = 0
    items: int = 0
    late: int = 0


@dataclass
class SubjectRow:
    subject: ClueSubject
    finding: leniency.Finding
    decision: LeniencyDecision | None


@dataclass
class Leniency:
    rows: list[SubjectRow] = field(default_factory=list)
    by_basis: Counter[str] = field(default_factory=Counter)
    decided: Counter[str] = field(default_factory=Counter)
    overridden: int = 0

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def self_reported(self) -> int:
        return self.by_basis[leniency.Basis.BEFORE] + self.by_basis[leniency.Basis.DURING_UNKNOWN]

    @property
    def share(self) -> str:
        return f"{self.self_reported * 100 / self.total:.1f}%" if self.total else "—"


def current_reports(user: User, campaign: Campaign) -> SelfReportQuerySet:
    """The current submitted version of each report the user may see in the campaign."""
    visible = permissions.scope(user, "selfreports.view", SelfReport.objects.all())
    return visible.current().filter(campaign=campaign)


def by_unit(user: User, campaign: Campaign, root: Unit) -> tuple[list[UnitRow], UnitRow]:
    """Reports, items and late filings under each child unit of root (its whole subtree), and the
    total for root."""
    reports = current_reports(user, campaign).filter(unit__path__startswith=root.path)
    grouped = reports.values("unit__path", "late").annotate(
        # not "items": the stubs refuse an annotation named like the reverse relation it counts
        n=Count("id", distinct=True),
        item_n=Count("items"),
    )
    children = [UnitRow(u) for u in Unit.objects.filter(parent=root).order_by("sort_order", "path")]
    total = UnitRow(root)
    for row in grouped:
        path = row["unit__path"]
        targets = [total, *(c for c in children if path.startswith(c.unit.path))]
        for target in targets:
            target.reports += row["n"]
            target.items += row["item_n"]
            target.late += row["n"] if row["late"] else 0
    return [c for c in children if c.reports], total


def by_category(user: User, campaign: Campaign, root: Unit) -> list[dict[str, Any]]:
    """Items and the reports containing them, per category."""
    reports = current_reports(user, campaign).filter(unit__path__startswith=root.path)
    return list(
        SelfReportItem.objects.filter(report__in=reports)
        .values("category_id", "category__code", "category__name")
        .annotate(items=Count("id"), reports=Count("report", distinct=True))
        .order_by("category__code")
    )


def campaign_subjects(user: User, campaign: Campaign) -> list[ClueSubject]:
    """Substantiated, roster-identified subjects of the clues the user may see that were received
    since the campaign's self-report window opened."""
    since = timezone.localtime(campaign.report_opens_at).date()
    clues = permissions.scope(user, "clues.view", Clue.objects.filter(received_on__gte=since))
    return list(
        ClueSubject.objects.filter(clue__in=clues, result__in=SUBSTANTIATED, person__isnull=False)
        .select_related("clue", "person__unit")
        .order_by("-clue__received_on", "-clue_id", "id")
    )


def leniency_overview(user: User, campaign: Campaign) -> Leniency:
    """The rule's basis for each such subject, the human decisions, and their counts."""
    subjects = campaign_subjects(user, campaign)
    findings = assessments.recommend_many(subjects)
    decisions = {
        d.subject_id: d
        for d in LeniencyDecision.objects.filter(subject_id__in=list(findings)).select_related("decided_by")
    }
    result = Leniency()
    for subject in subjects:
        finding = findings.get(subject.pk)
        if finding is None:
            continue
        decision = decisions.get(subject.pk)
        result.rows.append(SubjectRow(subject, finding, decision))
        result.by_basis[finding.basis.value] += 1
        if decision:
            result.decided[decision.basis] += 1
            result.overridden += decision.overridden
    return result


def filter_rows(rows: list[SubjectRow], *, basis: str = "", decided: str = "") -> list[SubjectRow]:
    """The rows behind one figure: by recommended basis, by decided basis, "pending" (no decision)
    or "overridden"."""
    if basis:
        rows = [r for r in rows if r.finding.basis.value == basis]
    if decided == "pending":
        rows = [r for r in rows if r.decision is None]
    elif decided == "overridden":
        rows = [r for r in rows if r.decision and r.decision.overridden]
    elif decided:
        rows = [r for r in rows if r.decision and r.decision.basis == decided]
    return rows


def root_unit(user: User) -> Unit | None:
    """The top unit of the user's self-report view (the first of their grants)."""
    paths = permissions.unit_paths_for(user, "selfreports.view")
    if not paths:
        return None
    return Unit.objects.filter(Q(path=paths[0])).first()
