"""问题清单 (the list, its xlsx export), 登记问题 and a problem's page with its 任务清单, 责任清单,
倒排工期, progress reports, 对账销号 and 重新整改.

Reads go through accounts.permissions (scope / get_for_user: a problem out of reach is a 404,
like one that does not exist); every write goes through rectification.actions, whose
ValidationError lands beside the field it names with the input kept, whose ConflictError (the
problem or task moved since the page was read) is shown as such, and nothing else changes.
A page shows only the forms its user may use now; a POST from anyone else is refused by the
action with its Chinese message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengdun.accounts import permissions
from zhengdun.accounts.permissions import units_under
from zhengdun.audit.chain import record
from zhengdun.clues.models import SUBSTANTIATED, Clue, ClueSubject
from zhengdun.core import files
from zhengdun.core.errors import ConflictError
from zhengdun.core.listing import PAGE_SIZES, ListPage, page_of
from zhengdun.core.xlsx import ledger_response
from zhengdun.org.forms import apply_errors
from zhengdun.org.models import Unit
from zhengdun.rectification import actions
from zhengdun.rectification.forms import (
    OPEN,
    QUIET_DAYS,
    CloseOffForm,
    MilestoneDoneForm,
    PlanForm,
    ProblemEditForm,
    ProblemFilterForm,
    ProblemForm,
    ReopenForm,
    ReportForm,
    TaskForm,
    find_people,
    pick_options,
    pickable_people,
)
from zhengdun.rectification.models import (
    CloseOff,
    Evidence,
    Milestone,
    PlanChange,
    Problem,
    ProblemSource,
    ProgressReport,
    Reopening,
    Task,
)
from zhengdun.rectification.status import (
    COLOURS,
    NEAR_COLOUR,
    OPEN_STATUSES,
    ProblemStatus,
    annotate_status,
    is_near,
    near_condition,
)

NO_RIGHT = "您没有执行此操作的权限"
RIGHT_MESSAGES = {
    "rectification.close_off": "只有教育整顿办可以对账销号",
    "rectification.report": "您没有报告该问题整改进展的权限",
    "rectification.register": "您没有修改该问题的权限",
    "rectification.reopen": "您没有重新启动该问题整改的权限",
}
PROBLEMS = Problem.objects.select_related(
    "category", "responsible_unit", "responsible_leader", "responsible_person", "created_by"
)

# --- the list ------------------------------------------------------------------------------------

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
) -> QuerySet[Problem]:
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
        qs = qs.filter(derived_status__in=[s.value for s in OPEN_STATUSES], created_at__lt=since)
        qs = qs.exclude(Exists(recent)).exclude(Exists(reopened))
    q = str(params.get("q") or "").replace("\x00", "").strip()[:100]
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


def _filtered(request: HttpRequest) -> tuple[ProblemFilterForm, QuerySet[Problem], dict[str, Any]]:
    user = request.user
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
def problem_list(request: HttpRequest) -> HttpResponse:
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
        "can_register": permissions.has_permission(request.user, "rectification.register"),
    }
    if request.htmx and not request.htmx.boosted:
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
    user = request.user
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
                p.category.code,
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


def _registrable_unit(user: Any, unit: Unit | None) -> int | None:
    if (
        unit is not None
        and unit.is_active
        and permissions.has_permission(user, "rectification.register", unit)
    ):
        return unit.pk
    return None


def origin_of(user: Any, query: Mapping[str, Any]) -> Origin:
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
    user = request.user
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
    user = request.user
    if not any(
        permissions.has_permission(user, p) for p in ("rectification.register", "rectification.reopen")
    ):
        raise PermissionDenied(NO_RIGHT)
    name = request.GET.get("field", "")
    if name not in PICK_FIELDS:
        raise Http404("未知的字段")
    term = str(request.GET.get(f"{name}_q", "")).replace("\x00", "").strip()[:40]
    picked_id = _int(request.GET.get(name))
    picked = pickable_people(user).filter(pk=picked_id).first() if picked_id else None
    found = find_people(user, term)
    return HttpResponse(pick_options(name, picked, found, searched=bool(term), term=term))


# --- a problem's page ----------------------------------------------------------------------------


def load_problem(user: Any, pk: int) -> Problem:
    """A problem the user may see, or 404."""
    return permissions.get_for_user(user, "rectification.view", PROBLEMS, pk=pk)


def _shift(days: int) -> str:
    if days > 0:
        return f"推迟{days}个工作日"
    if days < 0:
        return f"提前{-days}个工作日"
    return "工作日数不变"


def describe_move(move: Mapping[str, Any]) -> str:
    """One moved milestone, as "集中整治：开始 2026-12-01 → 2026-12-08（推迟5个工作日）"."""
    name = move.get("name", "")
    old_start, old_end = move.get("old_start"), move.get("old_end")
    new_start, new_end = move.get("new_start"), move.get("new_end")
    if not old_start:
        return f"{name}：新增节点，{new_start} 至 {new_end}"
    if not new_start:
        return f"{name}：取消节点（原 {old_start} 至 {old_end}）"
    parts = []
    if old_start != new_start:
        parts.append(f"开始 {old_start} → {new_start}（{_shift(int(move.get('start_shift') or 0))}）")
    if old_end != new_end:
        parts.append(f"完成 {old_end} → {new_end}（{_shift(int(move.get('end_shift') or 0))}）")
    return f"{name}：{'，'.join(parts) or '节点名称或工期调整，日期不变'}"


def _institution_url(pk: int) -> str:
    # the registry pages (建章立制) live in views/registry.py; link only once they exist
    try:
        return reverse("rectification:institution", args=[pk])
    except NoReverseMatch:
        return ""


@dataclass
class Rights:
    """What the user may do on this problem now (each form shows only when its flag is set)."""

    edit: bool
    report: bool
    close_off: bool
    may_close_off: bool
    reopen: bool


def rights_on(user: Any, problem: Problem) -> Rights:
    unit = problem.responsible_unit
    closed = problem.closed_on is not None

    def holds(perm: str) -> bool:
        return permissions.has_permission(user, f"rectification.{perm}", unit)

    close_right = holds("close_off")
    return Rights(
        edit=holds("register") and not closed,
        report=holds("report") and not closed,
        close_off=close_right,
        may_close_off=close_right and not actions.close_off_blockers(user, problem),
        reopen=holds("reopen") and closed,
    )


def _tasks(problem: Problem) -> list[Task]:
    reports = ProgressReport.objects.select_related("reported_by").prefetch_related("evidence")
    return list(
        problem.tasks.select_related("owner", "owner__unit").prefetch_related(
            Prefetch("reports", queryset=reports.order_by("-reported_at", "-id"))
        )
    )


def _source_links(user: Any, problem: Problem) -> dict[str, Any]:
    """The clue or self-report item the problem was made from, linked when the user may open it."""
    links: dict[str, Any] = {}
    if problem.source_clue_id:
        clue = permissions.scope(user, "clues.view", Clue.objects.filter(pk=problem.source_clue_id)).first()
        links["clue"] = clue
        links["clue_hidden"] = clue is None
    if problem.source_selfreport_item_id:
        from zhengdun.selfreports.models import SelfReport, SelfReportItem

        item = (
            SelfReportItem.objects.select_related("category", "report", "report__person")
            .filter(pk=problem.source_selfreport_item_id)
            .first()
        )
        visible = item is not None and (
            permissions.scope(user, "selfreports.view", SelfReport.objects.filter(pk=item.report_id)).exists()
        )
        links["item"] = item if visible else None
        links["item_hidden"] = not visible
    return links


def _history(
    problem: Problem, plan_changes: list[PlanChange], close_offs: list[CloseOff], reopenings: list[Reopening]
) -> list[dict[str, Any]]:
    """Plan changes, close-offs and reopenings in time order, the registration first."""
    events: list[dict[str, Any]] = [
        {"at": problem.created_at, "kind": "registered", "label": "登记问题", "who": problem.created_by}
    ]
    for c in plan_changes:
        events.append(
            {
                "at": c.changed_at,
                "kind": "plan",
                "label": "工期调整" if c.moves else "制定整改计划",
                "who": c.changed_by,
                "text": c.reason,
                "moves": [describe_move(m) for m in c.moves],
                "fits": c.fits,
                "shortfall": c.shortfall,
            }
        )
    for c in close_offs:
        events.append(
            {
                "at": c.decided_at,
                "kind": "closed",
                "label": f"第{c.round}轮对账销号",
                "who": c.decided_by,
                "text": c.check_note,
                "evidence": list(c.evidence.all()),
                "closed_on": c.closed_on,
            }
        )
    for r in reopenings:
        events.append(
            {
                "at": r.reopened_at,
                "kind": "reopened",
                "label": f"重新整改（{r.get_kind_display()}），进入第{r.round}轮",
                "who": r.reopened_by,
                "text": r.reason,
                "deadlines": (r.old_deadline, r.new_deadline),
            }
        )
    events.sort(key=lambda e: e["at"])
    return events


def _forms(user: Any, problem: Problem, rights: Rights, milestones: list[Milestone]) -> dict[str, Any]:
    version = {"version": problem.version}
    forms: dict[str, Any] = {}
    if rights.edit:
        forms["edit"] = ProblemEditForm(user=user, problem=problem)
        forms["task"] = TaskForm(user=user, initial={"deadline": problem.deadline, "weight": 1})
        if milestones:
            forms["plan"] = PlanForm(milestones=milestones, initial=version)
    if rights.may_close_off:
        forms["close"] = CloseOffForm(initial=version)
    if rights.reopen:
        forms["reopen"] = ReopenForm(
            user=user,
            initial={**version, "kind": Reopening.Kind.REVIEW, "task_owner": problem.responsible_person_id},
        )
    return forms


def detail_context(
    user: Any,
    problem: Problem,
    *,
    bound: dict[str, Any] | None = None,
    open_form: str = "",
    report_task: int | None = None,
) -> dict[str, Any]:
    """Everything a problem's page shows; `bound` replaces the blank forms by ones with errors."""
    today = timezone.localdate()
    decorate(problem, today)
    rights = rights_on(user, problem)
    milestones = list(problem.milestones.order_by("position"))
    tasks = _tasks(problem)
    current = [t for t in tasks if t.round == problem.round]
    earlier: dict[int, list[Task]] = {}
    for t in tasks:
        if t.round != problem.round:
            earlier.setdefault(t.round, []).append(t)
    reports = sorted(
        (r for t in tasks for r in t.reports.all()), key=lambda r: (r.reported_at, r.pk), reverse=True
    )
    task_titles = {t.pk: t for t in tasks}
    for r in reports:
        r.task_row = task_titles[r.task_id]
    plan_changes = list(problem.plan_changes.select_related("changed_by"))
    latest = next((c for c in plan_changes if c.moves), None)
    close_offs = list(problem.close_offs.select_related("decided_by").prefetch_related("evidence"))
    reopenings = list(problem.reopenings.select_related("reopened_by"))
    institutions = list(
        permissions.scope(user, "rectification.view", problem.institutions.all()).select_related(
            "issuing_unit"
        )
    )
    for inst in institutions:
        inst.url = _institution_url(inst.pk)
    forms = _forms(user, problem, rights, milestones)
    forms.update(bound or {})
    owners: dict[int, list[str]] = {}
    for t in current:
        owners.setdefault(t.owner_id, []).append(t.title)
    responsibility = [
        {"role": "责任领导", "person": problem.responsible_leader, "duty": "对问题整改负领导责任"},
        {"role": "责任人", "person": problem.responsible_person, "duty": "对问题整改负直接责任"},
        *({"role": "任务责任人", "person": t.owner, "duty": t.title, "task": t} for t in current),
    ]
    return {
        "problem": problem,
        "today": today,
        "rights": rights,
        "milestones": milestones,
        "latest_change": latest,
        "latest_moves": [describe_move(m) for m in latest.moves] if latest else [],
        "tasks": current,
        "earlier_rounds": sorted(earlier.items()),
        "reports": reports,
        "close_offs": close_offs,
        "reopenings": reopenings,
        "history": _history(problem, plan_changes, close_offs, reopenings),
        "institutions": institutions,
        "responsibility": responsibility,
        "blockers": actions.close_off_blockers(user, problem) if rights.close_off else [],
        "forms": forms,
        "open_form": open_form,
        "report_task": report_task,
        "report_form": (bound or {}).get("report"),
        "can_add_task": rights.edit and len(current) < actions.MAX_TASKS,
        **_source_links(user, problem),
    }


