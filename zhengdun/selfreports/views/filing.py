"""Filing: 我的自查 (the officer's own report), 代为填报 (discipline staff for an officer of their
subtree), the draft form with its item rows, corrections and discarding a draft.

Writes go through selfreports.actions only. Bad input comes back in the form, beside its field
or item row, with everything typed kept; save and submit run in one transaction, so a refused
submission leaves the stored draft as it was.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.accounts.models import User
from zhengdun.core.errors import ConflictError
from zhengdun.core.pages import mark
from zhengdun.core.text import query_term
from zhengdun.org.models import Person
from zhengdun.selfreports import actions
from zhengdun.selfreports.forms import (
    CHOICE_CONTEXT,
    DraftForm,
    ItemRow,
    ItemRows,
    RelatedRow,
    category_choices,
)
from zhengdun.selfreports.models import Campaign, ReportStatus, SelfReport, WindowState
from zhengdun.selfreports.views.common import CHANGE_LABELS, item_views, load_report, window

# --- 我的自查 ----------------------------------------------------------------------------------


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    permissions.require(user, "selfreports.file_own")
    campaign = Campaign.active()
    person_id = actions.own_person_id(user)
    versions: list[SelfReport] = []
    current = draft = None
    others: list[SelfReport] = []
    if person_id:
        mine_all = SelfReport.objects.filter(person_id=person_id).select_related("campaign", "filed_by")
        if campaign is not None:
            versions = list(mine_all.filter(campaign=campaign).order_by("version"))
            current = mine_all.current().filter(campaign=campaign).first()
            draft = next((r for r in versions if r.status == ReportStatus.DRAFT), None)
        others = list(mine_all.current().exclude(campaign=campaign).order_by("-submitted_at"))
    context: dict[str, Any] = {
        "campaign": campaign,
        "window": window(campaign),
        "stage": campaign.current_stage() if campaign else None,
        "has_person": bool(person_id),
        "versions": versions,
        "current": current,
        "draft": draft,
        "others": others,
        "change_labels": CHANGE_LABELS,
        "can_start": bool(
            person_id
            and campaign is not None
            and not versions
            and campaign.window_state() != WindowState.NOT_OPEN
        ),
    }
    if current is not None:
        context["items"], context["removed"] = item_views(user, current, with_reviews=False)
    return render(request, "selfreports/mine.html", context)


@login_required
@require_POST
def start_own(request: HttpRequest) -> HttpResponse:
    campaign = Campaign.active()
    if campaign is None:
        messages.error(request, "当前没有进行中的教育整顿")
        return redirect("selfreports:mine")
    try:
        report = actions.start_draft(current_user(request), campaign=campaign)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("selfreports:mine")
    except ConflictError as exc:
        messages.info(request, str(exc))
        return redirect("selfreports:mine")
    messages.success(request, "已开始填写自查报告，请逐项填写后提交")
    return redirect("selfreports:edit", report.pk)


# --- 代为填报 ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def file_for(request: HttpRequest) -> HttpResponse:
    """Choose an officer of one's subtree and start their report (代为填报)."""
    user = current_user(request)
    permissions.require(user, "selfreports.file")
    campaign = Campaign.active()
    people = permissions.scope(user, "selfreports.file", Person.objects.select_related("unit")).filter(
        status=Person.Status.ACTIVE
    )
    own_id = actions.own_person_id(user)
    if own_id:
        people = people.exclude(pk=own_id)
    if request.method == "POST":
        raw = str(request.POST.get("person", ""))
        person = people.filter(pk=int(raw)).first() if raw.isdigit() else None
        if person is None:
            raise Http404("未找到该干警")
        if campaign is None:
            messages.error(request, "当前没有进行中的教育整顿")
            return redirect("selfreports:file_for")
        try:
            report = actions.start_draft(user, campaign=campaign, person=person)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect(f"{reverse('selfreports:file_for')}?q={person.police_no}")
        except ConflictError as exc:
            messages.info(request, str(exc))
            return redirect(f"{reverse('selfreports:file_for')}?q={person.police_no}")
        messages.success(request, f"已为{person.name}开始填写自查报告")
        return redirect("selfreports:edit", report.pk)
    q = query_term(request.GET.get("q"), 40)
    found: list[Person] = []
    if q:
        found = list(people.search(q).order_by("name", "pk")[:20])
        reports = (
            SelfReport.objects.filter(campaign=campaign, person__in=found).order_by("version")
            if campaign
            else SelfReport.objects.none()
        )
        latest: dict[int, SelfReport] = {}
        for r in reports:
            latest[r.person_id] = r
        for p in found:
            mark(p, report=latest.get(p.pk))
    context = {"campaign": campaign, "window": window(campaign), "q": q, "people": found}
    return render(request, "selfreports/file_for.html", context)


# --- the draft form ------------------------------------------------------------------------------


def _edit_context(report: SelfReport, form: DraftForm, rows: ItemRows, alert: str = "") -> dict[str, Any]:
    return {
        "report": report,
        "campaign": report.campaign,
        "window": window(report.campaign),
        "form": form,
        "rows": rows,
        "categories": category_choices(),
        "alert": alert,
        **CHOICE_CONTEXT,
    }


