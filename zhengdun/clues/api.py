"""JSON API of the clue lifecycle (mounted at /api/v1/clues by config/api.py).

The same rules as the pages, because it calls the same functions: every read goes through
accounts.permissions (a clue out of scope, a recused subject's own clue or a 重要 clue the
caller is not named on answers 404, like one that does not exist), every write through
clues.actions, and the ledger filters through clues.filters.filter_ledger. Each workflow action
is its own endpoint with its own schema. The reporter's identity is never part of a clue's
JSON; POST /clues/{id}/reporter reveals it, audited.

Errors: 403 (no right to this action), 404 (not found or out of scope), 409 (wrong state, or
someone else acted first), 422 (bad input; Chinese messages keyed by field).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import File, Query, Router
from ninja.errors import ValidationError as NinjaValidationError
from ninja.files import UploadedFile
from ninja.params.functions import Path as PathParam
from ninja.responses import Status as Reply

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.audit.chain import record
from zhengdun.clues import actions, deadlines, schemas, workflow
from zhengdun.clues.filters import SORT_LABELS, filter_ledger, ledger_count, page_plan
from zhengdun.clues.models import (
    MEASURE_GROUPS,
    MEASURE_XINGTAI,
    STATUS_COLOURS,
    Attachment,
    Category,
    Channel,
    Clue,
    ClueSubject,
    Disposition,
    Feedback,
    Measure,
    MeasureKind,
    ReportingMode,
    Request,
    Result,
    Sensitivity,
    Status,
    SupervisionLevel,
    Transfer,
)
from zhengdun.clues.schemas import MAX_ID

# the timeline and 形态 labels of the detail page, so the page and the API name things alike
from zhengdun.clues.views.detail import XINGTAI_LABELS
from zhengdun.clues.workflow import EVENT_LABELS
from zhengdun.core import files
from zhengdun.org.api import ErrorOut, ValidationErrorOut
from zhengdun.org.models import Unit

router = Router(tags=["问题线索"])

ClueId = Annotated[int, PathParam(ge=1, le=MAX_ID, description="线索ID")]
SubjectId = Annotated[int, PathParam(ge=1, le=MAX_ID, description="被反映人ID")]
MeasureId = Annotated[int, PathParam(ge=1, le=MAX_ID, description="处理措施ID")]
TransferId = Annotated[int, PathParam(ge=1, le=MAX_ID, description="移交ID")]
AttachmentId = Annotated[int, PathParam(ge=1, le=MAX_ID, description="附件ID")]


ATTACHMENT_TYPES = sorted(set(files.ALLOWED.values()))

# workflow action name -> the path (under the clue) of the endpoint that performs it
ACTION_PATHS = {
    "assign": "actions/assign",
    "return_to_office": "actions/return",
    "propose_disposition": "actions/propose-disposition",
    "approve_disposition": "actions/approve-disposition",
    "reject_disposition": "actions/reject-disposition",
    "reactivate": "actions/reactivate",
    "submit_closure": "actions/submit-closure",
    "approve_closure": "actions/approve-closure",
    "reject_closure": "actions/reject-closure",
    "record_feedback": "actions/feedback",
    "archive": "actions/archive",
    "transfer": "actions/transfer",
    "merge": "actions/merge",
    "reopen": "actions/reopen",
    "request_extension": "actions/request-extension",
    "decide_extension": "actions/decide-extension",
    "supervise": "actions/supervise",
    "record_case": "actions/case",
    "name_viewers": "actions/name-viewers",
    "edit": "",
    "edit_subjects": "subjects",
    "attach": "attachments",
}

# As the org router: every operation may answer 401 (no or a bad token) and 422 (input that does
# not fit the schema); one with a body also 400 (a body that is not JSON at all).
COMMON_RESPONSES: dict[int, Any] = {401: ErrorOut, 422: ValidationErrorOut}
BODY_RESPONSES: dict[int, Any] = {400: ErrorOut, **COMMON_RESPONSES}
ACTION_RESPONSES: dict[int, Any] = {
    200: schemas.ClueDetail,
    204: None,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    **BODY_RESPONSES,
}
ACTION_NOTE = (
    "成功时返回线索详情；操作后您不再有权查看该线索的（如退回后不再承办），返回204。"
    "状态不允许该操作或已被他人处理时返回409，无此操作权限返回403，线索不存在或不在查看范围内返回404。"
)


# --- helpers ---------------------------------------------------------------------------------


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _user_ref(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.display_name or user.username}


def _unit_ref(unit: Unit | None) -> dict[str, Any] | None:
    return {"id": unit.pk, "name": unit.name} if unit is not None else None


def _invalid(exc: DjangoValidationError, rename: dict[str, str] | None = None) -> NinjaValidationError:
    """An action's field errors in the shape ninja uses for its own 422 answers, with the
    action's field names mapped to the request's (e.g. unit -> unit_id)."""
    rename = rename or {}
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]
    errors = [
        {"loc": ["body", "payload", *rename.get(field, field).split(".")], "msg": msg, "type": "value_error"}
        for field, messages in items
        for msg in messages
    ]
    return NinjaValidationError(errors)


def _field_error(field: str, message: str, source: str = "body") -> NinjaValidationError:
    loc = ["body", "payload", field] if source == "body" else [source, field]
    return NinjaValidationError([{"loc": loc, "msg": message, "type": "value_error"}])


@contextmanager
def _as_422(rename: dict[str, str] | None = None) -> Iterator[None]:
    try:
        yield
    except DjangoValidationError as exc:
        raise _invalid(exc, rename) from exc


def _visible(user: Any) -> QuerySet[Clue]:
    return permissions.scope(user, "clues.view", Clue.objects.all())


def _clue(user: Any, clue_id: int) -> Clue:
    return permissions.get_for_user(
        user, "clues.view", Clue.objects.select_related("owner_unit", "handling_unit"), pk=clue_id
    )


def _subject(user: Any, subject_id: int) -> ClueSubject:
    # the subject's clue must be in scope: one 404 for "no such subject" and "not yours"
    return permissions.get_for_user(
        user, "clues.view", Clue.objects.all(), subjects__pk=subject_id
    ).subjects.get(pk=subject_id)


def _channel(code: str, field: str = "channel", source: str = "body") -> Channel:
    channel = Channel.objects.filter(code=code.strip(), is_active=True).first()
    if channel is None:
        raise _field_error(field, f"未知的线索来源代码“{code[:20]}”", source)
    return channel


def _categories(codes: list[str], field: str = "categories") -> list[Category]:
    wanted = {c.strip() for c in codes if c.strip()}
    found = list(Category.objects.filter(code__in=wanted, is_active=True))
    missing = sorted(wanted - {c.code for c in found})
    if missing:
        raise _field_error(field, f"未知的问题类别代码：{'、'.join(m[:20] for m in missing)}")
    return found


def _users(ids: list[int], field: str) -> list[User]:
    found = list(User.objects.filter(pk__in=set(ids), is_active=True))
    if len(found) != len(set(ids)):
        raise _field_error(field, "有用户不存在或已停用")
    return found


def _detail_url(clue_id: int) -> str:
    return reverse("api:clue_detail", kwargs={"clue_id": clue_id})


def _item(clue: Clue, today: dt.date) -> dict[str, Any]:
    flag = deadlines.flag_for(clue, today)
    return {
        "id": clue.pk,
        "number": clue.number,
        "channel": clue.channel.code,
        "channel_label": clue.channel.name,
        "received_on": clue.received_on,
        "summary": clue.summary,
        "status": clue.status,
        "status_label": clue.get_status_display(),
        "status_colour": clue.status_colour(),
        "disposition": clue.disposition,
        "disposition_label": clue.get_disposition_display() if clue.disposition else "",
        "sensitivity": clue.sensitivity,
        "sensitivity_label": clue.get_sensitivity_display(),
        "owner_unit": _unit_ref(clue.owner_unit),
        "handling_unit": _unit_ref(clue.handling_unit),
        "handler": _user_ref(clue.handler),
        "deadline": clue.deadline,
        "deadline_flag": flag,
        "deadline_flag_label": deadlines.FLAG_LABELS[flag][0] if flag else "",
        "supervision_level": clue.supervision_level,
        "supervision_level_label": clue.get_supervision_level_display() if clue.supervision_level else "",
        "closed_on": clue.closed_on,
        "categories": [{"code": c.code, "name": c.name} for c in clue.categories.all()],
        "subject_names": [s.name for s in clue.subjects.all()],
        "version": clue.version,
    }


def _status_label(code: str) -> str:
    return Status(code).label if code in Status.values else code


def _event_label(code: str) -> str:
    if code in EVENT_LABELS:
        return EVENT_LABELS[code]
    action = workflow.ACTIONS.get(code)
    return action.label if action else code


def _detail(user: Any, clue_id: int) -> dict[str, Any]:
    """The full record of a clue the caller has already been checked to see (via _clue or
    _visible): everything but the reporter's identity."""
    clue = (
        Clue.objects.select_related("channel", "owner_unit", "handling_unit", "handler", "created_by")
        .prefetch_related(
            "categories",
            Prefetch(
                "subjects",
                queryset=ClueSubject.objects.prefetch_related(
                    Prefetch("measures", queryset=Measure.objects.select_related("recorded_by")),
                    "finding_categories",
                ),
            ),
            "viewers__user",
            Prefetch("requests", queryset=Request.objects.select_related("requested_by", "decided_by")),
            "events__actor",
            "supervisions__supervisor",
            "transfers__created_by",
            "feedbacks__recorded_by",
            "deadline_changes__changed_by",
            "attachments__uploaded_by",
        )
        .get(pk=clue_id)
    )
    data = _item(clue, timezone.localdate())
    merged = clue.merged_into
    detail_url = _detail_url(clue.pk)
    data.update(
        {
            "content": clue.content,
            "external_ref": clue.external_ref,
            "reporting_mode": clue.reporting_mode,
            "reporting_mode_label": clue.get_reporting_mode_display(),
            "reporter_reachable": clue.reporter_reachable,
            "assigned_on": clue.assigned_on,
            "org_aware_at": clue.org_aware_at,
            "case_proposed_on": clue.case_proposed_on,
            "case_filed_on": clue.case_filed_on,
            "feedback_due": clue.feedback_due,
            # the clue merged into is named only to someone who may see it
            "merged_into": (
                {"id": merged.pk, "number": merged.number}
                if merged is not None and workflow.may_see(user, merged)
                else None
            ),
            "created_by": _user_ref(clue.created_by),
            "created_at": clue.created_at,
            "updated_at": clue.updated_at,
            "subjects": [
                {
                    "id": s.pk,
                    "person_id": s.person_id,
                    "name": s.name,
                    "unit_text": s.unit_text,
                    "position": s.position,
                    "result": s.result,
                    "result_label": s.get_result_display() if s.result else "",
                    "result_note": s.result_note,
                    "verified_amount": s.verified_amount,
                    "finding_categories": [c.code for c in s.finding_categories.all()],
                    "xingtai": s.xingtai,
                    "xingtai_label": XINGTAI_LABELS.get(s.xingtai or 0, ""),
                    "cleared": s.cleared,
                    "measures": [
                        {
                            "id": m.pk,
                            "kind": m.kind,
                            "kind_label": m.get_kind_display(),
                            "xingtai": m.xingtai,
                            "decided_on": m.decided_on,
                            "effective_until": m.effective_until,
                            "note": m.note,
                            "recorded_by": _user_ref(m.recorded_by),
                            "recorded_at": m.recorded_at,
                        }
                        for m in s.measures.all()
                    ],
                }
                for s in clue.subjects.all()
            ],
            "viewers": [_user_ref(v.user) for v in clue.viewers.all()],
            "requests": [
                {
                    "id": r.pk,
                    "kind": r.kind,
                    "kind_label": r.get_kind_display(),
                    "disposition": r.disposition,
                    "disposition_label": r.get_disposition_display() if r.disposition else "",
                    "new_deadline": r.new_deadline,
                    "reason": r.reason,
                    "requested_by": _user_ref(r.requested_by),
                    "requested_at": r.requested_at,
                    "decision": r.decision,
                    "decision_label": r.get_decision_display(),
                    "decided_by": _user_ref(r.decided_by),
                    "decided_at": r.decided_at,
                    "comment": r.comment,
                }
                for r in clue.requests.all()
            ],
            "events": [
                {
                    "id": e.pk,
                    "at": e.at,
                    "actor": _user_ref(e.actor),
                    "action": e.action,
                    "action_label": _event_label(e.action),
                    "from_status": e.from_status,
                    "from_status_label": _status_label(e.from_status) if e.from_status else "",
                    "to_status": e.to_status,
                    "to_status_label": _status_label(e.to_status) if e.to_status else "",
                    "note": e.note,
                    "data": e.data,
                }
                for e in clue.events.all()
            ],
            "supervisions": [
                {
                    "id": s.pk,
                    "level": s.level,
                    "level_label": s.get_level_display(),
                    "reason": s.reason,
                    "note": s.note,
                    "report_by": s.report_by,
                    "supervisor": _user_ref(s.supervisor),
                    "created_at": s.created_at,
                }
                for s in clue.supervisions.all()
            ],
            "transfers": [
                {
                    "id": t.pk,
                    "target": t.target,
                    "target_label": t.get_target_display(),
                    "receiver": t.receiver,
                    "transferred_on": t.transferred_on,
                    "due_on": t.due_on,
                    "late": t.late,
                    "reason": t.reason,
                    "outcome": t.outcome,
                    "outcome_result": t.outcome_result,
                    "outcome_result_label": t.get_outcome_result_display() if t.outcome_result else "",
                    "outcome_on": t.outcome_on,
                    "created_by": _user_ref(t.created_by),
                }
                for t in clue.transfers.all()
            ],
            "feedbacks": [
                {
                    "id": f.pk,
                    "method": f.method,
                    "method_label": f.get_method_display(),
                    "fed_back_on": f.fed_back_on,
                    "content": f.content,
                    "opinion": f.opinion,
                    "opinion_label": f.get_opinion_display() if f.opinion else "",
                    "recorded_by": _user_ref(f.recorded_by),
                    "recorded_at": f.recorded_at,
                }
                for f in clue.feedbacks.all()
            ],
            "deadline_changes": [
                {
                    "id": d.pk,
                    "old_deadline": d.old_deadline,
                    "new_deadline": d.new_deadline,
                    "reason": d.reason,
                    "changed_by": _user_ref(d.changed_by),
                    "changed_at": d.changed_at,
                }
                for d in clue.deadline_changes.all()
            ],
            "attachments": [
                {
                    "id": a.pk,
                    "original_name": a.original_name,
                    "content_type": a.content_type,
                    "size": a.size,
                    "sha256": a.sha256,
                    "uploaded_by": _user_ref(a.uploaded_by),
                    "uploaded_at": a.uploaded_at,
                    "download_url": reverse("api:clue_attachment", kwargs={"attachment_id": a.pk}),
                }
                for a in clue.attachments.all()
            ],
            "actions": [
                {
                    "name": a.name,
                    "label": a.label,
                    "endpoint": (
                        f"{detail_url}/{ACTION_PATHS[a.name]}".rstrip("/") if a.name in ACTION_PATHS else None
                    ),
                }
                for a in workflow.available(user, clue)
            ],
        }
    )
    return data


