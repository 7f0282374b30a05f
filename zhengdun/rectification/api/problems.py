"""问题清单 through the API: the code tables, the list (the page's filters, the same function),
a problem's full record, 登记问题 and 修改五定."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status as Reply

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues.models import SUBSTANTIATED, Category, Clue, ClueSubject
from zhengdun.core.api import (
    BODY_RESPONSES,
    COMMON_RESPONSES,
    ErrorOut,
    actor,
    field_error,
    page,
    path_id,
    refuse_unknown_params,
)
from zhengdun.org.models import Unit
from zhengdun.rectification import actions
from zhengdun.rectification.api import schemas
from zhengdun.rectification.api._shared import (
    as_422,
    load_problem,
    ref,
    require_on,
    require_open,
    user_ref,
    visible_problems,
)

# the list's filters: one function for the page, the export, the home cards and the API
from zhengdun.rectification.filters import SORTS, filter_problems
from zhengdun.rectification.models import (
    CloseOff,
    Evidence,
    Problem,
    ProblemSource,
    ProgressReport,
    Reopening,
    Task,
)
from zhengdun.rectification.status import COLOURS, ProblemStatus, is_near

router = Router(tags=["整改问题清单"])

ProblemId = Annotated[int, path_id("问题ID")]

FLAGS = {"overdue": "逾期", "near": "临期"}
SORT_LABELS = {
    "deadline": "整改时限从近到远",
    "-deadline": "整改时限从远到近",
    "number": "问题编号升序",
    "-number": "问题编号降序",
    "progress": "整改进度从低到高",
    "-progress": "整改进度从高到低",
}
# the action's field names -> the request's
RENAME = {
    "responsible_unit": "responsible_unit_id",
    "responsible_leader": "responsible_leader_id",
    "responsible_person": "responsible_person_id",
}
WUDING = (
    "title",
    "category",
    "source",
    "description",
    "responsible_unit",
    "responsible_leader",
    "responsible_person",
    "measures",
    "standard",
    "deadline",
)
DETAIL_RESPONSES: dict[int, Any] = {
    200: schemas.RectProblemDetail,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    **BODY_RESPONSES,
}


# --- answers -------------------------------------------------------------------------------------


def status_fields(problem: Problem, today: dt.date) -> dict[str, Any]:
    """The derived status, its colour and the 临期/逾期 flag (from derived_status when annotated)."""
    status = ProblemStatus(getattr(problem, "derived_status", None) or problem.status_on(today))
    flag = ""
    if status == ProblemStatus.OVERDUE:
        flag = "overdue"
    elif is_near(status, problem.deadline, today):
        flag = "near"
    return {
        "status": status.value,
        "status_label": status.label,
        "status_colour": COLOURS[status],
        "flag": flag,
        "flag_label": FLAGS.get(flag, ""),
    }


def item(problem: Problem, today: dt.date) -> dict[str, Any]:
    c = problem.category
    return {
        "id": problem.pk,
        "number": problem.number,
        "title": problem.title,
        "category": {"id": c.pk, "code": c.code, "name": c.name},
        "source": problem.source,
        "source_label": problem.get_source_display(),
        "responsible_unit": ref(problem.responsible_unit),
        "responsible_leader": ref(problem.responsible_leader),
        "responsible_person": ref(problem.responsible_person),
        "deadline": problem.deadline,
        "progress": float(problem.progress),
        **status_fields(problem, today),
        "round": problem.round,
        "plan_fits": problem.plan_fits,
        "plan_shortfall": problem.plan_shortfall,
        "closed_on": problem.closed_on,
        "version": problem.version,
    }


def file_out(row: Any) -> dict[str, Any]:
    url_name = "api:rect_evidence" if isinstance(row, Evidence) else "api:rect_document"
    return {
        "id": row.pk,
        "original_name": row.original_name,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "uploaded_by": user_ref(row.uploaded_by),
        "uploaded_at": row.uploaded_at,
        "download_url": reverse(url_name, kwargs={"file_id": row.pk}),
    }


def milestone_out(m: Any) -> dict[str, Any]:
    return {
        "id": m.pk,
        "position": m.position,
        "name": m.name,
        "workdays": m.workdays,
        "start": m.start,
        "end": m.end,
        "done_on": m.done_on,
    }


def _source_links(user: User, problem: Problem) -> tuple[dict[str, Any] | None, int | None]:
    """The clue or self-report item the problem came from, named only to someone who may see it."""
    clue = None
    if problem.source_clue_id:
        found = permissions.scope(user, "clues.view", Clue.objects.filter(pk=problem.source_clue_id)).first()
        clue = {"id": found.pk, "number": found.number} if found else None
    item_id = None
    source_item = problem.source_selfreport_item
    if source_item is not None:
        from zhengdun.selfreports.models import SelfReport

        reports = SelfReport.objects.filter(pk=source_item.report_id)
        if permissions.scope(user, "selfreports.view", reports).exists():
            item_id = source_item.pk
    return clue, item_id


def rights(user: User, problem: Problem, blockers: list[str]) -> dict[str, bool]:
    """What the caller may do on the problem now (blockers: close_off_blockers for them)."""
    unit, closed = problem.responsible_unit, problem.closed_on is not None

    def holds(perm: str) -> bool:
        return permissions.has_permission(user, f"rectification.{perm}", unit)

    return {
        "edit": holds("register") and not closed,
        "report": holds("report") and not closed,
        "close_off": holds("close_off") and not blockers,
        "reopen": holds("reopen") and closed,
    }


def detail(user: User, problem_id: int) -> dict[str, Any]:
    """The full record of a problem the caller has been checked to see."""
    evidence = Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by"))
    reports = ProgressReport.objects.select_related("reported_by").prefetch_related(evidence)
    problem = (
        Problem.objects.select_related(
            "category",
            "responsible_unit",
            "responsible_leader",
            "responsible_person",
            "created_by",
            "template",
            "source_selfreport_item",
        )
        .prefetch_related(
            "milestones",
            "plan_changes__changed_by",
            Prefetch(
                "tasks",
                queryset=Task.objects.select_related("owner").prefetch_related(
                    Prefetch("reports", queryset=reports.order_by("-reported_at", "-id"))
                ),
            ),
            Prefetch(
                "close_offs",
                queryset=CloseOff.objects.select_related("decided_by").prefetch_related(evidence),
            ),
            Prefetch("reopenings", queryset=Reopening.objects.select_related("reopened_by")),
        )
        .get(pk=problem_id)
    )
    today = timezone.localdate()
    clue, item_id = _source_links(user, problem)
    institutions = permissions.scope(user, "rectification.view", problem.institutions.all()).select_related(
        "issuing_unit"
    )
    blockers = actions.close_off_blockers(user, problem)
    may_close = permissions.has_permission(user, "rectification.close_off", problem.responsible_unit)
    return {
        **item(problem, today),
        "description": problem.description,
        "measures": problem.measures,
        "standard": problem.standard,
        "completed_on": problem.completed_on,
        "source_clue": clue,
        "source_selfreport_item": item_id,
        "template": problem.template.name if problem.template else None,
        "created_by": user_ref(problem.created_by),
        "created_at": problem.created_at,
        "updated_at": problem.updated_at,
        "milestones": [milestone_out(m) for m in problem.milestones.all()],
        "plan_changes": [
            {
                "id": c.pk,
                "reason": c.reason,
                "moves": c.moves,
                "fits": c.fits,
                "shortfall": c.shortfall,
                "changed_by": user_ref(c.changed_by),
                "changed_at": c.changed_at,
            }
            for c in problem.plan_changes.all()
        ],
        "tasks": [
            {
                "id": t.pk,
                "round": t.round,
                "position": t.position,
                "title": t.title,
                "owner": ref(t.owner),
                "deadline": t.deadline,
                "weight": t.weight,
                "progress": t.progress,
                "version": t.version,
                "reports": [
                    {
                        "id": r.pk,
                        "percent": r.percent,
                        "previous_percent": r.previous_percent,
                        "narrative": r.narrative,
                        "reason": r.reason,
                        "reported_by": user_ref(r.reported_by),
                        "reported_at": r.reported_at,
                        "evidence": [file_out(e) for e in r.evidence.all()],
                    }
                    for r in t.reports.all()
                ],
            }
            for t in problem.tasks.all()
        ],
        "close_offs": [
            {
                "id": c.pk,
                "round": c.round,
                "check_note": c.check_note,
                "closed_on": c.closed_on,
                "decided_by": user_ref(c.decided_by),
                "decided_at": c.decided_at,
                "evidence": [file_out(e) for e in c.evidence.all()],
            }
            for c in problem.close_offs.all()
        ],
        "reopenings": [
            {
                "id": r.pk,
                "kind": r.kind,
                "kind_label": r.get_kind_display(),
                "reason": r.reason,
                "round": r.round,
                "old_deadline": r.old_deadline,
                "new_deadline": r.new_deadline,
                "reopened_by": user_ref(r.reopened_by),
                "reopened_at": r.reopened_at,
            }
            for r in problem.reopenings.all()
        ],
        "institutions": [
            {"id": i.pk, "title": i.title, "doc_number": i.doc_number, "issuing_unit": ref(i.issuing_unit)}
            for i in institutions
        ],
        "rights": rights(user, problem, blockers),
        "close_off_blockers": blockers if may_close else [],
    }


def category_by_code(
    code: str, field: str = "category", source: str = "body", active: bool = True
) -> Category:
    categories = Category.objects.filter(code=code.strip())
    if active:
        categories = categories.filter(is_active=True)
    found = categories.first()
    if found is None:
        raise field_error(field, f"未知的问题类别代码“{code[:20]}”", source)
    return found


def visible_unit(user: User, unit_id: int, field: str = "unit") -> Unit:
    """A unit within the user's rectification.view reach, for a filter (422 otherwise — the same
    answer for one that does not exist)."""
    units = permissions.scope(user, "rectification.view", Unit.objects.filter(is_active=True))
    unit = units.filter(pk=unit_id).first()
    if unit is None:
        raise field_error(field, "所选单位不在您的查看范围内", "query")
    return unit


# --- endpoints -----------------------------------------------------------------------------------


@router.get(
    "/reference",
    response={200: schemas.RectReferenceOut, **COMMON_RESPONSES},
    summary="代码表",
    description="整改状态、时限预警、问题来源、问题类别、重新整改原因类别、排序方式和甘特图节点状态的代码与中文名称。",
)
def reference(request: HttpRequest) -> Any:
    from zhengdun.rectification import battlemap

    return {
        "statuses": [{"code": s.value, "label": s.label, "colour": COLOURS[s]} for s in ProblemStatus],
        "flags": [{"code": "near", "label": "临期"}, {"code": "overdue", "label": "逾期"}],
        "sources": [{"code": v, "label": label} for v, label in ProblemSource.choices],
        "categories": [
            {"id": c.pk, "code": c.code, "name": c.name, "is_national": c.is_national}
            for c in Category.objects.filter(is_active=True)
        ],
        "reopen_kinds": [{"code": v, "label": label} for v, label in Reopening.Kind.choices],
        "sorts": [{"code": k, "label": SORT_LABELS[k]} for k in SORTS],
        "bar_states": [
            {"code": k, "label": label, "colour": colour}
            for k, (label, colour) in battlemap.BAR_STATES.items()
        ],
    }


@router.get(
    "/problems",
    response={200: schemas.RectProblemListOut, 403: ErrorOut, **COMMON_RESPONSES},
    summary="问题清单",
    description=(
        "当前用户可查看的问题，筛选条件与问题清单页面相同（同一实现）；不支持的筛选条件返回422。"
        "分页用 limit/offset；count 精确到计数上限（ZHENGDUN_LIST_COUNT_CAP），超过时 count_capped 为 true。"
    ),
)
def list_problems(request: HttpRequest, filters: Query[schemas.RectProblemFilters]) -> Any:
    user = actor(request)
    refuse_unknown_params(request, schemas.RectProblemFilters)
    permissions.require(user, "rectification.view")
    params: dict[str, Any] = {}
    if filters.unit is not None:
        params["unit"] = visible_unit(user, filters.unit)
    if filters.category:
        params["category"] = category_by_code(filters.category, "category", "query", active=False).pk
    for key in ("source", "status", "flag", "sort"):
        if getattr(filters, key):
            params[key] = getattr(filters, key)
    if filters.quiet:
        params["quiet"] = "1"
    if filters.q:
        params["q"] = filters.q
    problems = filter_problems(visible_problems(user), params).select_related(
        "category", "responsible_unit", "responsible_leader", "responsible_person"
    )
    answer = page(problems.defer("description", "measures", "standard"), filters)
    today = timezone.localdate()
    answer["items"] = [item(p, today) for p in answer["items"]]
    return answer


@router.get(
    "/problems/{problem_id}",
    response={200: schemas.RectProblemDetail, 404: ErrorOut, **COMMON_RESPONSES},
    url_name="rect_problem",
    summary="问题详情",
    description=(
        "五定、推导的整改状态与时限预警、工期节点及其调整记录、任务清单与进展报告（含佐证材料）、"
        "历次销号与重新整改、针对的制度成果，以及当前用户现在可以执行的操作。"
    ),
)
def get_problem(request: HttpRequest, problem_id: ProblemId) -> Any:
    user = actor(request)
    return detail(user, load_problem(user, problem_id).pk)


def _origin(user: User, payload: schemas.RectProblemIn) -> tuple[Clue | None, Any]:
    """The clue subject or self-report item the problem is made from, checked as the page does."""
    if payload.source_subject_id is not None and payload.source_item_id is not None:
        raise field_error("source_item_id", "来源被反映人与来源自查事项只能填写一项")
    if payload.source_subject_id is not None:
        clues = permissions.scope(user, "clues.view", Clue.objects.all())
        subject = ClueSubject.objects.filter(pk=payload.source_subject_id, clue__in=clues).first()
        if subject is None:
            raise field_error("source_subject_id", "来源被反映人不存在，或您无权查看其线索")
        if subject.result not in SUBSTANTIATED:
            raise field_error("source_subject_id", "该被反映人的核查结论不是属实或部分属实，不能据此登记问题")
        return subject.clue, None
    if payload.source_item_id is not None:
        from zhengdun.selfreports.models import SelfReport, SelfReportItem

        reports = permissions.scope(
            user, "selfreports.view", SelfReport.objects.filter(submitted_at__isnull=False)
        )
        found = SelfReportItem.objects.filter(pk=payload.source_item_id, report__in=reports).first()
        if found is None:
            raise field_error("source_item_id", "来源自查事项不存在，或您无权查看")
        return None, found
    return None, None


@router.post(
    "/problems",
    response={201: schemas.RectProblemDetail, 403: ErrorOut, **BODY_RESPONSES},
    summary="登记问题",
    description=(
        "按五定登记问题并自动编号，按工期模板从整改时限倒排节点（工期不足时标记，不拒绝）。"
        "可由核查属实的线索被反映人（source_subject_id）或已提交的自查事项（source_item_id）生成，双向关联。"
    ),
)
def register(request: HttpRequest, payload: schemas.RectProblemIn) -> Any:
    user = actor(request)
    if not permissions.has_permission(user, "rectification.register"):
        raise PermissionDenied("您没有登记问题的权限")
    clue, found_item = _origin(user, payload)
    data = {
        "title": payload.title,
        "category": category_by_code(payload.category).pk,
        "source": payload.source,
        "description": payload.description,
        "responsible_unit": payload.responsible_unit_id,
        "responsible_leader": payload.responsible_leader_id,
        "responsible_person": payload.responsible_person_id,
        "measures": payload.measures,
        "standard": payload.standard,
        "deadline": payload.deadline,
    }
    with as_422(RENAME):
        problem = actions.register_problem(user, data, source_clue=clue, source_selfreport_item=found_item)
    return Reply(201, detail(user, problem.pk))


@router.patch(
    "/problems/{problem_id}",
    response=DETAIL_RESPONSES,
    summary="修改五定",
    description=(
        "只修改提交的字段；须提交读取时的 version，问题已被他人修改时返回409，不做任何修改。"
        "调整整改时限须说明原因（reason），工期计划随之重新倒排并记录各节点的移动。已销号的问题不能修改（422）。"
    ),
)
def update(request: HttpRequest, problem_id: ProblemId, payload: schemas.RectProblemPatch) -> Any:
    user = actor(request)
    problem = load_problem(user, problem_id)
    require_on(user, "rectification.register", problem, "您没有修改该问题的权限")
    require_open(problem)
    values = payload.dict(exclude_unset=True)
    version, reason = values.pop("version"), values.pop("reason", "")
    data = actions.wuding_of(problem)
    for key in WUDING:
        given = values.get(RENAME.get(key, key))
        if given is not None:
            data[key] = given
    if values.get("category"):
        # an inactive category may stay as stored; a change to one is refused by the action
        data["category"] = category_by_code(values["category"], active=False).pk
    with as_422(RENAME):
        actions.update_problem(user, problem, data, version=version, reason=reason)
    return detail(user, problem.pk)
