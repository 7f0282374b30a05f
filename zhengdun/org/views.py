"""Pages of the unit tree and the personnel roster.

Views stay thin: reads go through accounts.permissions (out of scope answers 404), writes through
org.actions, and an action's ValidationError is shown beside the field it names.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.core.errors import ConflictError
from zhengdun.core.pages import HtmxRequest
from zhengdun.org import actions
from zhengdun.org.forms import PersonFilterForm, PersonForm, UnitForm, apply_errors
from zhengdun.org.models import Person, Unit

if TYPE_CHECKING:
    from zhengdun.accounts.models import User


PAGE_SIZE = 50

# Sort keys the roster accepts in ?sort= (a leading "-" reverses), and the columns they order by.
PERSON_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "police_no": ("police_no",),
    "unit": ("unit__path", "name"),
    "position": ("position", "name"),
    "status": ("status", "name"),
}

CONFLICT_PREFIX = "保存冲突："


# --- units ---------------------------------------------------------------------------------


@dataclass
class UnitRow:
    unit: Unit
    level: int = 0
    direct: int | None = None
    total: int | None = None
    has_children: bool = False
    can_change: bool = False
    trail: list[Unit] = field(default_factory=list)


def _path_pks(path: str) -> list[int]:
    return [int(seg) for seg in path.split(".") if seg]


def _people_counts(user: User, within: Unit | None = None) -> tuple[dict[int, int], dict[int, int]] | None:
    """Active officers per unit (direct) and per subtree (total), among those the user may see
    (in the subtree of `within` if given); None when the user may see no roster at all."""
    if not permissions.has_permission(user, "org.view_person"):
        return None
    people = permissions.scope(user, "org.view_person", Person.objects.filter(status=Person.Status.ACTIVE))
    if within is not None:
        people = people.filter(unit__path__startswith=within.path)
    direct: dict[int, int] = {}
    total: dict[int, int] = defaultdict(int)
    for row in people.order_by().values("unit_id", "unit__path").annotate(n=Count("id")):
        direct[row["unit_id"]] = row["n"]
        for pk in _path_pks(row["unit__path"]):
            total[pk] += row["n"]
    return direct, total


def _tree_rows(units: list[Unit]) -> list[UnitRow]:
    """The units in tree order (siblings by sort order), each with its level below the top
    visible unit. A unit whose parent is out of scope starts a tree of its own."""
    by_pk = {u.pk: u for u in units}
    children: dict[int | None, list[Unit]] = defaultdict(list)
    for unit in units:
        children[unit.parent_id if unit.parent_id in by_pk else None].append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda u: (u.sort_order, u.path))
    rows: list[UnitRow] = []
    stack = [(u, 0) for u in reversed(children[None])]
    while stack:
        unit, level = stack.pop()
        rows.append(UnitRow(unit, level, has_children=bool(children.get(unit.pk))))
        stack.extend((c, level + 1) for c in reversed(children.get(unit.pk, [])))
    return rows


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    permissions.require(user, "org.view_unit")
    visible = permissions.scope(user, "org.view_unit", Unit.objects.all())
    q = request.GET.get("q", "").replace("\x00", "").strip()[:60]
    if q:
        matched = list(
            visible.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__icontains=q)).order_by(
                "path"
            )
        )
        trail_pks = {pk for u in matched for pk in _path_pks(u.path)[:-1]}
        names = {u.pk: u for u in visible.filter(pk__in=trail_pks)}
        rows = [
            UnitRow(u, trail=[names[pk] for pk in _path_pks(u.path)[:-1] if pk in names]) for u in matched
        ]
    else:
        rows = _tree_rows(list(visible))
    counts = _people_counts(user)
    direct, total = counts if counts is not None else ({}, {})
    change_paths = permissions.unit_paths_for(user, "org.change_unit")
    for row in rows:
        row.direct = direct.get(row.unit.pk, 0)
        row.total = total.get(row.unit.pk, 0)
        row.can_change = any(row.unit.path.startswith(p) for p in change_paths)
    context = {
        "rows": rows,
        "q": q,
        "show_counts": counts is not None,
        "can_create": bool(change_paths),
    }
    return render(request, "org/unit_list.html", context)


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    unit = permissions.get_for_user(user, "org.view_unit", Unit.objects.all(), pk=pk)
    visible = permissions.scope(user, "org.view_unit", Unit.objects.all())
    ancestors = list(visible.filter(pk__in=_path_pks(unit.path)[:-1]).order_by("depth"))
    children = list(visible.filter(parent=unit).order_by("sort_order", "path"))
    counts = _people_counts(user, within=unit)
    can_view_people = permissions.has_permission(user, "org.view_person", unit)
    people: list[Person] = []
    if can_view_people:
        people = list(
            permissions.scope(user, "org.view_person", Person.objects.filter(unit=unit)).order_by("name")[:20]
        )
    direct, total = counts if counts is not None else ({}, {})
    context = {
        "unit": unit,
        "ancestors": ancestors,
        "children": [UnitRow(c, direct=direct.get(c.pk, 0), total=total.get(c.pk, 0)) for c in children],
        "show_counts": counts is not None,
        "direct_count": direct.get(unit.pk, 0),
        "total_count": total.get(unit.pk, 0),
        "can_view_people": can_view_people,
        "people": people,
        "can_change": permissions.has_permission(user, "org.change_unit", unit),
        "can_add_person": permissions.has_permission(user, "org.change_person", unit),
    }
    return render(request, "org/unit_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    permissions.require(user, "org.change_unit")
    initial: dict[str, Any] = {"is_active": True, "sort_order": 0}
    parent_pk = request.GET.get("parent", "")
    if parent_pk.isdigit():
        initial["parent"] = int(parent_pk)
    form = UnitForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.action_values()
        try:
            unit = actions.create_unit(user, **values)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已新增单位“{unit.name}”")
            return redirect("org:unit_detail", pk=unit.pk)
    return render(request, "org/unit_form.html", {"form": form, "unit": None})


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    unit = permissions.get_for_user(user, "org.view_unit", Unit.objects.select_related("parent"), pk=pk)
    permissions.require(user, "org.change_unit", unit)
    form = UnitForm(request.POST or None, user=user, instance=unit)
    if request.method == "POST" and form.is_valid():
        values = form.action_values()
        try:
            actions.update_unit(user, unit, version=form.cleaned_data["version"], **values)
        except ValidationError as exc:
            apply_errors(form, exc)
        except ConflictError as exc:
            form.add_error(None, CONFLICT_PREFIX + str(exc))
        else:
            messages.success(request, f"已保存单位“{unit.name}”")
            return redirect("org:unit_detail", pk=unit.pk)
    return render(request, "org/unit_form.html", {"form": form, "unit": unit})


@login_required
@require_http_methods(["GET", "POST"])
def unit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    unit = permissions.get_for_user(user, "org.view_unit", Unit.objects.select_related("parent"), pk=pk)
    permissions.require(user, "org.change_unit", unit)
    errors: list[str] = []
    if request.method == "POST":
        parent_pk, name = unit.parent_id, unit.name
        try:
            actions.delete_unit(user, unit)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"已删除单位“{name}”")
            if (
                parent_pk
                and permissions.scope(user, "org.view_unit", Unit.objects.filter(pk=parent_pk)).exists()
            ):
                return redirect("org:unit_detail", pk=parent_pk)
            return redirect("org:unit_list")
    return render(request, "org/unit_confirm_delete.html", {"unit": unit, "errors": errors})


# --- roster --------------------------------------------------------------------------------


def _sorting(request: HttpRequest) -> tuple[str, tuple[str, ...]]:
    sort = request.GET.get("sort", "")
    key = sort.removeprefix("-")
    if key not in PERSON_SORTS:
        return "", ("unit__path", "name", "pk")
    columns = PERSON_SORTS[key]
    if sort.startswith("-"):
        columns = tuple(f"-{c}" for c in columns)
    return sort, (*columns, "pk")


@login_required
@vary_on_headers("HX-Request")
def person_list(request: HtmxRequest) -> HttpResponse:
    user = current_user(request)
    permissions.require(user, "org.view_person")
    form = PersonFilterForm(request.GET or None, user=user)
    people: QuerySet[Person] = permissions.scope(
        user, "org.view_person", Person.objects.select_related("unit")
    )
    if form.is_bound:
        # An invalid filter (a unit out of scope, a bad status) shows nothing rather than everything.
        people = form.filter(people) if form.is_valid() else people.none()
    sort, ordering = _sorting(request)
    page = Paginator(people.order_by(*ordering), PAGE_SIZE).get_page(request.GET.get("page"))
    change_paths = permissions.unit_paths_for(user, "org.change_person")
    for person in page.object_list:
        person.can_edit = any(person.unit.path.startswith(p) for p in change_paths)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    context = {
        "form": form,
        "page": page,
        "sort": sort,
        # the filters as a query-string prefix for the sort and page links: "?q=…&" or "?"
        "qs": f"?{query.urlencode()}&" if query else "?",
        "can_create": bool(change_paths),
    }
    # htmx asks for the whole page when it restores history it has not cached.
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        return render(request, "org/_person_table.html", context)
    return render(request, "org/person_list.html", context)


def _person_detail_context(user: User, person: Person) -> dict[str, Any]:
    return {
        "person": person,
        "postings": person.postings.select_related("unit").order_by("-started_on", "-id"),
        "unit_visible": permissions.has_permission(user, "org.view_unit", person.unit),
        "can_edit": permissions.has_permission(user, "org.change_person", person.unit),
        "can_reveal": permissions.has_permission(user, "org.view_id_number", person.unit),
    }


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = permissions.get_for_user(
        current_user(request), "org.view_person", Person.objects.select_related("unit"), pk=pk
    )
    return render(request, "org/person_detail.html", _person_detail_context(current_user(request), person))


@login_required
@require_POST
def person_reveal_id(request: HtmxRequest, pk: int) -> HttpResponse:
    """The full ID number, inline (htmx) or on the detail page; reveal_id_number audits it."""
    user = current_user(request)
    person = permissions.get_for_user(user, "org.view_person", Person.objects.select_related("unit"), pk=pk)
    number = actions.reveal_id_number(user, person)
    if request.htmx:
        response = render(request, "org/_id_number.html", {"person": person, "number": number})
    else:
        context = {**_person_detail_context(user, person), "revealed": number}
        response = render(request, "org/person_detail.html", context)
    # The full number must not linger in a shared or browser cache.
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    permissions.require(user, "org.change_person")
    initial: dict[str, Any] = {
        "is_party_member": True,
        "gender": Person.Gender.MALE,
        "started_on": timezone.localdate(),
    }
    unit_pk = request.GET.get("unit", "")
    if unit_pk.isdigit():
        initial["unit"] = int(unit_pk)
    form = PersonForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person = actions.create_person(user, **form.action_values())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已录入干警“{person.name}”")
            return redirect("org:person_detail", pk=person.pk)
    return render(request, "org/person_form.html", {"form": form, "person": None})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    person = permissions.get_for_user(user, "org.view_person", Person.objects.select_related("unit"), pk=pk)
    permissions.require(user, "org.change_person", person.unit)
    form = PersonForm(request.POST or None, user=user, instance=person)
    if request.method == "POST" and form.is_valid():
        values = form.action_values()
        try:
            actions.update_person(user, person, version=form.cleaned_data["version"], **values)
        except ValidationError as exc:
            apply_errors(form, exc)
        except ConflictError as exc:
            form.add_error(None, CONFLICT_PREFIX + str(exc))
        else:
            messages.success(request, f"已保存干警“{person.name}”的信息")
            return redirect(reverse("org:person_detail", kwargs={"pk": person.pk}))
    return render(request, "org/person_form.html", {"form": form, "person": person})
