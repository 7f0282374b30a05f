"""The clue ledger (线索台账), registration (登记线索) and the user's reminders (我的提醒).

Reads go through accounts.permissions.scope() and then clues.filters (the same filters as the
API); the one write here, registration, goes through clues.actions.register_clue, whose
ValidationError is shown beside the fields it names with everything typed kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.accounts.models import User
from zhengdun.clues import actions, deadlines, filters, notifications, search
from zhengdun.clues.filters import filter_ledger, sort_key
from zhengdun.clues.forms import LedgerFilterForm, RegisterForm, SubjectRows, search_people
from zhengdun.clues.models import STATUS_COLOURS, Clue, ClueQuerySet, ClueSubject, Notification, Sensitivity
from zhengdun.core.db import read_together
from zhengdun.core.errors import ConflictError
from zhengdun.core.listing import PAGE_SIZES, ListPage, count_cap, page_of
from zhengdun.core.pages import HtmxRequest, fact, mark

SUPERVISION_COLOURS = {"general": "blue", "key": "yellow", "listed": "red"}
# the summary column shows this many characters, the last an ellipsis when cut; the whole
# summary is its title
SUMMARY_CHARS = 36


# --- ledger ----------------------------------------------------------------------------------


def ledger_page(
    scoped: ClueQuerySet, params: dict[str, Any], page: str | None, per_page: str | None = None
) -> ListPage:
    """The requested page of the scoped clues narrowed by the ledger filters in params, counted
    by filters.ledger_count, its rows loaded in a fixed number of queries: channel and units
    joined; subject and category names read as (clue, name) pairs — a prefetch built a model
    instance for each and cost ~5 ms more on every ledger page.

    A search newest-first whose matches PostgreSQL found by walking (filters.newest_matches)
    takes its first pages' ids from that walk: the page is then read by id, not walked again."""
    clues = _for_rows(filter_ledger(scoped, params))
    newest = filters.newest_matches(scoped, params)
    # the walk's ids are the first pages when they are the newest cap+1 and the page is newest-first
    first_ids = (
        newest
        if newest is not None and len(newest) > count_cap() and sort_key(params) == filters.SEARCH_SORT
        else []
    )

    def fetch(offset: int, limit: int, capped: bool) -> list[Clue]:
        if offset + limit <= len(first_ids):
            ids = first_ids[offset : offset + limit]
            # the ids are of clues the user may see; scope() again all the same, as every read
            by_id = {clue.pk: clue for clue in _for_rows(scoped.filter(pk__in=ids))}
            if len(by_id) == len(ids):
                return [by_id[pk] for pk in ids]
            # a clue deleted or hidden since the walk: a short page would end the pager early
        with filters.page_plan(capped):
            return list(clues[offset : offset + limit])

    result = page_of(
        clues,
        page,
        per_page,
        count_with=lambda: filters.ledger_count(scoped, params, clues, newest),
        fetch=fetch,
    )
    ids = [clue.pk for clue in result.rows]
    links = Clue.categories.through.objects.filter(clue_id__in=ids)
    subject_rows, category_rows = read_together(
        ClueSubject.objects.filter(clue_id__in=ids).order_by("clue_id", "id").values_list("clue_id", "name"),
        links.order_by(
            "clue_id", "-category__is_national", "category__sort_order", "category__code"
        ).values_list("clue_id", "category__name"),
    )
    subjects, categories = _names_by_clue(subject_rows), _names_by_clue(category_rows)
    for clue in result.rows:
        names = categories.get(clue.pk, [])
        mark(
            clue,
            subject_names="、".join(subjects.get(clue.pk, ())),
            category_list=names,
            category_names="、".join(names),
        )
    return result


# the columns a ledger row shows (ROW_HTML, deadlines.flag_for): a whole clue with its channel
# and unit was ~3 ms of model building for twenty rows
ROW_FIELDS = (
    "number",
    "sensitivity",
    "received_on",
    "summary",
    "status",
    "disposition",
    "deadline",
    "supervision_level",
    "channel__name",
    "handling_unit__name",
)