@login_required
@require_GET
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    problem = load_problem(request.user, pk)
    return render(request, "rectification/problem_detail.html", detail_context(request.user, problem))


# --- the forms of a problem's page ---------------------------------------------------------------

FORM_TEMPLATES = {
    "edit": "rectification/_problem_edit_form.html",
    "plan": "rectification/_problem_plan_form.html",
    "task": "rectification/_problem_task_form.html",
    "report": "rectification/_problem_report_form.html",
    "close": "rectification/_problem_close_form.html",
    "reopen": "rectification/_problem_reopen_form.html",
    "milestone": "rectification/_problem_milestone_form.html",
}


def _done(request: HttpRequest, problem: Problem, message: str, anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    url = reverse("rectification:problem", args=[problem.pk]) + (f"#{anchor}" if anchor else "")
    if request.htmx:
        # the whole page changes (status, progress, plan): load it again. A redirect to the page
        # already shown would only move to its #anchor, so the page reloads itself instead.
        response = HttpResponse(status=200)
        current = urlsplit(request.htmx.current_url or "").path
        if current == reverse("rectification:problem", args=[problem.pk]):
            response["HX-Refresh"] = "true"
        else:
            response["HX-Redirect"] = url
        return response
    return redirect(url)


def _refused(
    request: HttpRequest,
    problem: Problem,
    name: str,
    form: Any,
    status: int,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """A form that was not accepted: with htmx the form alone, otherwise the page with it open."""
    extra = extra or {}
    if request.htmx:
        context = {"problem": problem, "form": form, **extra}
        return render(request, FORM_TEMPLATES[name], context, status=status)
    context = detail_context(
        request.user, problem, bound={name: form}, open_form=name, report_task=extra.get("task_id")
    )
    if "milestone" in extra:
        context["open_milestone"] = extra["milestone"].pk
    return render(request, "rectification/problem_detail.html", context, status=status)


def _run(
    request: HttpRequest,
    problem: Problem,
    name: str,
    form: Any,
    act: Callable[[], Any],
    message: str | Callable[[Any], str],
    *,
    right: str,
    anchor: str = "",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Check the right, validate the form, call the action; show what was refused and why,
    input kept, nothing changed."""
    if right and not permissions.has_permission(request.user, right, problem.responsible_unit):
        form.is_valid()  # the input is shown back as typed
        form.add_error(None, RIGHT_MESSAGES.get(right, NO_RIGHT))
        return _refused(request, problem, name, form, 403, extra)
    if not form.is_valid():
        return _refused(request, problem, name, form, 422, extra)
    try:
        result = act()
    except ValidationError as exc:
        apply_errors(form, exc)
        status = 422
    except ConflictError as exc:
        form.add_error(None, str(exc))
        status = 409
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or NO_RIGHT)
        status = 403
    else:
        text = message(result) if callable(message) else message
        return _done(request, problem, text, anchor)
    return _refused(request, problem, name, form, status, extra)


@login_required
@require_POST
def problem_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """修改五定 (a changed deadline with its reason recomputes the plan)."""
    user = request.user
    problem = load_problem(user, pk)
    form = ProblemEditForm(request.POST, user=user, problem=problem)

    def act() -> Problem:
        d = form.cleaned_data
        return actions.update_problem(
            user, problem, form.action_data(), version=d["version"], reason=d.get("reason", "")
        )

    return _run(
        request,
        problem,
        "edit",
        form,
        act,
        "已保存问题的五定",
        right="rectification.register",
        anchor="wuding",
    )


@login_required
@require_POST
def plan_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Change milestone durations; the plan is scheduled back from the deadline again."""
    user = request.user
    problem = load_problem(user, pk)
    milestones = list(problem.milestones.order_by("position"))
    form = PlanForm(request.POST, milestones=milestones)

    def act() -> Any:
        d = form.cleaned_data
        return actions.set_milestone_workdays(
            user, problem, form.durations(), version=d["version"], reason=d["reason"]
        )

    def message(plan: Any) -> str:
        if plan.fits:
            return "已调整节点工期，工期计划已重新倒排"
        return f"已调整节点工期；工期仍不足{plan.shortfall}个工作日"

    return _run(request, problem, "plan", form, act, message, right="rectification.register", anchor="plan")


@login_required
@require_POST
def milestone_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a milestone of the plan done on a day."""
    user = request.user
    milestone = Milestone.objects.filter(pk=pk).first()
    if milestone is None:
        raise Http404("未找到该节点")
    problem = load_problem(user, milestone.problem_id)
    milestone.problem = problem
    form = MilestoneDoneForm(request.POST)

    def act() -> Milestone:
        return actions.complete_milestone(user, milestone, form.cleaned_data["done_on"])

    extra = {"milestone": milestone}
    return _run(
        request,
        problem,
        "milestone",
        form,
        act,
        f"已标记“{milestone.name}”完成",
        right="rectification.report",
        anchor="plan",
        extra=extra,
    )


@login_required
@require_POST
def task_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a task to the 任务清单 of the current round."""
    user = request.user
    problem = load_problem(user, pk)
    form = TaskForm(request.POST, user=user)

    def act() -> Task:
        d = form.cleaned_data
        return actions.add_task(
            user, problem, title=d["title"], owner=d["owner"].pk, deadline=d["deadline"], weight=d["weight"]
        )

    return _run(
        request,
        problem,
        "task",
        form,
        act,
        lambda t: f"已添加任务“{t.title}”",
        right="rectification.register",
        anchor="tasks",
    )


def _load_task(user: Any, pk: int) -> tuple[Task, Problem]:
    task = Task.objects.filter(pk=pk).first()
    if task is None:
        raise Http404("未找到该任务")
    problem = load_problem(user, task.problem_id)
    task.problem = problem
    return task, problem


@login_required
@require_http_methods(["GET", "POST"])
def task_report(request: HttpRequest, pk: int) -> HttpResponse:
    """报告进展 on a task, inline on the problem's page (htmx) or on the page itself."""
    user = request.user
    task, problem = _load_task(user, pk)
    extra = {"task": task, "task_id": task.pk}
    if request.method == "GET":
        form = ReportForm(initial={"percent": task.progress, "version": task.version})
        if request.htmx:
            return render(request, FORM_TEMPLATES["report"], {"problem": problem, "form": form, **extra})
        context = detail_context(
            user, problem, bound={"report": form}, open_form="report", report_task=task.pk
        )
        return render(request, "rectification/problem_detail.html", context)
    form = ReportForm(request.POST, request.FILES)

    def act() -> ProgressReport:
        d = form.cleaned_data
        return actions.report_progress(
            user,
            task,
            percent=d["percent"],
            narrative=d["narrative"],
            reason=d.get("reason", ""),
            files=d.get("files") or [],
            version=d["version"],
        )

    def message(report: ProgressReport) -> str:
        return f"已报告“{task.title}”的进展：{report.percent}%"

    return _run(
        request,
        problem,
        "report",
        form,
        act,
        message,
        right="rectification.report",
        anchor=f"task-{task.pk}",
        extra=extra,
    )


@login_required
@require_POST
def problem_close_off(request: HttpRequest, pk: int) -> HttpResponse:
    """对账销号 with the check against the standard and evidence."""
    user = request.user
    problem = load_problem(user, pk)
    form = CloseOffForm(request.POST, request.FILES)

    def act() -> CloseOff:
        d = form.cleaned_data
        return actions.close_off(
            user, problem, check_note=d["check_note"], files=d.get("files") or [], version=d["version"]
        )

    return _run(
        request,
        problem,
        "close",
        form,
        act,
        f"问题{problem.number}已对账销号",
        right="rectification.close_off",
        anchor="close",
    )


@login_required
@require_POST
def problem_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """重新整改 a closed problem (反弹回潮 / 回头看)."""
    user = request.user
    problem = load_problem(user, pk)
    form = ReopenForm(request.POST, user=user)

    def act() -> Reopening:
        d = form.cleaned_data
        return actions.reopen(
            user,
            problem,
            kind=d["kind"],
            reason=d["reason"],
            new_deadline=d["new_deadline"],
            task_title=d["task_title"],
            task_owner=d["task_owner"].pk,
            version=d["version"],
        )

    return _run(
        request,
        problem,
        "reopen",
        form,
        act,
        lambda r: f"问题已重新整改，进入第{r.round}轮",
        right="rectification.reopen",
        anchor="history",
    )


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """A 佐证材料 file, for those who may see its problem; every download is audited."""
    row = Evidence.objects.select_related("report__task", "close_off").filter(pk=pk).first()
    if row is None:
        raise Http404("未找到该佐证材料")
    problem_id = row.report.task.problem_id if row.report_id else row.close_off.problem_id
    problem = load_problem(request.user, problem_id)
    return files.serve(request.user, row, "rectification.evidence_downloaded", problem)


urlpatterns = [
    path("problems/", problem_list, name="problems"),
    path("problems/export/", problem_export, name="problems_export"),
    path("problems/new/", problem_register, name="register"),
    path("problems/people/", person_search, name="people"),
    path("problems/<int:pk>/", problem_detail, name="problem"),
    path("problems/<int:pk>/edit/", problem_edit, name="problem_edit"),
    path("problems/<int:pk>/plan/", plan_change, name="plan_change"),
    path("problems/<int:pk>/tasks/", task_add, name="task_add"),
    path("problems/<int:pk>/close-off/", problem_close_off, name="close_off"),
    path("problems/<int:pk>/reopen/", problem_reopen, name="reopen"),
    path("problems/milestones/<int:pk>/done/", milestone_done, name="milestone_done"),
    path("problems/tasks/<int:pk>/report/", task_report, name="task_report"),
    path("problems/evidence/<int:pk>/", evidence_download, name="evidence"),
]
