"""A problem's page: its 五定, 任务清单, 责任清单, 倒排工期 plan and its changes, progress reports,
对账销号 and 重新整改 history, and the forms its user may use now (a POST from anyone else is
refused by the action with its Chinese message)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.accounts.models import User
from zhengdun.clues.models import Clue
from zhengdun.rectification import actions
from zhengdun.rectification.filters import decorate
from zhengdun.rectification.forms import (
    CloseOffForm,
    PlanForm,
    ProblemEditForm,
    ReopenForm,
    TaskForm,
)
from zhengdun.rectification.models import (
    CloseOff,
    Milestone,
    PlanChange,
    Problem,
    ProgressReport,
    Reopening,
    Task,
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


def load_problem(user: User, pk: int) -> Problem:
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
    return reverse("rectification:institution", args=[pk])


@dataclass
class Rights:
    """What the user may do on this problem now (each form shows only when its flag is set)."""

    edit: bool
    report: bool
    close_off: bool
    may_close_off: bool
    reopen: bool


def rights_on(user: User, problem: Problem) -> Rights:
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


def _source_links(user: User, problem: Problem) -> dict[str, Any]:
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
    for co in close_offs:
        events.append(
            {
                "at": co.decided_at,
                "kind": "closed",
                "label": f"第{co.round}轮对账销号",
                "who": co.decided_by,
                "text": co.check_note,
                "evidence": list(co.evidence.all()),
                "closed_on": co.closed_on,
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


def _forms(user: User, problem: Problem, rights: Rights, milestones: list[Milestone]) -> dict[str, Any]:
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
    user: User,
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
    problem = load_problem(current_user(request), pk)
    return render(
        request, "rectification/problem_detail.html", detail_context(current_user(request), problem)
    )