def _after(user: Any, clue_id: int) -> Reply[Any]:
    """The clue as the caller now sees it — or 204 when the action took it out of their sight
    (a unit that returned a clue no longer handles it)."""
    if not _visible(user).filter(pk=clue_id).exists():
        return Reply(204, None)
    return Reply(200, _detail(user, clue_id))


def _act(request: HttpRequest, clue_id: int, call: Callable[[Any, Clue], Any], **rename: str) -> Reply[Any]:
    user = _user(request)
    clue = _clue(user, clue_id)
    with _as_422(rename):
        call(user, clue)
    return _after(user, clue_id)


# --- reference data --------------------------------------------------------------------------


def _choices(choices: Any) -> list[dict[str, str]]:
    return [{"code": value, "label": label} for value, label in choices]


@router.get(
    "/reference",
    response={200: schemas.ReferenceOut, **COMMON_RESPONSES},
    summary="代码表",
    description="线索来源、问题类别、状态、处置方式、核查结论、处理措施及其形态、督办等级等代码与中文名称。",
)
def reference(request: HttpRequest) -> Any:
    group_of = {kind: group for group, kinds in MEASURE_GROUPS.items() for kind in kinds}
    return {
        "channels": [{"code": c.code, "label": c.name} for c in Channel.objects.filter(is_active=True)],
        "categories": [
            {"code": c.code, "name": c.name, "is_national": c.is_national}
            for c in Category.objects.filter(is_active=True)
        ],
        "statuses": [
            {"code": s.value, "label": s.label, "colour": STATUS_COLOURS.get(s, "grey")} for s in Status
        ],
        "dispositions": _choices(Disposition.choices),
        "results": _choices(Result.choices),
        "measure_kinds": [
            {"code": k.value, "label": k.label, "xingtai": MEASURE_XINGTAI[k], "group": group_of.get(k, "")}
            for k in MeasureKind
        ],
        "xingtai": [{"code": n, "label": label} for n, label in XINGTAI_LABELS.items()],
        "supervision_levels": _choices(c for c in SupervisionLevel.choices if c[0]),
        "supervision_reasons": list(actions.SUPERVISION_REASONS),
        "transfer_targets": _choices(Transfer.Target.choices),
        "feedback_methods": _choices(Feedback.Method.choices),
        "feedback_opinions": _choices(c for c in Feedback.Opinion.choices if c[0]),
        "reporting_modes": _choices(ReportingMode.choices),
        "sensitivities": _choices(Sensitivity.choices),
        "sorts": [{"code": k, "label": v} for k, v in SORT_LABELS.items()],
    }


