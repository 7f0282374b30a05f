"""建章立制 through the API: the registry (search and filters, as the page), a record, registering
one with its document (multipart), setting the problems it addresses, and the document download
(audited). An institution is seen through its issuing unit or a problem of the caller's units."""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status as Reply

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.core import files as stored_files
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
from zhengdun.rectification import actions
from zhengdun.rectification.api import schemas
from zhengdun.rectification.api._shared import VIEW, as_422, ref, user_ref, visible_problems
from zhengdun.rectification.api.problems import category_by_code, file_out, visible_unit

# the registry's filter: one function for the page, its export and the API
from zhengdun.rectification.filters import filter_institutions
from zhengdun.rectification.models import Institution, InstitutionDocument, Problem
from zhengdun.rectification.status import ProblemStatus, annotate_status

router = Router(tags=["建章立制"])

InstitutionId = Annotated[int, path_id("制度ID")]
FileId = Annotated[int, path_id("文件ID")]
RESPONSES: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **BODY_RESPONSES}
INSTITUTIONS = Institution.objects.select_related("issuing_unit", "created_by").prefetch_related(
    Prefetch("documents", queryset=InstitutionDocument.objects.select_related("uploaded_by").order_by("id"))
)


def _visible(user: User) -> QuerySet[Institution]:
    return permissions.scope(user, VIEW, INSTITUTIONS)


def _linked(ids: list[int], problems: QuerySet[Problem]) -> dict[int, list[dict[str, Any]]]:
    """The problems each institution addresses, among those the caller may see (two queries)."""
    through = Institution.problems.through.objects.filter(institution_id__in=ids, problem__in=problems)
    rows = annotate_status(Problem.objects.filter(pk__in=through.values("problem_id")), timezone.localdate())
    found = {p.pk: p for p in rows.only("pk", "number", "title", "deadline")}
    linked: dict[int, list[dict[str, Any]]] = {}
    for institution_id, problem_id in through.values_list("institution_id", "problem_id"):
        p = found.get(problem_id)
        if p is not None:
            status = ProblemStatus(p.derived_status)
            linked.setdefault(institution_id, []).append(
                {
                    "id": p.pk,
                    "number": p.number,
                    "title": p.title,
                    "status": status.value,
                    "status_label": status.label,
                }
            )
    for rows_of in linked.values():
        rows_of.sort(key=lambda r: r["number"])
    return linked


def _out(user: User, rows: list[Institution]) -> list[dict[str, Any]]:
    linked = _linked([r.pk for r in rows], visible_problems(user))
    return [
        {
            "id": r.pk,
            "title": r.title,
            "doc_number": r.doc_number,
            "issuing_unit": ref(r.issuing_unit),
            "issued_on": r.issued_on,
            "scope": r.scope,
            "problems": linked.get(r.pk, []),
            "documents": [file_out(d) for d in r.documents.all()],
            "created_by": user_ref(r.created_by),
            "created_at": r.created_at,
            "can_link": permissions.has_permission(user, "rectification.institutions", r.issuing_unit),
        }
        for r in rows
    ]


