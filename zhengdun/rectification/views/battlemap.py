"""挂图作战 pages: the 作战图 (units × categories), one unit's 甘特图, the 县区排名, and the xlsx
export of all three. Everything starts from actions.problems_visible(user); the category and
county filters narrow it the same way on every page and in the export. Someone without
rectification.view gets 403; a unit out of their reach on the 甘特图 gets 404, as a unit that
does not exist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import content_disposition_header

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.audit.chain import record
from zhengdun.clues.models import Category
from zhengdun.org.models import Unit
from zhengdun.rectification import actions, battlemap_export
from zhengdun.rectification import battlemap as bm
from zhengdun.rectification.models import Problem

PERMISSION = "rectification.view"
CITY = "city"  # the county filter's value for the city's own units (市直单位)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SENTINEL = 2147483647


@dataclass
class Scope:
    """The page's filters, resolved against what the user may see."""

    today: dt.date
    categories: list[Category]  # the category select's options
    every_category: list[Category]
    category: Category | None
    counties: list[Unit]  # the counties overlapping the user's reach (the county select)
    county: Unit | None
    city_only: bool
    problems: QuerySet[Problem]  # visible and filtered
    reaches_city: bool = True  # the user sees city-level units (the 市直单位 option)

    @property
    def label(self) -> str:
        if self.county is not None:
            where = self.county.name
        elif self.city_only:
            where = bm.CITY_GROUP
        elif not self.reaches_city and len(self.counties) == 1:
            where = self.counties[0].name  # a county leader's whole reach is their county
        else:
            where = "全部县区"
        what = self.category.name if self.category else "全部类别"
        return f"{where} · {what}"

    def query(self, **extra: Any) -> str:
        values = {
            "category": self.category.pk if self.category else "",
            "county": self.county.pk if self.county else (CITY if self.city_only else ""),
            **extra,
        }
        kept = {k: v for k, v in values.items() if v not in ("", None)}
        return f"?{urlencode(kept)}" if kept else ""

    @property
    def ranked_counties(self) -> list[Unit]:
        return [self.county] if self.county else self.counties


def _scope(request: HttpRequest) -> Scope:
    user = current_user(request)
    permissions.require(user, PERMISSION)
    today = timezone.localdate()
    paths = permissions.unit_paths_for(user, PERMISSION)
    counties = bm.counties_in_reach(
        paths, Unit.objects.filter(type=Unit.Type.COUNTY).order_by("sort_order", "path")
    )
    every = list(Category.objects.select_related("unit"))
    # the select offers the national categories and the local ones of units within reach; the
    # matrix's columns come from every category (a problem is never dropped for its category)
    categories = [c for c in every if c.is_active and (c.unit is None or bm.overlaps(c.unit.path, paths))]
    wanted = request.GET.get("category", "")
    category = next((c for c in categories if str(c.pk) == wanted), None)
    wanted = request.GET.get("county", "")
    county = next((c for c in counties if str(c.pk) == wanted), None)
    # units outside every county (the city's own) are within reach when a grant is not inside a county
    reaches_city = any(not any(p.startswith(c.path) for c in counties) for p in paths)
    city_only = county is None and wanted == CITY and reaches_city
    problems = bm.filtered(
        actions.problems_visible(user),
        category=category,
        county=county,
        city_only=city_only,
        counties=counties,
    )
    return Scope(today, categories, every, category, counties, county, city_only, problems, reaches_city)


def _problem_link() -> tuple[str, str]:
    """The problem page's address around its pk, reversed once per page rather than per chip."""
    try:
        url = reverse("rectification:problem", args=[_SENTINEL])
    except NoReverseMatch:  # the problem pages not mounted (yet): their agreed address
        url = f"/rectification/problems/{_SENTINEL}/"
    before, _, after = url.partition(str(_SENTINEL))
    return before, after