# --- ledger and detail -----------------------------------------------------------------------


def ledger_params(filters: schemas.ClueFilters) -> dict[str, Any]:
    """The API's filters as filter_ledger's params: codes become the ids it takes."""
    params: dict[str, Any] = filters.dict(exclude={"limit", "offset"}, exclude_none=True)
    if "channel" in params:
        params["channel"] = _channel(params["channel"], "channel", "query").pk
    if "category" in params:
        category = Category.objects.filter(code=params["category"].strip()).first()
        if category is None:
            raise _field_error("category", f"未知的问题类别代码“{params['category'][:20]}”", "query")
        params["category"] = category.pk
    if "status" in params:
        codes = [s.strip() for s in params["status"].split(",") if s.strip()]
        unknown = [s for s in codes if s != "open" and s not in Status.values]
        if unknown:
            raise _field_error("status", f"未知的状态代码：{'、'.join(u[:24] for u in unknown)}", "query")
        params["status"] = ",".join(codes)
    if "pending" in params:
        params["pending"] = "1" if params["pending"] else ""
    return params


@router.get(
    "",
    response={200: schemas.ClueListOut, **COMMON_RESPONSES},
    summary="线索台账",
    description=(
        "当前用户可查看的线索，筛选条件与台账页面相同（同一实现），全文检索支持两个字的词。"
        "分页用 limit/offset（每页最多200条）；count 精确到计数上限（ZHENGDUN_LIST_COUNT_CAP，默认1000），"
        "超过时 count 为上限、count_capped 为 true。"
    ),
)
def list_clues(request: HttpRequest, filters: Query[schemas.ClueFilters]) -> Any:
    user = _user(request)
    visible, params = _visible(user), ledger_params(filters)
    qs = filter_ledger(visible, params)
    count, capped = ledger_count(visible, params, qs)
    with page_plan(capped):
        page = list(
            qs.select_related("channel", "owner_unit", "handling_unit", "handler")[
                filters.offset : filters.offset + filters.limit
            ]
        )
    prefetch_related_objects(page, "categories", "subjects")
    today = timezone.localdate()
    return {
        "items": [_item(c, today) for c in page],
        "count": count,
        "count_capped": capped,
        "limit": filters.limit,
        "offset": filters.offset,
    }


