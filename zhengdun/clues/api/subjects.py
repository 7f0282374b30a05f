"""The people a clue is about: adding and removing them, each one's 核查结论, 处理措施 and
澄清正名; and the outcome of a transfer. Every answer is the clue's full record."""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.

from typing import Any

from django.http import HttpRequest

from zhengdun.accounts import permissions
from zhengdun.clues import actions
from zhengdun.clues.api import inputs
from zhengdun.clues.api._common import (
    ACTION_NOTE,
    ACTION_RESPONSES,
    ClueId,
    MeasureId,
    SubjectId,
    TransferId,
    act,
    after,
    as_422,
    categories_of,
    router,
    subject_act,
)
from zhengdun.clues.models import Clue, Measure, Transfer
from zhengdun.core.api import actor


@router.post(
    "/{clue_id}/subjects",
    response=ACTION_RESPONSES,
    summary="增加被反映人",
    description="从名册选择（person_id）或填写姓名、单位、职务。" + ACTION_NOTE,
)
def add_subject(request: HttpRequest, clue_id: ClueId, payload: inputs.SubjectIn) -> Any:
    return act(
        request,
        clue_id,
        lambda user, clue: actions.add_subject(user, clue, payload.dict()),
        subjects="person_id" if payload.person_id else "name",
    )


@router.delete(
    "/subjects/{subject_id}",
    response=ACTION_RESPONSES,
    summary="删除被反映人",
    description="删除尚未录入核查结论和处理措施的被反映人；线索至少保留一名。" + ACTION_NOTE,
)
def remove_subject(request: HttpRequest, subject_id: SubjectId) -> Any:
    return subject_act(request, subject_id, lambda user, subject: actions.remove_subject(user, subject))


@router.post(
    "/subjects/{subject_id}/result",
    response=ACTION_RESPONSES,
    summary="录入核查结论",
    description="为一名被反映人录入核查结论（属实、部分属实、不属实、无法查实）。" + ACTION_NOTE,
)
def record_result(request: HttpRequest, subject_id: SubjectId, payload: inputs.ResultIn) -> Any:
    return subject_act(
        request,
        subject_id,
        lambda user, subject: actions.record_result(
            user,
            subject,
            result=payload.result,
            note=payload.note,
            verified_amount=payload.verified_amount,
            finding_categories=categories_of(payload.finding_categories, "finding_categories"),
        ),
        result_note="note",
    )


@router.post(
    "/subjects/{subject_id}/measures",
    response=ACTION_RESPONSES,
    summary="录入处理措施",
    description="为核查属实或部分属实的被反映人录入处理措施；形态取最重的措施。" + ACTION_NOTE,
)
def add_measure(request: HttpRequest, subject_id: SubjectId, payload: inputs.MeasureIn) -> Any:
    return subject_act(
        request,
        subject_id,
        lambda user, subject: actions.add_measure(
            user, subject, kind=payload.kind, decided_on=payload.decided_on, note=payload.note
        ),
    )


@router.delete(
    "/measures/{measure_id}",
    response=ACTION_RESPONSES,
    summary="删除处理措施",
    description="删除误录的处理措施，形态随之重新计算。" + ACTION_NOTE,
)
def remove_measure(request: HttpRequest, measure_id: MeasureId) -> Any:
    user = actor(request)
    clue = permissions.get_for_user(user, "clues.view", Clue.objects.all(), subjects__measures__pk=measure_id)
    measure = Measure.objects.select_related("subject").get(pk=measure_id, subject__clue=clue)
    with as_422():
        actions.remove_measure(user, measure)
    return after(user, clue.pk)


@router.post(
    "/subjects/{subject_id}/cleared",
    response=ACTION_RESPONSES,
    summary="澄清正名",
    description="为核查不属实的被反映人澄清正名（或撤销）。" + ACTION_NOTE,
)
def set_cleared(request: HttpRequest, subject_id: SubjectId, payload: inputs.ClearedIn) -> Any:
    return subject_act(
        request,
        subject_id,
        lambda user, subject: actions.set_cleared(user, subject, cleared=payload.cleared, note=payload.note),
    )


@router.post(
    "/transfers/{transfer_id}/outcome",
    response=ACTION_RESPONSES,
    summary="登记移交结果",
    description="登记接收单位对移交线索的办理结果（计入统计）。" + ACTION_NOTE,
)
def transfer_outcome(request: HttpRequest, transfer_id: TransferId, payload: inputs.TransferOutcomeIn) -> Any:
    user = actor(request)
    clue = permissions.get_for_user(user, "clues.view", Clue.objects.all(), transfers__pk=transfer_id)
    found = Transfer.objects.get(pk=transfer_id, clue=clue)
    with as_422():
        actions.record_transfer_outcome(
            user, found, outcome=payload.outcome, result=payload.outcome_result, outcome_on=payload.outcome_on
        )
    return after(user, clue.pk)
