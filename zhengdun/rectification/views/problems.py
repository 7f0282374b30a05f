"""问题清单 (the list, its xlsx export), 登记问题 and the person picker. A problem's page is
views.problem_detail, the forms on it views.problem_actions; the list's filters live in
rectification.filters (re-exported here for callers that import them from this module).

Reads go through accounts.permissions (scope / get_for_user: a problem out of reach is a 404,
like one that does not exist); every write goes through rectification.actions, whose
ValidationError lands beside the field it names with the input kept."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.accounts.models import User
from zhengdun.audit.chain import record
from zhengdun.clues.models import SUBSTANTIATED, Clue, ClueSubject
from zhengdun.core.errors import ConflictError
from zhengdun.core.listing import PAGE_SIZES
from zhengdun.core.pages import HtmxRequest
from zhengdun.core.text import query_term
from zhengdun.core.xlsx import ledger_response
from zhengdun.org.forms import apply_errors
from zhengdun.org.models import Unit
from zhengdun.rectification import actions
from zhengdun.rectification.filters import (
    decorate,
    filter_problems,
    problem_page,
    sort_key,
)
from zhengdun.rectification.forms import (
    ProblemFilterForm,
    ProblemForm,
    find_people,
    pick_options,
    pickable_people,
)
from zhengdun.rectification.models import (
    CloseOff,
    Evidence,
    Problem,
    ProblemSource,
    Reopening,
)
from zhengdun.rectification.views.problem_detail import NO_RIGHT


def _filtered(request: HttpRequest) -> tuple[ProblemFilterForm, QuerySet[Problem], dict[str, Any]]:
    user = current_user(request)
    permissions.require(user, "rectification.view")
    bound = any(key in request.GET for key in ProblemFilterForm.base_fields)
    form = ProblemFilterForm(request.GET if bound else None, user=user)
    problems = actions.problems_visible(user)
    params: dict[str, Any] = {"sort": request.GET.get("sort", "")}
    if bound:
        # an invalid filter (a unit out of reach) shows nothing, never everything
        if form.is_valid():
            params.update(form.params())
        else:
            problems = problems.none()
    return form, filter_problems(problems, params), params


def _query_without(request: HttpRequest, *keys: str) -> str:
    query = request.GET.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


@login_required
@require_GET
def problem_list(request: HtmxRequest) -> HttpResponse:
    form, problems, params = _filtered(request)
    page = problem_page(problems, request.GET.get("page"), request.GET.get("per_page"))
    context = {
        "form": form,
        "page": page,
        "sort": sort_key(params),
        "query": _query_without(request, "page", "sort"),
        "page_query": _query_without(request, "page"),
        "export_query": _query_without(request, "page", "per_page"),
        "page_sizes": PAGE_SIZES,
        "can_register": permissions.has_permission(current_user(request), "rectification.register"),
    }
    htmx = request.htmx
    if htmx and not htmx.boosted:
        return render(request, "rectification/_problem_table.html", context)
    return render(request, "rectification/problem_list.html", context)


# the columns of domain.md §7's suggested ledger item, in Chinese
EXPORT_COLUMNS = [
    ("问题编号", 14),
    ("类别代码", 9),
    ("问题类别", 24),
    ("问题名称", 30),
    ("问题描述", 40),
    ("问题来源", 10),
    ("责任单位", 20),
    ("责任领导", 10),
    ("责任人", 10),
    ("整改措施", 40),
    ("整改标准", 30),
    ("整改时限", 12),
    ("整改进度（%）", 10),
    ("整改状态", 9),
    ("时限预警", 9),
    ("整改轮次", 8),
    ("佐证材料（份）", 10),
    ("验收人", 10),
    ("销号日期", 12),
    ("回头看", 30),
]


def _export_facts(problems: QuerySet[Problem]) -> tuple[dict[int, int], dict[int, Any], dict[int, str]]:
    """Per problem of the filtered set: evidence files, the last close-off, the reopenings (a
    fixed number of queries)."""
    ids = problems.values("pk")
    evidence: dict[int, int] = {}
    for key in ("report__task__problem", "close_off__problem"):
        rows = Evidence.objects.filter(**{f"{key}__in": ids}).values(key).annotate(n=Count("pk"))
        for row in rows:
            evidence[row[key]] = evidence.get(row[key], 0) + row["n"]
    closers: dict[int, Any] = {}
    for row in (
        CloseOff.objects.filter(problem__in=ids).select_related("decided_by").order_by("decided_at", "id")
    ):
        closers[row.problem_id] = row.decided_by
    reopened: dict[int, list[str]] = {}
    for row in Reopening.objects.filter(problem__in=ids).order_by("reopened_at", "id"):
        reopened.setdefault(row.problem_id, []).append(
            f"第{row.round}轮{row.get_kind_display()}（{timezone.localtime(row.reopened_at):%Y-%m-%d}）"
        )
    return evidence, closers, {k: "；".join(v) for k, v in reopened.items()}


@login_required
@require_GET
def problem_export(request: HttpRequest) -> FileResponse:
    """The list as filtered, every row, as an xlsx ledger (台账) in the standard columns."""
    user = current_user(request)
    form, problems, params = _filtered(request)
    today = timezone.localdate()
    evidence, closers, reopened = _export_facts(problems)

    def rows() -> Iterator[list[Any]]:
        chosen = problems.select_related(
            "category", "responsible_unit", "responsible_leader", "responsible_person"
        )
        for p in chosen.iterator(chunk_size=500):
            decorate(p, today)
            closer = closers.get(p.pk)
            yield [
                p.number,
                p.category.shown_code,  # a national number; OTHER and local items: the name alone
                p.category.name,
                p.title,
                p.description,
                p.get_source_display(),
                p.responsible_unit.name,
                p.responsible_leader.name,
                p.responsible_person.name,
                p.measures,
                p.standard,
                p.deadline,
                float(p.progress),
                p.status_label,
                p.flag_label,
                p.round,
                evidence.get(p.pk, 0),
                str(closer) if closer and p.closed_on else "",
                p.closed_on,
                reopened.get(p.pk, ""),
            ]

    response, count = ledger_response(f"问题清单-{today:%Y%m%d}.xlsx", "问题清单", EXPORT_COLUMNS, rows())
    with transaction.atomic():
        shown = {k: str(getattr(v, "pk", v)) for k, v in params.items() if v not in (None, "")}
        record(user, "rectification.problems_exported", None, {"filters": shown, "rows": count})
    return response


# --- registration --------------------------------------------------------------------------------


@dataclass
class Origin:
    """Where a problem being registered was found: a clue's substantiated subject or a
    self-report item (the link is kept both ways), with what it prefills."""

    clue: Clue | None = None
    subject: ClueSubject | None = None
    item: Any = None
    initial: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str | None:
        if self.clue is not None:
            return ProblemSource.CLUE.value
        if self.item is not None:
            return ProblemSource.SELF_CHECK.value
        return None

    @property
    def query(self) -> str:
        if self.clue is not None and self.subject is not None:
            return f"?clue={self.clue.pk}&subject={self.subject.pk}"
        if self.item is not None:
            return f"?item={self.item.pk}"
        return ""


def _int(raw: Any) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else None


def _registrable_unit(user: User, unit: Unit | None) -> int | None:
    if (
        unit is not None
        and unit.is_active
        and permissions.has_permission(user, "rectification.register", unit)
    ):
        return unit.pk
    return None


def origin_of(user: User, query: Mapping[str, Any]) -> Origin:
    """The origin named by ?clue=&subject= or ?item=, checked against what the user may see
    (404 otherwise), with the 五定 it suggests."""
    clue_id, subject_id, item_id = (
        _int(query.get("clue")),
        _int(query.get("subject")),
        _int(query.get("item")),
    )
    if query.get("clue") not in (None, ""):
        if clue_id is None or subject_id is None:
            raise Http404("未找到该线索")
        clue = permissions.get_for_user(user, "clues.view", Clue.objects.all(), pk=clue_id)
        subject = clue.subjects.select_related("person", "person__unit").filter(pk=subject_id).first()
        if subject is None or subject.result not in SUBSTANTIATED:
            raise Http404("该被反映人的核查结论不是属实或部分属实")
        categories = list(subject.finding_categories.filter(is_active=True)) or list(
            clue.categories.filter(is_active=True)
        )
        note = subject.result_note.strip()
        initial: dict[str, Any] = {
            "title": ("、".join(c.name for c in categories) + "问题")[:200] if categories else "",
            "category": categories[0].pk if categories else None,
            "description": f"线索{clue.number}：{clue.summary}\n核查情况（{subject.get_result_display()}）："
            f"{note or '—'}",
            "responsible_unit": _registrable_unit(user, subject.person.unit if subject.person else None),
        }
        return Origin(clue=clue, subject=subject, initial=initial)
    if query.get("item") not in (None, ""):
        from zhengdun.selfreports.models import SelfReport, SelfReportItem

        item = (
            SelfReportItem.objects.select_related("category", "report", "report__unit", "report__person")
            .filter(pk=item_id or 0)
            .first()
        )
        reports = SelfReport.objects.filter(pk=getattr(item, "report_id", 0), submitted_at__isnull=False)
        if item is None or not permissions.scope(user, "selfreports.view", reports).exists():
            raise Http404("未找到该自查事项")
        initial = {
            "title": f"{item.category.name}问题"[:200],
            "category": item.category_id if item.category.is_active else None,
            "description": f"{item.report.person.name}自查报告第{item.seq}项：{item.description}",
            "responsible_unit": _registrable_unit(user, item.report.unit),
        }
        return Origin(item=item, initial=initial)
    return Origin()


@login_required
@require_http_methods(["GET", "POST"])
def problem_register(request: HttpRequest) -> HttpResponse:
    """登记问题 with its 五定, from scratch or from a clue's findings / a self-report item."""
    user = current_user(request)
    permissions.require(user, "rectification.register")
    origin = origin_of(user, request.GET)
    if request.method == "GET":
        initial = {k: v for k, v in origin.initial.items() if v not in (None, "")}
        form = ProblemForm(user=user, initial=initial, fixed_source=origin.source)
    else:
        form = ProblemForm(request.POST, user=user, fixed_source=origin.source)
        if form.is_valid():
            try:
                problem = actions.register_problem(
                    user,
                    form.action_data(),
                    source_clue=origin.clue,
                    source_selfreport_item=origin.item,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except (PermissionDenied, ConflictError) as exc:
                form.add_error(None, str(exc) or NO_RIGHT)
            else:
                messages.success(request, f"已登记问题{problem.number}，并按工期模板倒排了整改节点")
                return redirect("rectification:problem", problem.pk)
    context = {"form": form, "origin": origin, "source_label": _source_label(origin)}
    return render(request, "rectification/problem_register.html", context)


def _source_label(origin: Origin) -> str:
    if origin.clue is not None and origin.subject is not None:
        return f"线索{origin.clue.number} · 被反映人{origin.subject.name}（{origin.subject.get_result_display()}）"
    if origin.item is not None:
        report = origin.item.report
        return f"{report.person.name}的自查报告（第{report.version}版）第{origin.item.seq}项"
    return ""


PICK_FIELDS = ("responsible_leader", "responsible_person", "owner", "task_owner")


@login_required
@require_GET
def person_search(request: HttpRequest) -> HttpResponse:
    """The radio list of a person picker (htmx): the picked person and the roster matches."""
    user = current_user(request)
    if not any(
        permissions.has_permission(user, p) for p in ("rectification.register", "rectification.reopen")
    ):
        raise PermissionDenied(NO_RIGHT)
    name = request.GET.get("field", "")
    if name not in PICK_FIELDS:
        raise Http404("未知的字段")
    term = query_term(request.GET.get(f"{name}_q"), 40)
    picked_id = _int(request.GET.get(name))
    picked = pickable_people(user).filter(pk=picked_id).first() if picked_id else None
    found = find_people(user, term)
    return HttpResponse(pick_options(name, picked, found, searched=bool(term), term=term))