@router.get(
    "/{clue_id}",
    response={200: schemas.ClueDetail, 404: ErrorOut, **COMMON_RESPONSES},
    url_name="clue_detail",
    summary="线索详情",
    description=(
        "基本信息、被反映人（核查结论、处理措施、形态）、审批事项、办理记录、督办、移交、反馈、"
        "时限变更、附件元数据，以及当前用户现在可以执行的操作（actions）。不含举报人身份。"
    ),
)
def get_clue(request: HttpRequest, clue_id: ClueId) -> Any:
    user = _user(request)
    return _detail(user, _clue(user, clue_id).pk)


@router.get(
    "/{clue_id}/duplicates",
    response={200: list[schemas.DuplicateOut], 404: ErrorOut, **COMMON_RESPONSES},
    summary="疑似重复线索",
    description="与本线索有相同被反映人且内容相近的可见线索，供并件时参考。",
)
def duplicates(request: HttpRequest, clue_id: ClueId) -> Any:
    user = _user(request)
    clue = _clue(user, clue_id)
    found = actions.duplicate_candidates(user, clue)
    today = timezone.localdate()
    return [{"clue": _item(other, today), "score": score} for other, score in found]


@router.post(
    "",
    response={201: schemas.ClueDetail, 403: ErrorOut, **BODY_RESPONSES},
    summary="登记线索",
    description="登记一条线索并自动编号；登记单位为受理单位。外部编号重复、受理日期晚于今天等输入错误返回422。",
)
def register(request: HttpRequest, payload: schemas.ClueIn) -> Any:
    user = _user(request)
    if not permissions.has_permission(user, "clues.register"):
        raise PermissionDenied("您没有登记线索的权限")
    units = permissions.scope(user, "clues.register", Unit.objects.all())
    owner_unit = units.filter(pk=payload.owner_unit_id).first()
    if owner_unit is None:
        raise _field_error("owner_unit_id", "受理单位不存在，或您无权在该单位登记线索")
    reporter = payload.reporter.dict() if payload.reporter else None
    with _as_422({"reporter_name": "reporter.name"}):
        clue = actions.register_clue(
            user,
            owner_unit=owner_unit,
            channel=_channel(payload.channel),
            received_on=payload.received_on,
            reporting_mode=payload.reporting_mode,
            summary=payload.summary,
            content=payload.content,
            categories=_categories(payload.categories),
            subjects=[s.dict() for s in payload.subjects],
            reporter=reporter,
            external_ref=payload.external_ref,
            sensitivity=payload.sensitivity,
            viewers=_users(payload.viewer_ids, "viewer_ids"),
        )
    return Reply(201, _detail(user, clue.pk))


