"""Registering and editing a clue, and its workflow actions — one endpoint each, with its own
body schema, each calling the same clues.actions function as the page's button."""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.responses import Status as Reply

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues import actions
from zhengdun.clues.api import inputs, schemas
from zhengdun.clues.api._common import (
    ACTION_NOTE,
    ACTION_RESPONSES,
    ClueId,
    act,
    as_422,
    categories_of,
    channel_of,
    detail,
    router,
    users_of,
    visible,
)
from zhengdun.core.api import BODY_RESPONSES, ErrorOut, actor, field_error
from zhengdun.org.models import Unit


@router.post(
    "",
    response={201: schemas.ClueDetail, 403: ErrorOut, **BODY_RESPONSES},
    summary="登记线索",
    description="登记一条线索并自动编号；登记单位为受理单位。外部编号重复、受理日期晚于今天等输入错误返回422。",
)
def register(request: HttpRequest, payload: inputs.ClueIn) -> Any:
    user = actor(request)
    if not permissions.has_permission(user, "clues.register"):
        raise PermissionDenied("您没有登记线索的权限")
    units = permissions.scope(user, "clues.register", Unit.objects.all())
    owner_unit = units.filter(pk=payload.owner_unit_id).first()
    if owner_unit is None:
        raise field_error("owner_unit_id", "受理单位不存在，或您无权在该单位登记线索")
    reporter = payload.reporter.dict() if payload.reporter else None
    with as_422({"reporter_name": "reporter.name"}):
        clue = actions.register_clue(
            user,
            owner_unit=owner_unit,
            channel=channel_of(payload.channel),
            received_on=payload.received_on,
            reporting_mode=payload.reporting_mode,
            summary=payload.summary,
            content=payload.content,
            categories=categories_of(payload.categories),
            subjects=[s.dict() for s in payload.subjects],
            reporter=reporter,
            external_ref=payload.external_ref,
            sensitivity=payload.sensitivity,
            viewers=users_of(payload.viewer_ids, "viewer_ids"),
        )
    return Reply(201, detail(clue.pk))


@router.patch(
    "/{clue_id}",
    response=ACTION_RESPONSES,
    summary="修改登记信息",
    description=(
        "只修改提交的字段，仅限已登记、已交办状态。须提交读取时的 version；线索已被他人修改时返回409，"
        "不做任何修改。"
    ),
)
def update(request: HttpRequest, clue_id: ClueId, payload: inputs.CluePatch) -> Any:
    values = payload.dict(exclude_unset=True)
    version = values.pop("version")
    values = {k: v for k, v in values.items() if v is not None}
    if "channel" in values:
        values["channel_id"] = channel_of(values.pop("channel")).pk
    categories = categories_of(values.pop("categories")) if "categories" in values else None
    return act(
        request,
        clue_id,
        lambda user, clue: actions.update_clue(user, clue, version=version, categories=categories, **values),
        channel_id="channel",
    )


# --- workflow actions, one endpoint each -----------------------------------------------------


@router.post(
    "/{clue_id}/actions/assign",
    response=ACTION_RESPONSES,
    summary="交办",
    description="把已登记的线索交办给承办单位（可指定承办人和办理时限，缺省按时限规则计算）。" + ACTION_NOTE,
)
def assign(request: HttpRequest, clue_id: ClueId, payload: inputs.AssignIn) -> Any:
    unit = Unit.objects.filter(pk=payload.unit_id).first()
    if unit is None:
        raise field_error("unit_id", "只能交办给本单位管辖范围内的单位")
    handler = None
    if payload.handler_id is not None:
        handler = User.objects.filter(pk=payload.handler_id, is_active=True).first()
        if handler is None:
            raise field_error("handler_id", "该承办人不是承办单位的单位承办人")
    return act(
        request,
        clue_id,
        lambda user, clue: actions.assign_clue(
            user, clue, unit=unit, handler=handler, deadline=payload.deadline, note=payload.note
        ),
        unit="unit_id",
        handler="handler_id",
    )


@router.post(
    "/{clue_id}/actions/return",
    response=ACTION_RESPONSES,
    summary="退回",
    description="承办单位把交办错误的线索退回教育整顿办，须说明理由。" + ACTION_NOTE,
)
def return_(request: HttpRequest, clue_id: ClueId, payload: inputs.ReasonIn) -> Any:
    return act(request, clue_id, lambda user, clue: actions.return_clue(user, clue, reason=payload.reason))