def _for_rows(clues: QuerySet[Clue]) -> QuerySet[Clue]:
    return clues.select_related("channel", "handling_unit").only(*ROW_FIELDS)


def _names_by_clue(pairs: Any) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for clue_id, name in pairs:
        names.setdefault(clue_id, []).append(name)
    return names


# One ledger row. Rendered here rather than in the template: twenty to a hundred rows of
# eleven cells made the template engine the largest part of the page (~0.25 ms a row through
# {{ }} lookups, ~0.03 ms here). Every value goes through format_html's escaping.
# The cells wrap (the columns' widths are fixed in clues.css so that all eleven fit at 1366 px):
# the 重要 tag and a deadline's flag go under the number and the date, a category shows its
# name without the bracketed part (the whole names are the cell's title).
ROW_HTML = (
    "<tr>"
    '<td class="code"><a href="{url}">{number}</a>{important}</td>'
    '<td class="code date">{received}</td>'
    "<td>{channel}</td>"
    '<td class="names">{subjects}</td>'
    '<td class="summary" title="{summary}">{summary_short}</td>'
    '<td class="cats" title="{categories}">{categories_short}</td>'
    '<td class="unit">{unit}</td>'
    '<td><span class="badge {colour}">{status}</span></td>'
    "<td>{disposition}</td>"
    '<td class="code date">{deadline}{flag}</td>'
    "<td>{supervision}</td>"
    "</tr>"
)
IMPORTANT_TAG = mark_safe(' <span class="tag" title="仅知悉人可见">重要</span>')  # noqa: S308 - constant
NOT_ASSIGNED = mark_safe('<span class="muted">未交办</span>')  # noqa: S308 - constant
NOTHING = mark_safe('<span class="muted">—</span>')  # noqa: S308 - constant


def _badge(colour: str, label: str) -> SafeString:
    return format_html('<span class="badge {}">{}</span>', colour, label)


def _category_cell(names: list[str]) -> SafeString | str:
    """The ledger's category cell: one line a category, its name without the bracketed
    explanation (违规经商办企业（含配偶、子女…） → 违规经商办企业); the cell's title has them whole."""
    if not names:
        return "—"
    return format_html_join("", "<span>{}</span>", ((name.split("（", 1)[0],) for name in names))


def _lines(rows: list[Clue], today: dt.date, query: str = "") -> list[SafeString]:
    """The ledger's rows as HTML (ROW_HTML), with their deadline flags as of today and the terms
    of a 全文检索 query marked (<mark>) in the number, subjects and summary."""
    terms = search.query_terms(query) if query else []
    if query and search.number_condition(query) is not None:
        # a number is marked whole, not digit by digit as its segments would be
        terms = [query.strip()]

    def marked(text: str) -> SafeString | str:
        return search.highlight(text, terms) if terms else text

    # the detail URL of clue 0 without its "0/": reversing it for each row cost ~1 ms a page
    detail = reverse("clues:detail", args=[0])[: -len("0/")]
    lines = []
    for clue in rows:
        subject_names: str = fact(clue, "subject_names")  # ledger_page marked them
        category_list: list[str] = fact(clue, "category_list")
        flag = deadlines.flag_for(clue, today)
        flag_label, flag_colour = deadlines.FLAG_LABELS.get(flag, ("", ""))
        summary = clue.summary
        lines.append(
            format_html(
                ROW_HTML,
                url=f"{detail}{clue.pk}/",
                number=marked(clue.number),
                important=IMPORTANT_TAG if clue.sensitivity == Sensitivity.IMPORTANT else "",
                received=clue.received_on.isoformat(),
                channel=clue.channel.name,
                subjects=marked(subject_names) if subject_names else "—",
                summary=summary,
                summary_short=marked(
                    summary if len(summary) <= SUMMARY_CHARS else summary[: SUMMARY_CHARS - 1] + "…"
                ),
                categories="；".join(category_list),
                categories_short=_category_cell(category_list),
                unit=clue.handling_unit.name if clue.handling_unit else NOT_ASSIGNED,
                colour=STATUS_COLOURS.get(clue.status, "grey"),
                status=clue.get_status_display(),
                disposition=clue.get_disposition_display() or "—",
                deadline=clue.deadline.isoformat() if clue.deadline else NOTHING,
                flag=format_html(" {}", _badge(flag_colour, flag_label)) if flag_label else "",
                supervision=_badge(
                    SUPERVISION_COLOURS.get(clue.supervision_level, ""), clue.get_supervision_level_display()
                )
                if clue.supervision_level
                else NOTHING,
            )
        )
    return lines


