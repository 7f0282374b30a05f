"""挂图作战's data through the API, from the same functions as the pages (rectification.battlemap):
the 作战图 (units × categories with each problem's mark and the counts by mark), one unit's
甘特图 (milestones as bars with dates and states) and the 县区排名 (销号率, 按期完成率).

Everything starts from actions.problems_visible(caller), narrowed by category and county as the
pages narrow it; a filter outside the caller's reach answers 422 naming it (the page would show
nothing), a unit out of reach on the 甘特图 404 (as the page)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router

from zhengdun.accounts import permissions
from zhengdun.clues.models import Category
from zhengdun.core.api import COMMON_RESPONSES, ErrorOut, actor, field_error, refuse_unknown_params
from zhengdun.org.models import Unit
from zhengdun.rectification import battlemap as bm
from zhengdun.rectification.api import schemas
from zhengdun.rectification.api._shared import VIEW, visible_problems
from zhengdun.rectification.models import Problem

router = Router(tags=["挂图作战"])

RESPONSES: dict[int, Any] = {403: ErrorOut, **COMMON_RESPONSES}


@dataclass
class Reach:
    today: dt.date
    every_category: list[Category]
    category: Category | None
    counties: list[Unit]  # the counties overlapping the caller's reach
    county: Unit | None
    problems: QuerySet[Problem]  # visible and filtered

    @property
    def ranked_counties(self) -> list[Unit]:
        return [self.county] if self.county else self.counties


def _reach(request: HttpRequest, filters: schemas.RectMapFilters, schema: Any) -> Reach:
    """The caller's filters resolved against what they may see, as the pages resolve them."""
    refuse_unknown_params(request, schema)
    user = actor(request)
    permissions.require(user, VIEW)
    paths = permissions.unit_paths_for(user, VIEW)
    counties = bm.counties_in_reach(
        paths, Unit.objects.filter(type=Unit.Type.COUNTY).order_by("sort_order", "path")
    )
    every = list(Category.objects.select_related("unit"))
    category = None
    if filters.category:
        offered = [c for c in every if c.is_active and (c.unit is None or bm.overlaps(c.unit.path, paths))]
        category = next((c for c in offered if c.code == filters.category.strip()), None)
        if category is None:
            raise field_error("category", f"未知的问题类别代码“{filters.category[:20]}”", "query")
    county = None
    if filters.county is not None:
        county = next((c for c in counties if c.pk == filters.county), None)
        if county is None:
            raise field_error("county", "所选县区不在您的查看范围内", "query")
    city_only = bool(filters.city_only)
    if city_only:
        if county is not None:
            raise field_error("city_only", "县区与市直单位只能选择一项", "query")
        # units outside every county are within reach when a grant is not inside a county
        if not any(not any(p.startswith(c.path) for c in counties) for p in paths):
            raise field_error("city_only", "您的查看范围不含市直单位", "query")
    problems = bm.filtered(
        visible_problems(user), category=category, county=county, city_only=city_only, counties=counties
    )
    return Reach(timezone.localdate(), every, category, counties, county, problems)


def _chip(i: bm.Item) -> dict[str, Any]:
    return {
        "id": i.pk,
        "number": i.number,
        "title": i.title,
        "status": i.status.value,
        "status_label": i.status.label,
        "mark": i.mark.key,
        "deadline": i.deadline,
    }


@router.get(
    "/battlemap/matrix",
    response={200: schemas.RectMatrixOut, **RESPONSES},
    summary="作战图",
    description=(
        "责任单位（按县区分组）× 问题类别：每格是该单位该类别的问题（最紧急的在前）及按标记的计数；"
        "图例按标记计数。标记为整改状态，未办结且临近整改时限的问题标记为 near（临期）。"
    ),
)
def matrix(request: HttpRequest, filters: Query[schemas.RectMapFilters]) -> Any:
    reach = _reach(request, filters, schemas.RectMapFilters)
    items = bm.load(reach.problems, reach.today)
    cols = [reach.category] if reach.category else bm.columns(items, reach.every_category)
    the_matrix = bm.matrix(items, cols, reach.counties)
    rows = []
    for group in the_matrix.groups:
        for row in group.rows:
            counts = []
            for cell in row.cells:
                tally: dict[str, int] = {}
                for i in cell:
                    tally[i.mark.key] = tally.get(i.mark.key, 0) + 1
                counts.append(tally)
            rows.append(
                {
                    "unit": {"id": row.unit_id, "name": row.unit},
                    "group": group.name,
                    "total": row.total,
                    "overdue": row.overdue,
                    "cells": [[_chip(i) for i in cell] for cell in row.cells],
                    "counts": counts,
                }
            )
    return {
        "columns": [{"id": c.pk, "code": c.code, "name": c.name} for c in the_matrix.columns],
        "rows": rows,
        "legend": [
            {"code": m.key, "label": m.label, "colour": m.colour, "count": n} for m, n in the_matrix.legend
        ],
        "total": the_matrix.total,
    }


