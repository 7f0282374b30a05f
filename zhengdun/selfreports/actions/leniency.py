"""自查从宽、被查从严 on a clue (the leniency decision): each substantiated subject's recommended
basis, from the facts in the database run through the one rule (selfreports.leniency), and the
human decision that confirms or overrides it (LeniencyDecision, audited).

The recommendation is computed when it is shown, never stored as the truth: a later correction,
a new self-report or a changed result moves it. What a leader decided is stored with the
recommendation and evidence they saw at that moment.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.audit.chain import record
from zhengdun.clues.models import SUBSTANTIATED, Clue, ClueSubject
from zhengdun.core.errors import ConflictError
from zhengdun.core.text import clean_text
from zhengdun.core.versioning import guarded_update
from zhengdun.org.models import Person
from zhengdun.selfreports import leniency
from zhengdun.selfreports.models import Campaign, LeniencyDecision, ReportStatus, SelfReportItem

DECIDE = "selfreports.decide_leniency"


def recommend_many(subjects: list[ClueSubject]) -> dict[int, leniency.Finding]:
    """The rule's basis and evidence for each subject the rule applies to (a substantiated result,
    a roster person), keyed by subject id — gathered in a fixed number of queries however many
    subjects, so statistics can run it over a campaign's clues."""
    applicable = [s for s in subjects if s.result in SUBSTANTIATED and s.person_id]
    if not applicable:
        return {}
    subject_ids = [s.pk for s in applicable]
    clue_ids = {s.clue_id for s in applicable}
    person_ids = {s.person_id for s in applicable}
    clues = {
        c.pk: c
        for c in Clue.objects.filter(pk__in=clue_ids).only(
            "pk", "received_on", "org_aware_at", "categories_at_receipt"
        )
    }
    clue_categories: dict[int, set[int]] = {}
    for clue_id, category_id in Clue.categories.through.objects.filter(clue_id__in=clue_ids).values_list(
        "clue_id", "category_id"
    ):
        clue_categories.setdefault(clue_id, set()).add(category_id)
    findings: dict[int, set[int]] = {}
    for subject_id, category_id in ClueSubject.finding_categories.through.objects.filter(
        cluesubject_id__in=subject_ids
    ).values_list("cluesubject_id", "category_id"):
        findings.setdefault(subject_id, set()).add(category_id)
    disclosures: dict[int, list[leniency.Disclosure]] = {}
    items = SelfReportItem.objects.filter(
        report__person_id__in=person_ids, report__status=ReportStatus.SUBMITTED
    ).select_related("report")
    for item in items:
        submitted_at = item.report.submitted_at
        if submitted_at is None:  # never: a submitted report has its moment (check constraint)
            continue
        disclosures.setdefault(item.report.person_id, []).append(
            leniency.Disclosure(
                item_id=item.pk,
                report_id=item.report_id,
                report_version=item.report.version,
                category_id=item.category_id,
                amount=item.amount,
                submitted_at=submitted_at,
                late=item.report.late,
                item_no=item.seq,
            )
        )
    # the windows that applied to each officer: campaigns organised over their unit
    campaigns = list(Campaign.objects.select_related("unit"))
    unit_paths = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "unit__path"))
    share = _share()
    result: dict[int, leniency.Finding] = {}
    for subject in applicable:
        person_id = subject.person_id
        if person_id is None:  # never: applicable subjects are roster persons (narrows the type)
            continue
        clue = clues[subject.clue_id]
        path = unit_paths.get(person_id) or ""
        matter = leniency.Matter(
            category_ids=frozenset(findings.get(subject.pk) or clue_categories.get(clue.pk, set())),
            known_at_receipt=frozenset(clue.categories_at_receipt),
            received_at=leniency.receipt_moment(clue.received_on),
            org_aware_at=clue.org_aware_at,
            verified_amount=subject.verified_amount,
        )
        windows = [
            leniency.Window(c.pk, c.report_opens_at, c.report_closes_at)
            for c in campaigns
            if path.startswith(c.unit.path)
        ]
        result[subject.pk] = leniency.derive_basis(
            matter, disclosures.get(person_id, []), windows, min_disclosed_share=share
        )
    return result


def recommend(subject: ClueSubject) -> leniency.Finding | None:
    """The rule's basis and evidence for one subject as things stand, or None if the rule does not
    apply (no substantiated result, or a subject not identified in the roster — a self-report is
    filed by a person)."""
    return recommend_many([subject]).get(subject.pk)


def _share() -> Decimal:
    return Decimal(str(settings.LENIENCY_MIN_DISCLOSED_SHARE))


def may_decide(user: User, clue: Clue) -> bool:
    """Whether the user may confirm or override a basis on this clue (a grant over its handling or
    receiving unit; the clue must also be visible to them — recusal and 重要 apply)."""
    units = [u for u in (clue.handling_unit, clue.owner_unit) if u is not None]
    return any(permissions.has_permission(user, DECIDE, u) for u in units)


@transaction.atomic
def decide_basis(
    actor: User, subject: ClueSubject, *, basis: str, reason: str = "", expected_version: int | None = None
) -> LeniencyDecision:
    """Record the human decision on a subject's basis: the recommended one confirmed, or another
    with a reason (改判). Deciding again replaces the decision (guarded on its version); every
    decision is in the audit trail with the recommendation and evidence it was made against."""
    clue = permissions.get_for_user(actor, "clues.view", Clue.objects.all(), pk=subject.clue_id)
    if not may_decide(actor, clue):
        raise PermissionDenied("您没有认定从宽从严依据的权限")
    subject = ClueSubject.objects.select_related("clue", "person__unit").get(pk=subject.pk)
    finding = recommend(subject)
    if finding is None:
        raise ValidationError(
            {"basis": "被反映人核查结论为属实或部分属实且已关联名册的，才能认定从宽从严依据"}
        )
    if basis not in {b.value for b in leniency.Basis}:
        raise ValidationError({"basis": "请选择从宽从严依据"})
    reason = clean_text(reason, "reason", "理由")
    overridden = basis != finding.basis.value
    if overridden and len(reason) < 4:
        raise ValidationError({"reason": "与系统建议不同的认定，须写明理由（至少4个字）"})
    if len(reason) > 2000:
        raise ValidationError({"reason": "理由不能超过2000字"})
    values = {
        "clue": clue,
        "recommended": finding.basis.value,
        "evidence": finding.evidence,
        "summary": finding.summary,
        "basis": basis,
        "overridden": overridden,
        "reason": reason,
        "decided_by": actor,
        "decided_at": timezone.now(),
    }
    existing = LeniencyDecision.objects.filter(subject=subject).first()
    if existing is None:
        if expected_version not in (None, 0):
            raise ConflictError("该认定已被他人撤销或修改，请刷新页面")
        decision = LeniencyDecision.objects.create(subject=subject, **values)
    else:
        guarded_update(
            LeniencyDecision,
            existing.pk,
            expected_version,
            "该认定已被他人修改，请刷新页面后再操作",
            **values,
        )
        decision = LeniencyDecision.objects.get(pk=existing.pk)
    record(
        actor,
        "leniency.overridden" if overridden else "leniency.confirmed",
        decision,
        data={
            "clue": clue.number,
            "subject": subject.name,
            "recommended": finding.basis.label,
            "basis": leniency.Basis(basis).label,
            "reason": reason,
            "evidence": finding.evidence,
        },
    )
    return decision