def _back_url(user: User, report: SelfReport) -> str:
    if actions.is_own(user, report):
        return reverse("selfreports:mine")
    return reverse("selfreports:detail", args=[report.pk])


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    report = load_report(user, pk)
    if report.status != ReportStatus.DRAFT:
        messages.info(request, "该自查报告已提交，不能再修改；如需修改请使用“更正”")
        return redirect("selfreports:detail", report.pk)
    if not actions.may_edit_draft(user, report):
        raise PermissionDenied("您没有填写该自查报告的权限")
    if request.method == "GET":
        form = DraftForm(
            initial={
                "declares_nothing": report.declares_nothing,
                "correction_reason": report.correction_reason,
                "revision": report.revision,
            }
        )
        return render(request, "selfreports/report_edit.html", _edit_context(report, form, ItemRows(report)))

    rows = ItemRows(report, request.POST, request.FILES)
    form = DraftForm(request.POST)
    op = request.POST.get("op", "save")
    if op not in ("save", "submit") and rows.apply(op):
        form.is_valid()
        return render(request, "selfreports/report_edit.html", _edit_context(report, form, rows))
    rows.drop_blank()
    if not form.is_valid():
        return render(request, "selfreports/report_edit.html", _edit_context(report, form, rows))
    data = form.cleaned_data
    if op == "submit" and not data["confirm"]:
        form.add_error("confirm", "提交前请勾选确认：提交后不能再修改")
        return render(request, "selfreports/report_edit.html", _edit_context(report, form, rows))
    try:
        with transaction.atomic():
            actions.save_draft(
                user,
                report,
                items=rows.action_values(),
                declares_nothing=data["declares_nothing"],
                correction_reason=data["correction_reason"],
                revision=data["revision"],
            )
            if op == "submit":
                actions.submit(user, report)
    except ValidationError as exc:
        for key, texts in rows.apply_errors(exc).items():
            form.add_error(key if key in form.fields else None, texts)
        for row in rows.rows:
            row.uploads = []
        return render(request, "selfreports/report_edit.html", _edit_context(report, form, rows))
    except ConflictError as exc:
        context = _edit_context(report, form, rows, alert=f"{exc}")
        return render(request, "selfreports/report_edit.html", context, status=409)
    report.refresh_from_db()
    if op == "submit":
        late = "（已逾期，标记为逾期提交）" if report.late else ""
        at = timezone.localtime(report.submitted_at)
        messages.success(request, f"自查报告已提交{late}，提交时间 {at:%Y-%m-%d %H:%M:%S}")
        return redirect(_back_url(user, report))
    messages.success(request, "草稿已保存")
    return redirect("selfreports:edit", report.pk)


@login_required
@require_GET
def row_fragment(request: HttpRequest) -> HttpResponse:
    """One empty item row (?n=) or related-person row (?n=&rp=) for htmx to append, with the
    add button replaced (out of band) so the next row gets the next number."""
    user = current_user(request)
    if not any(permissions.has_permission(user, p) for p in ("selfreports.file_own", "selfreports.file")):
        raise PermissionDenied("您没有填报自查报告的权限")
    try:
        n = min(max(int(request.GET.get("n", "0")), 0), 999)
        rp = request.GET.get("rp")
        m = min(max(int(rp), 0), 999) if rp is not None else None
    except ValueError as exc:
        raise Http404("行号无效") from exc
    context = {"categories": category_choices(), "oob": True, **CHOICE_CONTEXT}
    if m is None:
        context.update({"row": ItemRow(n), "next_index": n + 1})
        return render(request, "selfreports/_item_row_new.html", context)
    context.update({"row": ItemRow(n, related=[RelatedRow(m)]), "rp": RelatedRow(m), "next_related": m + 1})
    return render(request, "selfreports/_related_row_new.html", context)


# --- corrections and discarding ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    """更正: GET asks first (a submitted version is never changed — a new version's draft is
    started and the current one kept); the POST of that page starts the correction."""
    user = current_user(request)
    report = load_report(user, pk)
    if request.method == "GET":
        if not actions.may_correct(user, report):
            raise PermissionDenied("您没有更正该自查报告的权限")
        draft = SelfReport.objects.filter(
            campaign_id=report.campaign_id, person_id=report.person_id, status=ReportStatus.DRAFT
        ).first()
        context = {
            "report": report,
            "next_version": report.version + 1,
            "correctable": report.is_submitted and actions.is_current(report),
            "draft": draft,
            "back": _back_url(user, report),
        }
        return render(request, "selfreports/correct_confirm.html", context)
    try:
        draft = actions.start_correction(user, report)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("selfreports:detail", report.pk)
    except ConflictError as exc:
        messages.info(request, str(exc))
        return redirect("selfreports:detail", report.pk)
    messages.success(request, f"已开始更正，当前为第{draft.version}版草稿；提交时须填写更正理由")
    return redirect("selfreports:edit", draft.pk)


@login_required
@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    report = load_report(user, pk)
    own = actions.is_own(user, report)
    previous = report.previous_id
    try:
        actions.discard_draft(user, report)
    except ConflictError as exc:
        messages.error(request, str(exc))
        return redirect("selfreports:detail", report.pk)
    messages.success(request, "已放弃该草稿")
    if own:
        return redirect("selfreports:mine")
    if previous:
        return redirect("selfreports:detail", previous)
    return redirect("selfreports:file_for")
