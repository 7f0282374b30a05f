"""自查从宽、被查从严 on a clue subject through the API: the basis the rule derives from the facts
(selfreports.leniency via actions.leniency, with its evidence — computed when asked, never
stored as the truth) and the leader's decision confirming or overriding it, with a reason
(guarded by the decision's version: 409 when someone decided since).

The subject is reached through its clue, so the clue's scope applies (units, recusal, 重要): out
of reach answers 404. `subject_leniency` gives the same answer for a clue's subjects at once, for
the clue detail to carry."""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.

from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Router

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues.models import Clue, ClueSubject
from zhengdun.core.api import (
    BODY_RESPONSES,
    COMMON_RESPONSES,
    ErrorOut,
    actor,
    path_id,
    refuse_unknown_params,
)
from zhengdun.selfreports.actions import leniency as decisions
from zhengdun.selfreports.api.schemas import LeniencyDecisionIn, LeniencyOut, decision_out
from zhengdun.selfreports.models import LeniencyDecision, SelfReport

router = Router(tags=["自查事项：从宽从严"])
SubjectId = Annotated[int, path_id("被反映人ID（问题线索的被反映人）")]


def subject_leniency(user: User, clue: Clue, subjects: list[ClueSubject]) -> dict[int, dict[str, Any]]:
    """LeniencyOut (as a dict) for each of a clue's subjects, keyed by subject id, in a fixed
    number of queries. The caller has already checked that `user` may see `clue`."""
    findings = decisions.recommend_many(subjects)
    stored = {
        d.subject_id: d
        for d in LeniencyDecision.objects.filter(subject_id__in=[s.pk for s in subjects]).select_related(
            "decided_by"
        )
    }
    report_ids = {f.evidence.get("report_id") for f in findings.values()} - {None}
    visible = set(
        permissions.scope(user, "selfreports.view", SelfReport.objects.filter(pk__in=report_ids)).values_list(
            "pk", flat=True
        )
    )
    can_decide = decisions.may_decide(user, clue)
    result: dict[int, dict[str, Any]] = {}
    for subject in subjects:
        finding = findings.get(subject.pk)
        decision = stored.get(subject.pk)
        report_id = finding.evidence.get("report_id") if finding else None
        result[subject.pk] = {
            "subject_id": subject.pk,
            "applies": finding is not None,
            "basis": finding.basis.value if finding else None,
            "basis_label": finding.basis.label if finding else None,
            "summary": finding.summary if finding else None,
            "evidence": finding.evidence if finding else None,
            "report_id": report_id if report_id in visible else None,
            "decision": decision_out(decision) if decision else None,
            "stale": bool(finding and decision and decision.recommended != finding.basis.value),
            "can_decide": can_decide and finding is not None,
        }
    return result


def _subject(user: User, pk: int) -> ClueSubject:
    visible = permissions.scope(user, "clues.view", Clue.objects.all())
    subject = (
        ClueSubject.objects.select_related("clue", "clue__handling_unit", "clue__owner_unit", "person__unit")
        .filter(clue__in=visible, pk=pk)
        .first()
    )
    if subject is None:
        raise Http404
    return subject


@router.get(
    "/leniency/{subject_id}",
    response={200: LeniencyOut, 404: ErrorOut, **COMMON_RESPONSES},
    summary="从宽从严依据",
    description="系统按自查报告、线索受理与核查结论推导的建议依据及其事实，和领导的认定。"
    "不适用时 applies 为 false。不可查看该线索的返回404。",
)
def get_basis(request: HttpRequest, subject_id: SubjectId) -> Any:
    refuse_unknown_params(request)
    user = actor(request)
    subject = _subject(user, subject_id)
    return subject_leniency(user, subject.clue, [subject])[subject.pk]


@router.post(
    "/leniency/{subject_id}/decision",
    response={200: LeniencyOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **BODY_RESPONSES},
    summary="认定从宽从严依据",
    description="确认系统建议，或改判为其他依据（须写明理由，至少4个字）。首次认定 version 为0，"
    "再次认定提交读取时的 version；已被他人认定或修改时返回409。",
)
def decide(request: HttpRequest, subject_id: SubjectId, payload: LeniencyDecisionIn) -> Any:
    user = actor(request)
    subject = _subject(user, subject_id)
    decisions.decide_basis(
        user, subject, basis=payload.basis, reason=payload.reason, expected_version=payload.version
    )
    return subject_leniency(user, subject.clue, [subject])[subject.pk]