def _context(scope: Scope, tab: str, **extra: Any) -> dict[str, Any]:
    return {
        "scope": scope,
        "tab": tab,
        "query": scope.query(),
        "city_value": CITY,
        "problem_link": _problem_link(),
        **extra,
    }


CHIP = '<a class="bm-chip {}" href="{}{}{}" title="{} {} · {}{} · 整改时限 {}"><b>{}</b>{}</a>'


def _chips(cell: list[bm.Item], link: tuple[str, str]) -> str:
    """A cell's problems as chips. Made here rather than by an included template per chip: with
    a few thousand problems the include was most of the page's time (0.4 s of 0.45 s)."""
    return format_html_join(
        "",
        CHIP,
        (
            (
                i.mark.colour,
                link[0],
                i.pk,
                link[1],
                i.number,
                i.title,
                i.status.label,
                "（临期）" if i.near else "",
                i.deadline.isoformat(),
                i.mark.label,
                i.number,
            )
            for i in cell
        ),
    )


@login_required
def matrix(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    items = bm.load(scope.problems, scope.today)
    cols = [scope.category] if scope.category else bm.columns(items, scope.every_category)
    the_matrix = bm.matrix(items, cols, scope.counties)
    link = _problem_link()
    for row in the_matrix.units:
        row.html = [_chips(cell, link) for cell in row.cells]
    return render(request, "rectification/battlemap.html", _context(scope, "matrix", matrix=the_matrix))


@login_required
def gantt(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    units = bm.units_with_problems(scope.problems)
    choices = bm.unit_choices(units, scope.counties)
    ordered = [pk for _, options in choices for pk, _ in options]
    wanted = request.GET.get("unit", "")
    unit: Unit | None = None
    if wanted:
        # (a pk beyond the integer column's range is simply not found)
        unit = Unit.objects.filter(pk=int(wanted)).first() if wanted.isdigit() and len(wanted) < 10 else None
        if unit is None or not permissions.has_permission(current_user(request), PERMISSION, unit):
            raise Http404("未找到该单位")
    elif ordered:
        unit = Unit.objects.get(pk=ordered[0])
    chart = bm.gantt(scope.problems, unit.pk, scope.today) if unit and unit.pk in ordered else None
    context = _context(
        scope,
        "gantt",
        choices=choices,
        unit=unit,
        chart=chart,
        marks=bm.MARKS,
        # the legend shows each state as its bars are drawn (colour and fill)
        bar_states=[(state, label, colour) for state, (label, colour) in bm.BAR_STATES.items()],
        unit_query=scope.query(unit=unit.pk) if unit else scope.query(),
    )
    return render(request, "rectification/battlemap_gantt.html", context)


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    items = bm.load(scope.problems, scope.today)
    the_ranking = bm.ranking(items, scope.ranked_counties, scope.today)
    return render(
        request,
        "rectification/battlemap_ranking.html",
        _context(scope, "ranking", ranking=the_ranking, note=bm.ON_TIME_NOTE),
    )


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The three views as one xlsx workbook, filtered as the page was; the export is audited."""
    scope = _scope(request)
    items = bm.load(scope.problems, scope.today)
    cols = [scope.category] if scope.category else bm.columns(items, scope.every_category)
    data = battlemap_export.workbook(
        bm.matrix(items, cols, scope.counties),
        bm.ranking(items, scope.ranked_counties, scope.today),
        items,
        scope.counties,
        today=scope.today,
        scope=scope.label,
    )
    with transaction.atomic():
        record(
            current_user(request),
            "rectification.battlemap_exported",
            None,
            {
                "category": scope.category.pk if scope.category else None,
                "county": scope.county.pk if scope.county else (CITY if scope.city_only else None),
                "problems": len(items),
            },
        )
    response = HttpResponse(data, content_type=XLSX)
    # an attachment always gets its header (None is only for an inline file without a name)
    response["Content-Disposition"] = (
        content_disposition_header(True, f"挂图作战_{scope.today.isoformat()}.xlsx") or "attachment"
    )
    response["Cache-Control"] = "private, no-store"
    return response
