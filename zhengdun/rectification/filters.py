"""The rectification lists' filters, in one place: the 问题清单's (the page, its export, the API
and the home page cards share filter_problems, so a card's number is what its link lists) and
建章立制's. Each narrows a queryset already scoped by accounts.permissions; none widens it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.accounts.permissions import units_under
from zhengdun.core.listing import ListPage, page_of
from zhengdun.core.text import query_term
from zhengdun.org.models import Unit
from zhengdun.rectification.forms import (
    OPEN,
    QUIET_DAYS,
)
from zhengdun.rectification.models import (
    Institution,
    Problem,
    ProblemSource,
    ProgressReport,
    Reopening,
)
from zhengdun.rectification.status import (
    COLOURS,
    NEAR_COLOUR,
    OPEN_STATUSES,
    ProblemStatus,
    StatusAnnotation,
    annotate_status,
    is_near,
    near_condition,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

SORTS: dict[str, tuple[str, ...]] = {
    "deadline": ("deadline", "id"),
    "-deadline": ("-deadline", "-id"),
    "number": ("number",),
    "-number": ("-number",),
    "progress": ("progress", "deadline", "id"),
    "-progress": ("-progress", "deadline", "id"),
}
DEFAULT_SORT = "deadline"
FLAG_LABELS = {"overdue": ("逾期", COLOURS[ProblemStatus.OVERDUE]), "near": ("临期", NEAR_COLOUR)}


def sort_key(params: Mapping[str, Any]) -> str:
    """The sort applied: the requested one when known, else by deadline (soonest first)."""
    key = params.get("sort")
    return key if key in SORTS else DEFAULT_SORT


def _unit_of(value: Any) -> Unit | None:
    if isinstance(value, Unit):
        return value
    try:
        return Unit.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


def quiet_since(now: dt.datetime | None = None) -> dt.datetime:
    """Problems without a progress report (or a registration, or a reopening) since this moment
    are 久未报告."""
    return (now or timezone.now()) - dt.timedelta(days=QUIET_DAYS)


def filter_problems(
    queryset: QuerySet[Problem], params: Mapping[str, Any], *, today: dt.date | None = None
) -> QuerySet[WithAnnotations[Problem, StatusAnnotation]]:
    """Narrow an already scoped problem queryset by the list's filters, with each row's derived
    status annotated (derived_status), ordered. The same function serves the page, the export and
    the home page cards, so a card's number is what its link lists.

    params: unit (a Unit or id: its subtree), category (id), source, status (a ProblemStatus
    value, or "open": not closed off), flag ("overdue" / "near"), quiet ("1": open, nothing
    reported for QUIET_DAYS days), q (number or title contains), sort."""
    today = today or timezone.localdate()
    qs = annotate_status(queryset, today)
    if params.get("unit") not in (None, ""):
        unit = _unit_of(params["unit"])
        qs = qs.filter(responsible_unit__in=units_under([unit.path])) if unit else qs.none()
    if params.get("category"):
        qs = qs.filter(category_id=params["category"])
    if params.get("source") in ProblemSource.values:
        qs = qs.filter(source=params["source"])
    status = params.get("status")
    if status == OPEN:
        qs = qs.exclude(derived_status=ProblemStatus.CLOSED.value)
    elif status in ProblemStatus.values:
        qs = qs.filter(derived_status=status)
    flag = params.get("flag")
    if flag == "overdue":
        qs = qs.filter(derived_status=ProblemStatus.OVERDUE.value)
    elif flag == "near":
        qs = qs.filter(near_condition(today))
    if str(params.get("quiet", "")) == "1":
        since = quiet_since()
        recent = ProgressReport.objects.filter(task__problem=OuterRef("pk"), reported_at__gte=since)
        reopened = Reopening.objects.filter(problem=OuterRef("pk"), reopened_at__gte=since)
        # in a Q: django-stubs' plugin takes an annotation's __in lookup for a single value
        qs = qs.filter(Q(derived_status__in=[s.value for s in OPEN_STATUSES]), created_at__lt=since)
        qs = qs.exclude(Exists(recent)).exclude(Exists(reopened))
    q = query_term(params.get("q"), 100)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__contains=q))
    return qs.order_by(*SORTS[sort_key(params)])


def decorate(problem: Problem, today: dt.date) -> Problem:
    """Status label and colour, the 临期/逾期 flag beside the deadline (from derived_status when
    the row was annotated)."""
    status = ProblemStatus(getattr(problem, "derived_status", None) or problem.status_on(today))
    problem.status_value = status.value
    problem.status_label = status.label
    problem.status_colour = COLOURS[status]
    flag = ""
    if status == ProblemStatus.OVERDUE:
        flag = "overdue"
    elif is_near(status, problem.deadline, today):
        flag = "near"
    problem.flag = flag
    problem.flag_label, problem.flag_colour = FLAG_LABELS.get(flag, ("", ""))
    return problem


def problem_page(problems: QuerySet[Problem], page: str | None, per_page: str | None) -> ListPage:
    """One page of the list with a count capped like the clue ledger's."""
    result = page_of(
        problems.select_related(
            "category", "responsible_unit", "responsible_leader", "responsible_person"
        ).defer("description", "measures", "standard"),
        page,
        per_page,
    )
    today = timezone.localdate()
    for row in result.rows:
        decorate(row, today)
    return result


def visible_institutions(user: User) -> QuerySet[Institution]:
    """The institutions the user may see: issued within their rectification.view subtree, or
    addressing a problem of their units (Institution.scope_extra)."""
    return permissions.scope(user, "rectification.view", Institution.objects.select_related("issuing_unit"))


def filter_institutions(
    queryset: QuerySet[Institution], params: dict[str, Any], visible_problems: QuerySet[Problem]
) -> QuerySet[Institution]:
    """Narrow an already scoped queryset by the filter bar's cleaned values."""
    qs = queryset
    q = query_term(params.get("q"), 100)
    if q:
        # a plain icontains: a city registers hundreds of institutions, not the million clues that
        # needed the bigram index; on SQLite it is case-insensitive for ASCII only (文号 letters)
        qs = qs.filter(Q(title__icontains=q) | Q(doc_number__icontains=q) | Q(scope__icontains=q))
    unit = params.get("unit")
    if unit is not None:
        qs = qs.filter(issuing_unit__in=units_under([unit.path]))
    if params.get("issued_from"):
        qs = qs.filter(issued_on__gte=params["issued_from"])
    if params.get("issued_to"):
        qs = qs.filter(issued_on__lte=params["issued_to"])
    category = params.get("category")
    if category is not None:
        # only links the user can see count: the filter must not reveal a hidden problem's category
        links = Institution.problems.through.objects.filter(
            institution_id=OuterRef("pk"), problem__category=category, problem__in=visible_problems
        )
        qs = qs.filter(Exists(links))
    return qs.order_by("-issued_on", "-id")