def _query_without(request: HttpRequest, *keys: str) -> str:
    query = request.GET.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


@login_required
def clue_list(request: HtmxRequest) -> HttpResponse:
    user = current_user(request)
    permissions.require(user, "clues.view")
    form = LedgerFilterForm(request.GET or None, user=user)
    clues = permissions.scope(user, "clues.view", Clue.objects.all())
    params: dict[str, Any] = {"sort": request.GET.get("sort", "")}
    if form.is_bound:
        # an invalid filter (a unit out of reach, a date that is not one) shows nothing, not all
        if form.is_valid():
            params.update(form.params())
        else:
            clues = clues.none()
    page = ledger_page(clues, params, request.GET.get("page"), request.GET.get("per_page"))
    context = {
        "form": form,
        "page": page,
        "lines": _lines(page.rows, timezone.localdate(), params.get("q") or ""),
        "sort": sort_key(params),
        "query": _query_without(request, "page", "sort"),
        "page_query": _query_without(request, "page"),
        "can_register": permissions.has_permission(user, "clues.register"),
        "page_sizes": PAGE_SIZES,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "clues/_clue_table.html", context)
    return render(request, "clues/clue_list.html", context)


# --- registration ----------------------------------------------------------------------------


def _initial_from(form: forms.Form, data: QueryDict) -> dict[str, Any]:
    """What was posted, as initial values: re-renders the form without validating it."""
    initial: dict[str, Any] = {}
    for name, f in form.fields.items():
        if isinstance(f.widget, forms.SelectMultiple | forms.CheckboxSelectMultiple):
            initial[name] = data.getlist(name)
        elif name in data:
            initial[name] = data.get(name)
    return initial


def _row_op(rows: SubjectRows, op: str) -> bool:
    """Apply a subject-row button (add, remove:i, find:i, pick:i:pk, unpick:i); False if op is
    not one of them."""
    name, _, rest = op.partition(":")
    args = [int(a) for a in rest.split(":") if a.isdigit()]
    if name == "add":
        rows.add()
    elif name == "remove" and len(args) == 1:
        rows.remove(args[0])
    elif name == "find" and len(args) == 1:
        rows.find(args[0])
    elif name == "pick" and len(args) == 2:
        rows.pick(args[0], args[1])
    elif name == "unpick" and len(args) == 1:
        rows.unpick(args[0])
    else:
        return False
    return True


def _apply_action_errors(form: forms.Form, exc: ValidationError) -> list[str]:
    """Put an action's messages beside the fields they name; return those about subjects."""
    subject_errors: list[str] = []
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return subject_errors
    for key, errors in exc.message_dict.items():
        if key == "subjects":
            subject_errors.extend(errors)
        elif key in form.fields:
            form.add_error(key, errors)
        else:
            form.add_error(None, errors)
    return subject_errors