@router.get(
    "/battlemap/gantt",
    response={200: schemas.RectGanttOut, 404: ErrorOut, **RESPONSES},
    summary="甘特图",
    description=(
        "一个单位各问题的工期计划：节点的起止日期与状态、整改时限和今天。unit 缺省为范围内有问题的第一个单位；"
        "不在查看范围内的单位返回404。"
    ),
)
def gantt(request: HttpRequest, filters: Query[schemas.RectGanttFilters]) -> Any:
    reach = _reach(request, filters, schemas.RectGanttFilters)
    units = bm.units_with_problems(reach.problems)
    choices = bm.unit_choices(units, reach.counties)
    ordered = [(pk, name) for _, options in choices for pk, name in options]
    unit: Unit | None = None
    if filters.unit is not None:
        unit = Unit.objects.filter(pk=filters.unit).first()
        if unit is None or not permissions.has_permission(actor(request), VIEW, unit):
            raise Http404("未找到该单位")
    elif ordered:
        unit = Unit.objects.get(pk=ordered[0][0])
    answer: dict[str, Any] = {
        "unit": {"id": unit.pk, "name": unit.name} if unit else None,
        "units": [{"id": pk, "name": name} for pk, name in ordered],
        "start": None,
        "end": None,
        "today": reach.today,
        "plans": [],
    }
    if unit is None or unit.pk not in {pk for pk, _ in ordered}:
        return answer
    chart = bm.gantt(reach.problems, unit.pk, reach.today)
    answer.update(start=chart.start, end=chart.end)
    answer["plans"] = [
        {
            "problem": {"id": plan.problem.pk, "number": plan.problem.number},
            "title": plan.problem.title,
            "deadline": plan.problem.deadline,
            **dict(zip(("status", "status_label"), _status(plan.problem, reach.today), strict=True)),
            "mark": plan.mark.key,
            "bars": [
                {
                    "name": b.name,
                    "start": b.start,
                    "end": b.end,
                    "done_on": b.done_on,
                    "state": b.state,
                    "state_label": b.label,
                }
                for b in plan.bars
            ],
        }
        for plan in chart.plans
    ]
    return answer


def _status(problem: Problem, today: dt.date) -> tuple[str, str]:
    status = problem.status_on(today)
    return status.value, status.label


def _standing(s: bm.Standing) -> dict[str, Any]:
    return {
        "rank": s.rank,
        "county": {"id": s.county.pk, "name": s.county.name} if s.county else None,
        "name": s.name,
        "total": s.total,
        "closed": s.closed,
        "due": s.due,
        "on_time": s.on_time,
        "overdue": s.overdue,
        "relapsed": s.relapsed,
        "completion_rate": s.completion_pct,
        "on_time_rate": s.on_time_pct,
    }


@router.get(
    "/battlemap/ranking",
    response={200: schemas.RectRankingOut, **RESPONSES},
    summary="县区排名",
    description="各县区按销号率、再按按期完成率排名（相同的并列）；没有问题的县区不排名。市直单位单列，不参与排名。",
)
def ranking(request: HttpRequest, filters: Query[schemas.RectMapFilters]) -> Any:
    reach = _reach(request, filters, schemas.RectMapFilters)
    items = bm.load(reach.problems, reach.today)
    result = bm.ranking(items, reach.ranked_counties, reach.today)
    return {
        "counties": [_standing(s) for s in result.counties],
        "city": _standing(result.city),
        "total": _standing(result.total),
        "note": bm.ON_TIME_NOTE,
    }