def _problems(user: User, ids: list[int], field: str = "problem_ids", source: str = "body") -> list[Problem]:
    wanted = set(ids)
    found = list(visible_problems(user).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise field_error(field, "所选问题中有不存在或您无权查看的问题", source)
    return found


@router.get(
    "/institutions",
    response={200: schemas.RectInstitutionListOut, 403: ErrorOut, **COMMON_RESPONSES},
    summary="制度成果（建章立制）",
    description=(
        "当前用户可查看的制度成果：制定单位在查看范围内，或针对查看范围内的问题。检索制度名称、文号、适用范围；"
        "筛选与页面相同，不支持的筛选条件返回422。分页用 limit/offset。"
    ),
)
def list_institutions(request: HttpRequest, filters: Query[schemas.RectInstitutionFilters]) -> Any:
    user = actor(request)
    refuse_unknown_params(request, schemas.RectInstitutionFilters)
    permissions.require(user, VIEW)
    if filters.issued_from and filters.issued_to and filters.issued_from > filters.issued_to:
        raise field_error("issued_to", "印发日期的结束日期不能早于开始日期", "query")
    params: dict[str, Any] = {
        "q": filters.q or "",
        "issued_from": filters.issued_from,
        "issued_to": filters.issued_to,
    }
    if filters.unit is not None:
        params["unit"] = visible_unit(user, filters.unit)
    if filters.category:
        params["category"] = category_by_code(filters.category, "category", "query", active=False)
    problems = visible_problems(user)
    answer = page(filter_institutions(_visible(user), params, problems), filters)
    answer["items"] = _out(user, answer["items"])
    return answer


@router.get(
    "/institutions/{institution_id}",
    response={200: schemas.RectInstitutionOut, 404: ErrorOut, **COMMON_RESPONSES},
    summary="制度详情",
)
def get_institution(request: HttpRequest, institution_id: InstitutionId) -> Any:
    user = actor(request)
    row = permissions.get_for_user(user, VIEW, INSTITUTIONS, pk=institution_id)
    return _out(user, [row])[0]


@router.post(
    "/institutions",
    response={201: schemas.RectInstitutionOut, **RESPONSES},
    summary="登记制度",
    description=(
        "multipart/form-data：title、doc_number、issuing_unit_id、issued_on（不晚于今天）、scope、problem_ids"
        "（可多个）和制度文件 files（至少一个）。"
    ),
)
def register(
    request: HttpRequest,
    payload: Form[schemas.RectInstitutionForm],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]  # ninja: `| None` makes it a query param
) -> Any:
    user = actor(request)
    if not permissions.has_permission(user, "rectification.institutions"):
        raise PermissionDenied("您没有登记制度成果的权限")
    problems = _problems(user, payload.problem_ids, source="form")
    data = payload.dict(exclude={"problem_ids"})
    data["issuing_unit"] = data.pop("issuing_unit_id")
    with as_422({"issuing_unit": "issuing_unit_id", "problems": "problem_ids"}, source="form"):
        row = actions.register_institution(user, data, problems=problems, files=files or [])
    return Reply(201, _out(user, [_visible(user).get(pk=row.pk)])[0])


@router.put(
    "/institutions/{institution_id}/problems",
    response={200: schemas.RectInstitutionOut, **RESPONSES},
    summary="设置针对的问题",
    description="整体替换制度针对的问题（须为您可查看的问题）；您看不到的已有关联保持不变。",
)
def link(request: HttpRequest, institution_id: InstitutionId, payload: schemas.RectLinkIn) -> Any:
    user = actor(request)
    row = permissions.get_for_user(user, VIEW, INSTITUTIONS, pk=institution_id)
    if not permissions.has_permission(user, "rectification.institutions", row.issuing_unit):
        raise PermissionDenied("您没有修改该制度成果的权限")
    problems = _problems(user, payload.problem_ids)
    with as_422({"problems": "problem_ids"}):
        actions.link_institution(user, row, problems)
    return _out(user, [row])[0]


@router.get(
    "/institution-documents/{file_id}",
    response={404: ErrorOut, **COMMON_RESPONSES},
    url_name="rect_document",
    summary="下载制度文件",
    description="须可查看其制度；每次下载记入审计日志。",
    openapi_extra={
        "responses": {
            "200": {
                "description": "文件，类型为上传时按内容识别的类型",
                "content": {
                    mime: {"schema": {"type": "string", "format": "binary"}}
                    for mime in sorted(set(stored_files.ALLOWED.values()))
                },
            }
        }
    },
)
def document(request: HttpRequest, file_id: FileId) -> Any:
    user = actor(request)
    row = InstitutionDocument.objects.filter(pk=file_id).first()
    institution = permissions.get_for_user(
        user, VIEW, Institution.objects.all(), pk=row.institution_id if row else 0
    )
    return stored_files.serve(user, row, "rectification.document_downloaded", institution)