@login_required
@require_http_methods(["GET", "POST"])
def clue_register(request: HtmxRequest) -> HttpResponse:
    user = current_user(request)
    permissions.require(user, "clues.register")
    subject_errors: list[str] = []
    if request.method == "GET":
        form = RegisterForm(user=user, initial={"received_on": timezone.localdate()})
        rows = SubjectRows(user)
        return render(request, "clues/clue_register.html", {"form": form, "rows": rows})

    rows = SubjectRows(user, request.POST)
    op = request.POST.get("op", "save")
    if op != "save" and _row_op(rows, op):
        rows.load_people()
        if request.htmx:
            return render(request, "clues/_subject_rows.html", {"rows": rows})
        # without JavaScript the whole form comes back, as typed, without error messages
        form = RegisterForm(user=user)
        form.initial = _initial_from(form, request.POST)
        return render(request, "clues/clue_register.html", {"form": form, "rows": rows})

    form = RegisterForm(request.POST, user=user)
    subjects = rows.action_values()
    if not subjects:
        subject_errors.append("请至少填写一名被反映人")
    if form.is_valid() and subjects:
        try:
            clue = actions.register_clue(user, **form.action_values(subjects))
        except ValidationError as exc:
            subject_errors.extend(_apply_action_errors(form, exc))
        except (PermissionDenied, ConflictError) as exc:
            form.add_error(None, str(exc) or "您没有在该单位登记线索的权限")
        else:
            messages.success(request, f"已登记线索{clue.number}")
            return redirect(reverse("clues:detail", args=[clue.pk]))
    rows.load_people()
    context = {"form": form, "rows": rows, "subject_errors": subject_errors}
    return render(request, "clues/clue_register.html", context)


@login_required
def person_search(request: HttpRequest) -> HttpResponse:
    """Roster matches for one subject row (htmx), at most 20, among people the user may see."""
    row = request.GET.get("row", "0")
    index = int(row) if row.isdigit() else 0
    term = request.GET.get(f"s-{index}-q") or request.GET.get("q", "")
    people = search_people(current_user(request), term)
    context = {"people": people, "index": index, "term": term.strip()[:40], "searched": True}
    return render(request, "clues/_register_people.html", context)


# --- notifications ---------------------------------------------------------------------------


# badge colours of the reminder kinds (DESIGN.md: red 逾期, yellow 临期; events blue)
NOTE_COLOURS = {Notification.Kind.OVERDUE: "red", Notification.Kind.NEAR_DUE: "yellow"}


def _my_notifications(user: User) -> QuerySet[Notification]:
    # a reminder about a clue the user may no longer see (reassigned, recused, 重要) is hidden
    visible = permissions.scope(user, "clues.view", Clue.objects.all())
    return Notification.objects.filter(user=user, clue__in=visible.values("pk"))


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    show = request.GET.get("show", "")
    notes = _my_notifications(user).select_related("clue").order_by("read_at", "-created_at", "-id")
    unread = notes.filter(read_at__isnull=True).count()
    if show == "unread":
        notes = notes.filter(read_at__isnull=True)
    page = notes_page(notes, request.GET.get("page"))
    for note in page.rows:
        note.link = notifications.link_for(note)
        note.colour = NOTE_COLOURS.get(note.kind, "blue")
    context = {"page": page, "unread": unread, "show": show}
    return render(request, "clues/notifications.html", context)


def notes_page(notes: QuerySet[Notification], page: str | None) -> ListPage:
    """A page of reminders by the one pager (core.listing): a page past the end shows the last."""
    return page_of(notes, page)


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    """Mark one reminder (id) or all of them (all=1) as read."""
    user = current_user(request)
    notes = _my_notifications(user)
    if request.POST.get("all") != "1":
        raw = request.POST.get("id", "")
        notes = notes.filter(pk=int(raw)) if raw.isdigit() else notes.none()
    marked = notifications.mark_read(user, notes)
    if marked:
        messages.success(request, f"已将 {marked} 条提醒标为已读")
    return redirect("clues:notifications")


urlpatterns = [
    path("", clue_list, name="list"),
    path("new/", clue_register, name="register"),
    path("people/", person_search, name="person_search"),
    path("notifications/", notification_list, name="notifications"),
    path("notifications/read/", notification_read, name="notification_read"),
]
