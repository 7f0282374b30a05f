"""The forms of a problem's page, each a POST through rectification.actions: a ValidationError
lands beside the field it names with the input kept, a ConflictError (the problem or task moved
since the page was read) is shown as such, and nothing else changes; evidence downloads are
audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.accounts.models import User
from zhengdun.core import files
from zhengdun.core.errors import ConflictError
from zhengdun.core.pages import HtmxRequest
from zhengdun.org.forms import apply_errors
from zhengdun.rectification import actions
from zhengdun.rectification.forms import (
    CloseOffForm,
    MilestoneDoneForm,
    PlanForm,
    ProblemEditForm,
    ReopenForm,
    ReportForm,
    TaskForm,
)
from zhengdun.rectification.models import (
    CloseOff,
    Evidence,
    Milestone,
    Problem,
    ProgressReport,
    Reopening,
    Task,
)
from zhengdun.rectification.views.problem_detail import (
    NO_RIGHT,
    RIGHT_MESSAGES,
    detail_context,
    load_problem,
)

FORM_TEMPLATES = {
    "edit": "rectification/_problem_edit_form.html",
    "plan": "rectification/_problem_plan_form.html",
    "task": "rectification/_problem_task_form.html",
    "report": "rectification/_problem_report_form.html",
    "close": "rectification/_problem_close_form.html",
    "reopen": "rectification/_problem_reopen_form.html",
    "milestone": "rectification/_problem_milestone_form.html",
}


def _done(request: HtmxRequest, problem: Problem, message: str, anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    url = reverse("rectification:problem", args=[problem.pk]) + (f"#{anchor}" if anchor else "")
    htmx = request.htmx
    if htmx:
        # the whole page changes (status, progress, plan): load it again. A redirect to the page
        # already shown would only move to its #anchor, so the page reloads itself instead.
        response = HttpResponse(status=200)
        current = urlsplit(htmx.current_url or "").path
        if current == reverse("rectification:problem", args=[problem.pk]):
            response["HX-Refresh"] = "true"
        else:
            response["HX-Redirect"] = url
        return response
    return redirect(url)


def _refused(
    request: HtmxRequest,
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
        current_user(request), problem, bound={name: form}, open_form=name, report_task=extra.get("task_id")
    )
    if "milestone" in extra:
        context["open_milestone"] = extra["milestone"].pk
    return render(request, "rectification/problem_detail.html", context, status=status)


def _run(
    request: HtmxRequest,
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
    if right and not permissions.has_permission(current_user(request), right, problem.responsible_unit):
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
def problem_edit(request: HtmxRequest, pk: int) -> HttpResponse:
    """修改五定 (a changed deadline with its reason recomputes the plan)."""
    user = current_user(request)
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
def plan_change(request: HtmxRequest, pk: int) -> HttpResponse:
    """Change milestone durations; the plan is scheduled back from the deadline again."""
    user = current_user(request)
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
def milestone_done(request: HtmxRequest, pk: int) -> HttpResponse:
    """Mark a milestone of the plan done on a day."""
    user = current_user(request)
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
def task_add(request: HtmxRequest, pk: int) -> HttpResponse:
    """Add a task to the 任务清单 of the current round."""
    user = current_user(request)
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


def _load_task(user: User, pk: int) -> tuple[Task, Problem]:
    task = Task.objects.filter(pk=pk).first()
    if task is None:
        raise Http404("未找到该任务")
    problem = load_problem(user, task.problem_id)
    task.problem = problem
    return task, problem


@login_required
@require_http_methods(["GET", "POST"])
def task_report(request: HtmxRequest, pk: int) -> HttpResponse:
    """报告进展 on a task, inline on the problem's page (htmx) or on the page itself."""
    user = current_user(request)
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
def problem_close_off(request: HtmxRequest, pk: int) -> HttpResponse:
    """对账销号 with the check against the standard and evidence."""
    user = current_user(request)
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
def problem_reopen(request: HtmxRequest, pk: int) -> HttpResponse:
    """重新整改 a closed problem (反弹回潮 / 回头看)."""
    user = current_user(request)
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
def evidence_download(request: HtmxRequest, pk: int) -> FileResponse:
    """A 佐证材料 file, for those who may see its problem; every download is audited."""
    row = Evidence.objects.select_related("report__task", "close_off").filter(pk=pk).first()
    if row is None:
        raise Http404("未找到该佐证材料")
    if row.report is not None:
        problem_id = row.report.task.problem_id
    elif row.close_off is not None:
        problem_id = row.close_off.problem_id
    else:  # the rect_evidence_one_owner constraint leaves no file without its owner
        raise Http404("未找到该佐证材料")
    problem = load_problem(current_user(request), problem_id)
    return files.serve(current_user(request), row, "rectification.evidence_downloaded", problem)