@router.patch(
    "/{clue_id}",
    response=ACTION_RESPONSES,
    summary="修改登记信息",
    description=(
        "只修改提交的字段，仅限已登记、已交办状态。须提交读取时的 version；线索已被他人修改时返回409，"
        "不做任何修改。"
    ),
)
def update(request: HttpRequest, clue_id: ClueId, payload: schemas.CluePatch) -> Any:
    values = payload.dict(exclude_unset=True)
    version = values.pop("version")
    values = {k: v for k, v in values.items() if v is not None}
    if "channel" in values:
        values["channel_id"] = _channel(values.pop("channel")).pk
    categories = _categories(values.pop("categories")) if "categories" in values else None
    return _act(
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
def assign(request: HttpRequest, clue_id: ClueId, payload: schemas.AssignIn) -> Any:
    unit = Unit.objects.filter(pk=payload.unit_id).first()
    if unit is None:
        raise _field_error("unit_id", "只能交办给本单位管辖范围内的单位")
    handler = None
    if payload.handler_id is not None:
        handler = User.objects.filter(pk=payload.handler_id, is_active=True).first()
        if handler is None:
            raise _field_error("handler_id", "该承办人不是承办单位的单位承办人")
    return _act(
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
def return_(request: HttpRequest, clue_id: ClueId, payload: schemas.ReasonIn) -> Any:
    return _act(request, clue_id, lambda user, clue: actions.return_clue(user, clue, reason=payload.reason))


@router.post(
    "/{clue_id}/actions/propose-disposition",
    response=ACTION_RESPONSES,
    summary="提出处置意见",
    description="承办人提出谈话函询、初步核实、暂存待查或予以了结的处置意见，报领导审批。" + ACTION_NOTE,
)
def propose_disposition(request: HttpRequest, clue_id: ClueId, payload: schemas.ProposeIn) -> Any:
    return _act(
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
def approve_disposition(request: HttpRequest, clue_id: ClueId, payload: schemas.CommentIn) -> Any:
    return _act(
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
def reject_disposition(request: HttpRequest, clue_id: ClueId, payload: schemas.ReasonIn) -> Any:
    return _act(
        request, clue_id, lambda user, clue: actions.reject_disposition(user, clue, comment=payload.reason)
    )


@router.post(
    "/{clue_id}/actions/reactivate",
    response=ACTION_RESPONSES,
    summary="重新启用暂存线索",
    description="暂存待查的线索有新情况时重新启用，回到已交办状态。" + ACTION_NOTE,
)
def reactivate(request: HttpRequest, clue_id: ClueId, payload: schemas.ReasonIn) -> Any:
    return _act(
        request, clue_id, lambda user, clue: actions.reactivate_clue(user, clue, reason=payload.reason)
    )


@router.post(
    "/{clue_id}/actions/submit-closure",
    response=ACTION_RESPONSES,
    summary="提请办结",
    description="每名被反映人均已录入核查结论后，提交办结报告报领导审批。" + ACTION_NOTE,
)
def submit_closure(request: HttpRequest, clue_id: ClueId, payload: schemas.SubmitClosureIn) -> Any:
    return _act(
        request, clue_id, lambda user, clue: actions.submit_closure(user, clue, reason=payload.reason)
    )


@router.post(
    "/{clue_id}/actions/approve-closure",
    response=ACTION_RESPONSES,
    summary="批准办结",
    description="领导批准办结；可联系的举报人开始计算反馈期限。" + ACTION_NOTE,
)
def approve_closure(request: HttpRequest, clue_id: ClueId, payload: schemas.CommentIn) -> Any:
    return _act(
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
def reject_closure(request: HttpRequest, clue_id: ClueId, payload: schemas.ReasonIn) -> Any:
    return _act(
        request, clue_id, lambda user, clue: actions.reject_closure(user, clue, comment=payload.reason)
    )


@router.post(
    "/{clue_id}/actions/feedback",
    response=ACTION_RESPONSES,
    summary="反馈举报人",
    description="登记向举报人反馈办理结果（再次提交即登记回访）。" + ACTION_NOTE,
)
def feedback(request: HttpRequest, clue_id: ClueId, payload: schemas.FeedbackIn) -> Any:
    return _act(
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
    return _act(request, clue_id, lambda user, clue: actions.archive_clue(user, clue))


@router.post(
    "/{clue_id}/actions/transfer",
    response=ACTION_RESPONSES,
    summary="移交",
    description="移交纪委监委、上级机关、其他地区或部门；超过受理后5个工作日的标记为超期移交。" + ACTION_NOTE,
)
def transfer(request: HttpRequest, clue_id: ClueId, payload: schemas.TransferIn) -> Any:
    return _act(
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
def merge(request: HttpRequest, clue_id: ClueId, payload: schemas.MergeIn) -> Any:
    user = _user(request)
    into = _visible(user).filter(pk=payload.into_id).first()
    if into is None:
        raise _field_error("into_id", "未找到要并入的线索")
    return _act(
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
def reopen(request: HttpRequest, clue_id: ClueId, payload: schemas.ReasonIn) -> Any:
    return _act(request, clue_id, lambda user, clue: actions.reopen_clue(user, clue, reason=payload.reason))


@router.post(
    "/{clue_id}/actions/request-extension",
    response=ACTION_RESPONSES,
    summary="申请延期",
    description="承办单位申请延长办理时限，须说明理由，由领导审批。" + ACTION_NOTE,
)
def request_extension(request: HttpRequest, clue_id: ClueId, payload: schemas.ExtensionIn) -> Any:
    return _act(
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
def decide_extension(request: HttpRequest, clue_id: ClueId, payload: schemas.DecideExtensionIn) -> Any:
    return _act(
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
def supervise(request: HttpRequest, clue_id: ClueId, payload: schemas.SuperviseIn) -> Any:
    return _act(
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
def record_case(request: HttpRequest, clue_id: ClueId, payload: schemas.CaseIn) -> Any:
    return _act(
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
def name_viewers(request: HttpRequest, clue_id: ClueId, payload: schemas.ViewersIn) -> Any:
    users = _users(payload.user_ids, "user_ids")
    return _act(request, clue_id, lambda user, clue: actions.name_viewers(user, clue, users=users))


# --- subjects, measures, transfers -----------------------------------------------------------


@router.post(
    "/{clue_id}/subjects",
    response=ACTION_RESPONSES,
    summary="增加被反映人",
    description="从名册选择（person_id）或填写姓名、单位、职务。" + ACTION_NOTE,
)
def add_subject(request: HttpRequest, clue_id: ClueId, payload: schemas.SubjectIn) -> Any:
    return _act(
        request,
        clue_id,
        lambda user, clue: actions.add_subject(user, clue, payload.dict()),
        subjects="person_id" if payload.person_id else "name",
    )


def _subject_act(
    request: HttpRequest, subject_id: int, call: Callable[[Any, ClueSubject], Any], **rename: str
) -> Any:
    user = _user(request)
    subject = _subject(user, subject_id)
    with _as_422(rename):
        call(user, subject)
    return _after(user, subject.clue_id)


@router.delete(
    "/subjects/{subject_id}",
    response=ACTION_RESPONSES,
    summary="删除被反映人",
    description="删除尚未录入核查结论和处理措施的被反映人；线索至少保留一名。" + ACTION_NOTE,
)
def remove_subject(request: HttpRequest, subject_id: SubjectId) -> Any:
    return _subject_act(request, subject_id, lambda user, subject: actions.remove_subject(user, subject))


@router.post(
    "/subjects/{subject_id}/result",
    response=ACTION_RESPONSES,
    summary="录入核查结论",
    description="为一名被反映人录入核查结论（属实、部分属实、不属实、无法查实）。" + ACTION_NOTE,
)
def record_result(request: HttpRequest, subject_id: SubjectId, payload: schemas.ResultIn) -> Any:
    return _subject_act(
        request,
        subject_id,
        lambda user, subject: actions.record_result(
            user,
            subject,
            result=payload.result,
            note=payload.note,
            verified_amount=payload.verified_amount,
            finding_categories=_categories(payload.finding_categories, "finding_categories"),
        ),
        result_note="note",
    )


@router.post(
    "/subjects/{subject_id}/measures",
    response=ACTION_RESPONSES,
    summary="录入处理措施",
    description="为核查属实或部分属实的被反映人录入处理措施；形态取最重的措施。" + ACTION_NOTE,
)
def add_measure(request: HttpRequest, subject_id: SubjectId, payload: schemas.MeasureIn) -> Any:
    return _subject_act(
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
    user = _user(request)
    clue = permissions.get_for_user(user, "clues.view", Clue.objects.all(), subjects__measures__pk=measure_id)
    measure = Measure.objects.select_related("subject").get(pk=measure_id, subject__clue=clue)
    with _as_422():
        actions.remove_measure(user, measure)
    return _after(user, clue.pk)


@router.post(
    "/subjects/{subject_id}/cleared",
    response=ACTION_RESPONSES,
    summary="澄清正名",
    description="为核查不属实的被反映人澄清正名（或撤销）。" + ACTION_NOTE,
)
def set_cleared(request: HttpRequest, subject_id: SubjectId, payload: schemas.ClearedIn) -> Any:
    return _subject_act(
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
def transfer_outcome(
    request: HttpRequest, transfer_id: TransferId, payload: schemas.TransferOutcomeIn
) -> Any:
    user = _user(request)
    clue = permissions.get_for_user(user, "clues.view", Clue.objects.all(), transfers__pk=transfer_id)
    found = Transfer.objects.get(pk=transfer_id, clue=clue)
    with _as_422():
        actions.record_transfer_outcome(
            user, found, outcome=payload.outcome, result=payload.outcome_result, outcome_on=payload.outcome_on
        )
    return _after(user, clue.pk)


# --- attachments and the reporter ------------------------------------------------------------


@router.post(
    "/{clue_id}/attachments",
    response={201: schemas.AttachmentOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **BODY_RESPONSES},
    summary="上传附件",
    description="multipart/form-data，字段 file。文件类型按内容识别且须与扩展名一致，大小受限。",
)
def upload(request: HttpRequest, clue_id: ClueId, file: File[UploadedFile]) -> Any:
    user = _user(request)
    clue = _clue(user, clue_id)
    with _as_422():
        att = actions.add_attachment(user, clue, upload=file)
    return Reply(
        201,
        {
            "id": att.pk,
            "original_name": att.original_name,
            "content_type": att.content_type,
            "size": att.size,
            "sha256": att.sha256,
            "uploaded_by": _user_ref(user),
            "uploaded_at": att.uploaded_at,
            "download_url": reverse("api:clue_attachment", kwargs={"attachment_id": att.pk}),
        },
    )


@router.get(
    "/attachments/{attachment_id}",
    response={404: ErrorOut, **COMMON_RESPONSES},
    url_name="clue_attachment",
    summary="下载附件",
    description="返回附件文件；每次下载记入审计日志。",
    openapi_extra={
        "responses": {
            "200": {
                "description": "附件文件，类型为上传时按内容识别的类型",
                "content": {
                    mime: {"schema": {"type": "string", "format": "binary"}} for mime in ATTACHMENT_TYPES
                },
            }
        }
    },
)
def download(request: HttpRequest, attachment_id: AttachmentId) -> Any:
    user = _user(request)
    clue = permissions.get_for_user(user, "clues.view", Clue.objects.all(), attachments__pk=attachment_id)
    att = Attachment.objects.get(pk=attachment_id, clue=clue)
    try:
        handle = att.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("附件文件不存在") from exc
    # the same audit entry as the page's download (clues.views.detail.attachment)
    with transaction.atomic():
        record(
            user,
            "clue.attachment_downloaded",
            clue,
            {"attachment": att.pk, "name": att.original_name, "sha256": att.sha256, "size": att.size},
        )
    response = FileResponse(
        handle, as_attachment=True, filename=att.original_name, content_type=att.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.post(
    "/{clue_id}/reporter",
    response={200: schemas.ReporterOut, 403: ErrorOut, 404: ErrorOut, **BODY_RESPONSES},
    summary="查看举报人身份",
    description="仅授权角色可查看；每次查看记入审计日志（因此用 POST）。",
)
def reveal_reporter(request: HttpRequest, clue_id: ClueId) -> Any:
    user = _user(request)
    clue = _clue(user, clue_id)
    identity = actions.reveal_reporter(user, clue)
    return {
        "reporting_mode": clue.reporting_mode,
        "reporting_mode_label": clue.get_reporting_mode_display(),
        **{key: identity.get(key, "") for key in ("name", "phone", "id_number", "address")},
    }
