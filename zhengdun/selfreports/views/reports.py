"""自查事项 for discipline staff and the office: the list (current versions, or drafts), a
report's page with every version and what each changed, the review of an item (核实情况) and
its conversion into a problem clue, and attachment downloads (audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.accounts.models import User
from zhengdun.clues.models.reference import category_label
from zhengdun.core import files
from zhengdun.core.errors import ConflictError
from zhengdun.core.listing import PAGE_SIZES, ListPage, page_of
from zhengdun.core.pages import HtmxRequest, mark
from zhengdun.org.forms import apply_errors
from zhengdun.org.models import Unit
from zhengdun.selfreports import actions
from zhengdun.selfreports.filters import filter_reports
from zhengdun.selfreports.forms import ListFilterForm, ReviewForm
from zhengdun.selfreports.models import (
    Campaign,
    Outcome,
    ReportStatus,
    SelfReport,
    SelfReportAttachment,
    SelfReportItem,
)
from zhengdun.selfreports.views.common import (
    CHANGE_LABELS,
    ITEM_PANELS,
    chain_of,
    item_views,
    load_report,
    shows_reviews,
    visible_reports,
    window,
)

OUTCOME_LABELS = dict(Outcome.choices)

# --- the list --------------------------------------------------------------------------------


def report_page(reports: QuerySet[SelfReport], page: str | None, per_page: str | None) -> ListPage:
    result = page_of(reports.select_related("campaign", "person", "unit", "filed_by"), page, per_page)
    _decorate(result.rows)
    return result


def _decorate(rows: list[SelfReport]) -> None:
    """Item counts, categories, review progress and outcomes of a page's reports (one query)."""
    facts = (
        SelfReportItem.objects.filter(report__in=rows)
        .order_by("report_id", "seq")
        .values_list(
            "report_id",
            "category__code",
            "category__name",
            "category__is_national",
            "review__outcome",
            "review__converted_clue_id",
        )
    )
    by_report: dict[int, list[tuple[str, str | None, int | None]]] = {}
    for report_id, code, name, national, outcome, clue_id in facts:
        # GJ2, or a local category's name: never its code (OTHER)
        label = category_label(code, name, national, short=True)
        by_report.setdefault(report_id, []).append((label, outcome, clue_id))
    for r in rows:
        items = by_report.get(r.pk, [])
        mark(
            r,
            item_count=len(items),
            codes="、".join(dict.fromkeys(code for code, _, _ in items)),
            reviewed_count=sum(1 for _, outcome, _ in items if outcome),
            outcomes="、".join(dict.fromkeys(OUTCOME_LABELS[o] for _, o, _ in items if o)),
            converted_count=sum(1 for _, _, clue in items if clue),
        )


@login_required
@require_GET
def report_list(request: HtmxRequest) -> HttpResponse:
    user = current_user(request)
    permissions.require(user, "selfreports.view")
    active = Campaign.active()
    # only a filter makes the form bound: a bare ?page=2 keeps the default (the active campaign)
    bound = any(key in request.GET for key in ListFilterForm.base_fields)
    form = ListFilterForm(
        request.GET if bound else None, user=user, initial={"campaign": active.pk if active else None}
    )
    reports = visible_reports(user)
    params: dict[str, Any] = {"campaign": active.pk if active else None}
    if form.is_bound:
        if form.is_valid():
            params = {
                k: (v.pk if hasattr(v, "pk") and not isinstance(v, Unit) else v)
                for k, v in form.cleaned_data.items()
                if v not in (None, "")
            }
        else:
            reports = reports.none()
    page = report_page(filter_reports(reports, params), request.GET.get("page"), request.GET.get("per_page"))
    query = request.GET.copy()
    query.pop("page", None)
    if not bound and active is not None:
        query["campaign"] = str(active.pk)
    context = {
        "form": form,
        "page": page,
        "page_query": query.urlencode(),
        "page_sizes": PAGE_SIZES,
        "drafts": params.get("status") == "draft",
        "show_campaign": not params.get("campaign"),
        "can_file": permissions.has_permission(user, "selfreports.file"),
    }
    htmx = request.htmx
    if htmx and not htmx.boosted:
        return render(request, "selfreports/_report_table.html", context)
    return render(request, "selfreports/report_list.html", context)


# --- a report --------------------------------------------------------------------------------


def _detail_context(user: User, report: SelfReport) -> dict[str, Any]:
    chain = chain_of(user, report)
    current = next((r for r in reversed(chain) if r.status == ReportStatus.SUBMITTED), None)
    draft = next((r for r in chain if r.status == ReportStatus.DRAFT), None)
    with_reviews = shows_reviews(user, report)
    items, removed = item_views(user, report, with_reviews=with_reviews)
    for add_panel in ITEM_PANELS:
        add_panel(user, report, items)
    is_current = current is not None and current.pk == report.pk
    return {
        "report": report,
        "chain": chain,
        "current": current,
        "draft": draft,
        "is_current": is_current,
        "items": items,
        "removed": removed,
        "added_count": sum(1 for v in items if v.change == "added"),
        "changed_count": sum(1 for v in items if v.change == "changed"),
        "change_labels": CHANGE_LABELS,
        "with_reviews": with_reviews,
        "can_review": is_current and actions.may_review(user, report),
        "can_convert": is_current and actions.may_convert(user, report),
        "can_correct": is_current and draft is None and actions.may_correct(user, report),
        "can_edit_draft": draft is not None and actions.may_edit_draft(user, draft),
        "own": actions.is_own(user, report),
        "window": window(report.campaign) if report.campaign.is_active else None,
    }