@router.post(
    "/{clue_id}/actions/propose-disposition",
    response=ACTION_RESPONSES,
    summary="提出处置意见",
    description="承办人提出谈话函询、初步核实、暂存待查或予以了结的处置意见，报领导审批。" + ACTION_NOTE,
)
def propose_disposition(request: HttpRequest, clue_id: ClueId, payload: inputs.ProposeIn) -> Any:
    return act(
        request,
        clue_id,
        lambda user, clue: actions.propose_disposition(
            user, clue, disposition=payload.disposition, reason=payload.reason
        ),
    )


@router.post(
    "/{clue_id}/actions/approve-disposition",
    response=ACTION_RESPONSES,
    summary="批准处置意见",
    description="领导批准处置意见（审批人不能是提出人本人）。" + ACTION_NOTE,
)
def approve_disposition(request: HttpRequest, clue_id: ClueId, payload: inputs.CommentIn) -> Any:
    return act(
        request,
        clue_id,
        lambda user, clue: actions.approve_disposition(user, clue, comment=payload.comment),
        reason="comment",
    )


@router.post(
    "/{clue_id}/actions/reject-disposition",
    response=ACTION_RESPONSES,
    summary="退回处置意见",
    description="领导退回处置意见，须说明理由。" + ACTION_NOTE,
)
def reject_disposition(request: HttpRequest, clue_id: ClueId, payload: inputs.ReasonIn) -> Any:
    return act(
        request, clue_id, lambda user, clue: actions.reject_disposition(user, clue, comment=payload.reason)
    )


@router.post(
    "/{clue_id}/actions/reactivate",
    response=ACTION_RESPONSES,
    summary="重新启用暂存线索",
    description="暂存待查的线索有新情况时重新启用，回到已交办状态。" + ACTION_NOTE,
)
def reactivate(request: HttpRequest, clue_id: ClueId, payload: inputs.ReasonIn) -> Any:
    return act(
        request, clue_id, lambda user, clue: actions.reactivate_clue(user, clue, reason=payload.reason)
    )


@router.post(
    "/{clue_id}/actions/submit-closure",
    response=ACTION_RESPONSES,
    summary="提请办结",
    description="每名被反映人均已录入核查结论后，提交办结报告报领导审批。" + ACTION_NOTE,
)
def submit_closure(request: HttpRequest, clue_id: ClueId, payload: inputs.SubmitClosureIn) -> Any:
    return act(request, clue_id, lambda user, clue: actions.submit_closure(user, clue, reason=payload.reason))


@router.post(
    "/{clue_id}/actions/approve-closure",
    response=ACTION_RESPONSES,
    summary="批准办结",
    description="领导批准办结；可联系的举报人开始计算反馈期限。" + ACTION_NOTE,
)
def approve_closure(request: HttpRequest, clue_id: ClueId, payload: inputs.CommentIn) -> Any:
    return act(
        request,
        clue_id,
        lambda user, clue: actions.approve_closure(user, clue, comment=payload.comment),
        reason="comment",
    )


@router.post(
    "/{clue_id}/actions/reject-closure",
    response=ACTION_RESPONSES,
    summary="退回办结",
    description="领导退回办结申请，须说明理由。" + ACTION_NOTE,
)
def reject_closure(request: HttpRequest, clue_id: ClueId, payload: inputs.ReasonIn) -> Any:
    return act(
        request, clue_id, lambda user, clue: actions.reject_closure(user, clue, comment=payload.reason)
    )


@router.post(
    "/{clue_id}/actions/feedback",
    response=ACTION_RESPONSES,
    summary="反馈举报人",
    description="登记向举报人反馈办理结果（再次提交即登记回访）。" + ACTION_NOTE,
)
def feedback(request: HttpRequest, clue_id: ClueId, payload: inputs.FeedbackIn) -> Any:
    return act(
        request,
        clue_id,
        lambda user, clue: actions.record_feedback(
            user,
            clue,
            method=payload.method,
            fed_back_on=payload.fed_back_on,
            content=payload.content,
            opinion=payload.opinion,
        ),
    )


@router.post(
    "/{clue_id}/actions/archive",
    response=ACTION_RESPONSES,
    summary="归档",
    description="归档已办结、已反馈或已移交（且已登记移交结果）的线索。" + ACTION_NOTE,
)
def archive(request: HttpRequest, clue_id: ClueId) -> Any:
    return act(request, clue_id, lambda user, clue: actions.archive_clue(user, clue))


