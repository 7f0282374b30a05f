"""The clue ledger (its filters are the ledger page's, through clues.filters), one clue's full
record, and the clues that look like duplicates of it."""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.

from typing import Any

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Query

from zhengdun.clues import actions
from zhengdun.clues.api import inputs, schemas
from zhengdun.clues.api._common import ClueId, channel_of, clue_of, detail, router, visible
from zhengdun.clues.filters import filter_ledger, ledger_count, page_plan
from zhengdun.clues.models import Category, Status
from zhengdun.core.api import COMMON_RESPONSES, ErrorOut, actor, field_error, refuse_unknown_params

# --- ledger and detail -----------------------------------------------------------------------


def ledger_params(filters: inputs.ClueFilters) -> dict[str, Any]:
    """The API's filters as filter_ledger's params: codes become the ids it takes."""
    params: dict[str, Any] = filters.dict(exclude={"limit", "offset"}, exclude_none=True)
    if "channel" in params:
        params["channel"] = channel_of(params["channel"], "channel", "query").pk
    if "category" in params:
        category = Category.objects.filter(code=params["category"].strip()).first()
        if category is None:
            raise field_error("category", f"未知的问题类别代码“{params['category'][:20]}”", "query")
        params["category"] = category.pk
    if "status" in params:
        codes = [s.strip() for s in params["status"].split(",") if s.strip()]
        unknown = [s for s in codes if s != "open" and s not in Status.values]
        if unknown:
            raise field_error("status", f"未知的状态代码：{'、'.join(u[:24] for u in unknown)}", "query")
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
        "超过时 count 为上限、count_capped 为 true。逾期线索用 flag=overdue；不支持的筛选条件返回422。"
    ),
)
def list_clues(request: HttpRequest, filters: Query[inputs.ClueFilters]) -> Any:
    refuse_unknown_params(request, inputs.ClueFilters)
    user = actor(request)
    scope, params = visible(user), ledger_params(filters)
    qs = filter_ledger(scope, params)
    count, capped = ledger_count(scope, params, qs)
    with page_plan(capped):
        page = list(
            qs.select_related("channel", "owner_unit", "handling_unit", "handler")[
                filters.offset : filters.offset + filters.limit
            ]
        )
    prefetch_related_objects(page, "categories", "subjects")
    return {
        "items": page,
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
    user = actor(request)
    return detail(clue_of(user, clue_id).pk)


@router.get(
    "/{clue_id}/duplicates",
    response={200: list[schemas.DuplicateOut], 404: ErrorOut, **COMMON_RESPONSES},
    summary="疑似重复线索",
    description="与本线索有相同被反映人且内容相近的可见线索，供并件时参考。",
)
def duplicates(request: HttpRequest, clue_id: ClueId) -> Any:
    user = actor(request)
    clue = clue_of(user, clue_id)
    found = actions.duplicate_candidates(user, clue)
    return [{"clue": other, "score": score} for other, score in found]