@login_required
@require_GET
def report_detail(request: HtmxRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    report = load_report(user, pk)
    return render(request, "selfreports/report_detail.html", _detail_context(user, report))


def _load_item(user: User, pk: int) -> tuple[SelfReportItem, SelfReport]:
    item = SelfReportItem.objects.select_related("category").filter(pk=pk).first()
    if item is None:
        raise Http404("未找到该事项")
    report = load_report(user, item.report_id)
    return item, report


def _done(request: HtmxRequest, report: SelfReport, item: SelfReportItem, message: str) -> HttpResponse:
    """After a review or conversion: with htmx, the item's card alone, redrawn with the message
    in it; otherwise back to the report page at the item."""
    if request.htmx:
        context = _detail_context(current_user(request), report)
        context["v"] = next(v for v in context["items"] if v.item.pk == item.pk)
        context["saved"] = message
        response = render(request, "selfreports/_item_card.html", context)
        response["HX-Retarget"] = f"#item-{item.pk}"
        response["HX-Reswap"] = "outerHTML"
        return response
    messages.success(request, message)
    return redirect(f"{reverse('selfreports:detail', args=[report.pk])}#item-{item.pk}")


def _item_page(
    request: HtmxRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    if request.htmx:
        return render(request, template, context, status=status)
    page = _detail_context(current_user(request), context["report"])
    page["open_item"] = context["item"].pk
    page["open_template"] = template
    page.update(context)
    return render(request, "selfreports/report_detail.html", page, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HtmxRequest, pk: int) -> HttpResponse:
    """核实 an item: check note and outcome (version-guarded), inline on the report page."""
    user = current_user(request)
    item, report = _load_item(user, pk)
    if actions.is_own(user, report):
        raise PermissionDenied("不能核实本人的自查事项（回避）")
    if not actions.may_review(user, report):
        raise PermissionDenied("您没有核实该自查事项的权限")
    existing = getattr(item, "review", None)
    if request.method == "GET":
        initial = {"version": existing.version if existing else 0}
        if existing:
            initial.update({"check_note": existing.check_note, "outcome": existing.outcome})
        form = ReviewForm(initial=initial)
    else:
        form = ReviewForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():
                    actions.review_item(
                        user, item, check_note=d["check_note"], outcome=d["outcome"], version=d["version"]
                    )
            except ValidationError as exc:
                apply_errors(form, exc)
            except ConflictError as exc:
                form.add_error(None, str(exc))
                context = {"report": report, "item": item, "form": form, "existing": existing}
                return _item_page(request, "selfreports/_review_form.html", context, status=409)
            else:
                return _done(request, report, item, f"已保存第{item.seq}项的核实情况")
    context = {
        "report": report,
        "item": item,
        "form": form,
        "existing": existing,
        "can_convert": actions.may_convert(user, report) and not (existing and existing.converted_clue_id),
    }
    return _item_page(request, "selfreports/_review_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def convert(request: HtmxRequest, pk: int) -> HttpResponse:
    """转为问题线索: a confirmation (GET), then the conversion (POST)."""
    user = current_user(request)
    item, report = _load_item(user, pk)
    if actions.is_own(user, report):
        raise PermissionDenied("不能将本人的自查事项转为问题线索（回避）")
    if not actions.may_convert(user, report):
        raise PermissionDenied("您没有登记问题线索的权限")
    error = ""
    if request.method == "POST":
        try:
            clue = actions.convert_item_to_clue(user, item)
        except ValidationError as exc:
            error = "；".join(exc.messages)
        except ConflictError as exc:
            error = str(exc)
        else:
            return _done(request, report, item, f"已将第{item.seq}项转为问题线索{clue.number}")
    try:
        owner = actions.owner_unit_for(user)
    except PermissionDenied:
        owner = None
    context = {"report": report, "item": item, "owner": owner, "error": error, "today": timezone.localdate()}
    return _item_page(request, "selfreports/_convert_form.html", context, status=409 if error else 200)


@login_required
@require_GET
def attachment(request: HtmxRequest, pk: int) -> FileResponse:
    """Download an item's attachment, for those who may see the report; every download is
    audited."""
    row = SelfReportAttachment.objects.select_related("item").filter(pk=pk).first()
    if row is None:
        raise Http404("未找到该附件")
    user = current_user(request)
    report = load_report(user, row.item.report_id)
    return files.serve(user, row, "selfreport.attachment_downloaded", report)
