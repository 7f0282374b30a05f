"""The 从宽从严 panel on a clue's subject cards (registered with clues.views.detail.SUBJECT_PANELS
by this app's AppConfig.ready, so the clue pages need not know this app)."""

from __future__ import annotations

from typing import Any

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues.models import Clue, ClueSubject
from zhengdun.core.pages import mark
from zhengdun.selfreports import leniency
from zhengdun.selfreports.actions import leniency as assessments
from zhengdun.selfreports.models import LeniencyDecision, SelfReport

TEMPLATE = "selfreports/_leniency_panel.html"
BASIS_COLOURS = {
    leniency.Basis.BEFORE: "green",
    leniency.Basis.DURING_UNKNOWN: "green",
    leniency.Basis.TRUTHFUL: "blue",
    leniency.Basis.NONE: "grey",
    leniency.Basis.CONCEALED: "red",
}


def panel_context(
    user: User,
    clue: Clue,
    subject: ClueSubject,
    *,
    form: dict[str, Any] | None = None,
    finding: leniency.Finding | None = None,
    decision: LeniencyDecision | None = None,
    may_decide: bool | None = None,
    visible_reports: set[int] | None = None,
) -> dict[str, Any] | None:
    """What the panel shows for one subject, or None when the rule does not apply to them (the
    finding, decision and right to decide are looked up unless the caller has them)."""
    if finding is None:
        finding = assessments.recommend(subject)
        if finding is None:
            return None
        decision = LeniencyDecision.objects.filter(subject=subject).select_related("decided_by").first()
    report_id = finding.evidence.get("report_id")
    if visible_reports is None:
        visible_reports = _visible_reports(user, [report_id])
    return {
        "subject": subject,
        "finding": finding,
        # the self-report the evidence names, when this user may open it
        "report_id": report_id if report_id in visible_reports else None,
        "colour": BASIS_COLOURS[finding.basis],
        "decision": decision,
        "decision_colour": BASIS_COLOURS[leniency.Basis(decision.basis)] if decision else "",
        "stale": bool(decision and decision.recommended != finding.basis.value),
        "can_decide": assessments.may_decide(user, clue) if may_decide is None else may_decide,
        "choices": leniency.CHOICES,
        "form": form
        or {
            "basis": decision.basis if decision else finding.basis.value,
            "reason": decision.reason if decision else "",
            "version": decision.version if decision else 0,
        },
    }


def _visible_reports(user: User, report_ids: list[Any]) -> set[int]:
    """Which of the self-reports named by the evidence the user may open (one query)."""
    wanted = [i for i in report_ids if i]
    if not wanted:
        return set()
    rows = permissions.scope(user, "selfreports.view", SelfReport.objects.filter(pk__in=wanted))
    return set(rows.values_list("pk", flat=True))


def leniency_panel(user: User, clue: Clue, subjects: list[ClueSubject]) -> None:
    """Attach the panel to each substantiated, identified subject of the clue (a fixed number of
    queries however many subjects)."""
    findings = assessments.recommend_many(subjects)
    if not findings:
        return
    decisions = {
        d.subject_id: d
        for d in LeniencyDecision.objects.filter(subject_id__in=list(findings)).select_related("decided_by")
    }
    may_decide = assessments.may_decide(user, clue)
    visible_reports = _visible_reports(user, [f.evidence.get("report_id") for f in findings.values()])
    for subject in subjects:
        if subject.pk in findings:
            context = panel_context(
                user,
                clue,
                subject,
                finding=findings[subject.pk],
                decision=decisions.get(subject.pk),
                may_decide=may_decide,
                visible_reports=visible_reports,
            )
            # `panels` is the plain attribute the clue page reads (core.hooks contract), no field
            mark(subject, panels=[*getattr(subject, "panels", []), (TEMPLATE, context)])