@router.post(
    "/{clue_id}/actions/transfer",
    response=ACTION_RESPONSES,
    summary="移交",
    description="移交纪委监委、上级机关、其他地区或部门；超过受理后5个工作日的标记为超期移交。" + ACTION_NOTE,
)
def transfer(request: HttpRequest, clue_id: ClueId, payload: inputs.TransferIn) -> Any:
    return act(
        request,
        clue_id,
        lambda user, clue: actions.transfer_clue(
            user,
            clue,
            target=payload.target,
            receiver=payload.receiver,
            reason=payload.reason,
            transferred_on=payload.transferred_on,
        ),
    )


@router.post(
    "/{clue_id}/actions/merge",
    response=ACTION_RESPONSES,
    summary="并件（重复件）",
    description="把重复反映的线索并入正在办理同一问题的线索。" + ACTION_NOTE,
)
def merge(request: HttpRequest, clue_id: ClueId, payload: inputs.MergeIn) -> Any:
    user = actor(request)
    into = visible(user).filter(pk=payload.into_id).first()
    if into is None:
        raise field_error("into_id", "未找到要并入的线索")
    return act(
        request,
        clue_id,
        lambda user, clue: actions.merge_clue(user, clue, into=into, reason=payload.reason),
        into="into_id",
    )


@router.post(
    "/{clue_id}/actions/reopen",
    response=ACTION_RESPONSES,
    summary="重新办理（回头看）",
    description="已办结、已反馈或已归档的线索重新办理，原结论保留在记录中。" + ACTION_NOTE,
)
def reopen(request: HttpRequest, clue_id: ClueId, payload: inputs.ReasonIn) -> Any:
    return act(request, clue_id, lambda user, clue: actions.reopen_clue(user, clue, reason=payload.reason))


@router.post(
    "/{clue_id}/actions/request-extension",
    response=ACTION_RESPONSES,
    summary="申请延期",
    description="承办单位申请延长办理时限，须说明理由，由领导审批。" + ACTION_NOTE,
)
def request_extension(request: HttpRequest, clue_id: ClueId, payload: inputs.ExtensionIn) -> Any:
    return act(
        request,
        clue_id,
        lambda user, clue: actions.request_extension(
            user, clue, new_deadline=payload.new_deadline, reason=payload.reason
        ),
    )


@router.post(
    "/{clue_id}/actions/decide-extension",
    response=ACTION_RESPONSES,
    summary="审批延期",
    description="领导同意或不同意待审批的延期申请；同意后时限变更记入时限历史。" + ACTION_NOTE,
)
def decide_extension(request: HttpRequest, clue_id: ClueId, payload: inputs.DecideExtensionIn) -> Any:
    return act(
        request,
        clue_id,
        lambda user, clue: actions.decide_extension(
            user, clue, approve=payload.approve, comment=payload.comment
        ),
        reason="comment",
    )


@router.post(
    "/{clue_id}/actions/supervise",
    response=ACTION_RESPONSES,
    summary="督办",
    description="对在办线索督办（一般、重点、挂牌），线索显示历次督办中的最高等级。" + ACTION_NOTE,
)
def supervise(request: HttpRequest, clue_id: ClueId, payload: inputs.SuperviseIn) -> Any:
    return act(
        request,
        clue_id,
        lambda user, clue: actions.supervise_clue(
            user,
            clue,
            level=payload.level,
            reason=payload.reason,
            note=payload.note,
            report_by=payload.report_by,
        ),
    )


@router.post(
    "/{clue_id}/actions/case",
    response=ACTION_RESPONSES,
    summary="登记立案情况",
    description="初步核实的线索登记拟立案、立案日期。" + ACTION_NOTE,
)
def record_case(request: HttpRequest, clue_id: ClueId, payload: inputs.CaseIn) -> Any:
    return act(
        request,
        clue_id,
        lambda user, clue: actions.record_case(
            user, clue, proposed_on=payload.proposed_on, filed_on=payload.filed_on
        ),
    )


@router.post(
    "/{clue_id}/actions/name-viewers",
    response=ACTION_RESPONSES,
    summary="指定知悉人",
    description="指定可查看重要线索的人员（整体替换）；被反映人本人始终回避。" + ACTION_NOTE,
)
def name_viewers(request: HttpRequest, clue_id: ClueId, payload: inputs.ViewersIn) -> Any:
    users = users_of(payload.user_ids, "user_ids")
    return act(request, clue_id, lambda user, clue: actions.name_viewers(user, clue, users=users))
