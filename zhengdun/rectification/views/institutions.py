"""建章立制: the registry of institutions and rules the rectification produced (list
with search and filters, a record's page, registration, editing its linked problems, audited
document downloads).

Reads go through accounts.permissions (an institution is scoped by its issuing unit; one out of
reach answers 404 like one that does not exist); writes through rectification.actions, whose
ValidationError lands beside the field it names with everything typed kept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.accounts.models import User
from zhengdun.audit.chain import record
from zhengdun.clues.forms import FastSelect, FastSelectMultiple, TolerantDateField
from zhengdun.clues.models import Category
from zhengdun.core import files
from zhengdun.core.listing import PAGE_SIZES, ListPage, page_of
from zhengdun.core.pages import HtmxRequest
from zhengdun.core.xlsx import ledger_response
from zhengdun.org.forms import UnitChoiceField, apply_errors
from zhengdun.org.models import Unit
from zhengdun.rectification import actions
from zhengdun.rectification.filters import filter_institutions, visible_institutions
from zhengdun.rectification.forms import field_of, show_required
from zhengdun.rectification.models import (
    Institution,
    InstitutionDocument,
    Problem,
)
from zhengdun.rectification.status import COLOURS, ProblemStatus, annotate_status, is_near

# --- forms --------------------------------------------------------------------------------------


class ProblemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Problem) -> str:
        return f"{obj.number} {obj.title}（{obj.responsible_unit.name}）"


def _problem_field() -> ProblemChoiceField:
    return ProblemChoiceField(
        Problem.objects.none(),
        label="针对问题",
        required=False,
        widget=FastSelectMultiple(attrs={"size": 8}),
        help_text="按住 Ctrl 键可多选；只列出您可查看的问题",
        error_messages={
            "invalid_choice": "所选问题中有您无权查看的问题",
            "invalid_pk_value": "所选问题不存在，请刷新页面后重新选择",
        },
    )


def _choosable_problems(user: User) -> QuerySet[Problem]:
    # a city has hundreds of problems, not hundreds of thousands: one select lists them all
    return actions.problems_visible(user).select_related("responsible_unit").order_by("-id")


class InstitutionFilterForm(forms.Form):
    """The registry's filter bar."""

    q = forms.CharField(label="检索", max_length=100, required=False)
    unit = UnitChoiceField(
        Unit.objects.none(),
        label="制定单位",
        required=False,
        empty_label="全部单位",
        widget=FastSelect,
        error_messages={"invalid_choice": "所选单位不在您的查看范围内"},
    )
    issued_from = TolerantDateField(label="印发日期自", required=False)
    issued_to = TolerantDateField(label="至", required=False)
    category = forms.ModelChoiceField(
        Category.objects.none(),
        label="针对问题类别",
        required=False,
        empty_label="全部类别",
        widget=FastSelect,
        error_messages={"invalid_choice": "所选问题类别不存在"},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = field_of(self, "unit", UnitChoiceField)
        units = Unit.objects.filter(is_active=True).only("id", "name", "path", "depth", "parent_id")
        unit_field.set_queryset(permissions.scope(user, "rectification.view", units))
        field_of(self, "category", forms.ModelChoiceField).queryset = Category.objects.all()
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": "制度名称、文号、适用范围"})

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("issued_from") and data.get("issued_to") and data["issued_from"] > data["issued_to"]:
            self.add_error("issued_to", "印发日期的结束日期不能早于开始日期")
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class InstitutionForm(forms.Form):
    """登记制度: what was typed is kept; register_institution checks it (every error at once)."""

    # required by register_institution: marked on the form, checked (with the message) there
    REQUIRED = ("title", "issuing_unit", "issued_on", "scope", "files")

    title = forms.CharField(
        label="制度名称", required=False, widget=forms.TextInput(attrs={"maxlength": 200})
    )
    doc_number = forms.CharField(
        label="文号",
        required=False,
        help_text="如 临政法〔2021〕27号；没有文号可不填",
        widget=forms.TextInput(attrs={"maxlength": 60}),
    )
    issuing_unit = UnitChoiceField(
        Unit.objects.none(),
        label="制定单位",
        required=False,
        empty_label="请选择制定单位",
        widget=FastSelect,
        error_messages={"invalid_choice": "制定单位须是您有权管理的单位"},
    )
    issued_on = forms.CharField(
        label="印发日期",
        required=False,
        help_text="如 2021-06-02，也可写 2021年6月2日",
        widget=forms.TextInput(attrs={"placeholder": "2021-06-02", "inputmode": "numeric", "size": 14}),
    )
    scope = forms.CharField(label="适用范围", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    # a field named like BaseForm.files (the uploads): the form's metaclass moves it into
    # base_fields, so self.files stays the uploads; the stubs cannot see that
    files = forms.Field(  # type: ignore[assignment]
        label="制度文件",
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.doc,.docx,.jpg,.jpeg,.png"}),
        help_text="PDF、Word 或图片，按文件内容核验类型；可选多个文件",
    )
    problems = _problem_field()

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = field_of(self, "issuing_unit", UnitChoiceField)
        units = Unit.objects.filter(is_active=True).only("id", "name", "path", "depth", "parent_id")
        unit_field.set_queryset(permissions.scope(user, "rectification.institutions", units))
        field_of(self, "problems", ProblemChoiceField).queryset = _choosable_problems(user)
        for name in self.REQUIRED:
            show_required(self.fields[name])

    def action_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        unit = d.get("issuing_unit")
        return {
            "title": d.get("title", ""),
            "doc_number": d.get("doc_number", ""),
            "issuing_unit": unit.pk if unit else None,
            "issued_on": d.get("issued_on", ""),
            "scope": d.get("scope", ""),
        }


class LinkForm(forms.Form):
    """针对问题: which of the problems the user may see the institution addresses."""

    problems = _problem_field()

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "problems", ProblemChoiceField).queryset = _choosable_problems(user)


@dataclass
class LinkedProblem:
    pk: int
    number: str
    title: str
    unit: str
    category: str
    status: str
    status_label: str
    status_colour: str
    near: bool


def _linked(
    institution_ids: list[int], visible_problems: QuerySet[Problem]
) -> dict[int, list[LinkedProblem]]:
    """The problems each institution addresses, among those the user may see (one query)."""
    today = timezone.localdate()
    through = Institution.problems.through.objects.filter(
        institution_id__in=institution_ids, problem__in=visible_problems
    )
    rows = (
        annotate_status(Problem.objects.filter(pk__in=through.values("problem_id")), today)
        .select_related("responsible_unit", "category")
        .order_by("number")
    )
    problems = {p.pk: p for p in rows}
    linked: dict[int, list[LinkedProblem]] = {}
    for institution_id, problem_id in through.order_by("problem_id").values_list(
        "institution_id", "problem_id"
    ):
        p = problems.get(problem_id)
        if p is None:
            continue
        status = ProblemStatus(p.derived_status)
        linked.setdefault(institution_id, []).append(
            LinkedProblem(
                p.pk,
                p.number,
                p.title,
                p.responsible_unit.name,
                p.category.name,
                status.value,
                status.label,
                COLOURS[status],
                is_near(status, p.deadline, today),
            )
        )
    for rows_of in linked.values():
        rows_of.sort(key=lambda lp: lp.number)
    return linked


def _decorate(rows: list[Institution], user: User) -> None:
    linked = _linked([r.pk for r in rows], actions.problems_visible(user))
    for r in rows:
        r.linked = linked.get(r.pk, [])


def _page(queryset: QuerySet[Institution], page: str | None, per_page: str | None) -> ListPage:
    documents = Prefetch("documents", queryset=InstitutionDocument.objects.order_by("id"))
    return page_of(queryset.prefetch_related(documents), page, per_page)


def _load(user: User, pk: int) -> Institution:
    return permissions.get_for_user(
        user,
        "rectification.view",
        Institution.objects.select_related("issuing_unit", "created_by").prefetch_related(
            Prefetch(
                "documents", queryset=InstitutionDocument.objects.select_related("uploaded_by").order_by("id")
            )
        ),
        pk=pk,
    )


def may_edit(user: User, institution: Institution) -> bool:
    """Whether the user may change which problems the institution addresses."""
    return permissions.has_permission(user, "rectification.institutions", institution.issuing_unit)


# --- the registry's pages ------------------------------------------------------------------------------


@login_required
@require_GET
def institution_list(request: HtmxRequest) -> HttpResponse:
    """建章立制: the institutions the user may see, searched and filtered."""
    user = current_user(request)
    permissions.require(user, "rectification.view")
    bound = any(key in request.GET for key in InstitutionFilterForm.base_fields)
    form = InstitutionFilterForm(request.GET if bound else None, user=user)
    rows = visible_institutions(user)
    params: dict[str, Any] = {}
    if form.is_bound:
        if form.is_valid():
            params = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        else:
            rows = rows.none()
    page = _page(
        filter_institutions(rows, params, actions.problems_visible(user)),
        request.GET.get("page"),
        request.GET.get("per_page"),
    )
    _decorate(page.rows, user)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "page_query": query.urlencode(),
        "page_sizes": PAGE_SIZES,
        "can_register": permissions.has_permission(user, "rectification.institutions"),
    }
    htmx = request.htmx
    if htmx and not htmx.boosted:
        return render(request, "rectification/_institution_table.html", context)
    return render(request, "rectification/institution_list.html", context)


EXPORT_COLUMNS = [
    ("制度名称", 36),
    ("文号", 20),
    ("制定单位", 22),
    ("印发日期", 12),
    ("适用范围", 40),
    ("针对问题", 30),
    ("制度文件（份）", 10),
]


@login_required
@require_GET
def institution_export(request: HttpRequest) -> FileResponse:
    """The registry as filtered, every row, as an xlsx ledger; audited like the other exports."""
    user = current_user(request)
    permissions.require(user, "rectification.view")
    form = InstitutionFilterForm(request.GET, user=user)
    rows = visible_institutions(user)
    params: dict[str, Any] = {}
    if form.is_valid():
        params = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    else:
        rows = rows.none()
    visible = actions.problems_visible(user)
    chosen = list(
        filter_institutions(rows, params, visible).annotate(documents_count=Count("documents", distinct=True))
    )
    linked = _linked([r.pk for r in chosen], visible)
    today = timezone.localdate()
    response, count = ledger_response(
        f"建章立制-{today:%Y%m%d}.xlsx",
        "建章立制",
        EXPORT_COLUMNS,
        (
            [
                r.title,
                r.doc_number,
                r.issuing_unit.name,
                r.issued_on,
                r.scope,
                "、".join(f"{lp.number} {lp.title}" for lp in linked.get(r.pk, [])),
                r.documents_count,
            ]
            for r in chosen
        ),
    )
    with transaction.atomic():
        shown = {k: str(getattr(v, "pk", v)) for k, v in params.items()}
        record(user, "rectification.institutions_exported", None, {"filters": shown, "rows": count})
    return response


def _detail_context(
    user: User, institution: Institution, link_form: LinkForm | None = None
) -> dict[str, Any]:
    visible = actions.problems_visible(user)
    linked = _linked([institution.pk], visible).get(institution.pk, [])
    hidden = institution.problems.exclude(pk__in=visible.values("pk")).count()
    editable = may_edit(user, institution)
    if editable and link_form is None:
        link_form = LinkForm(user=user, initial={"problems": [lp.pk for lp in linked]})
    return {
        "institution": institution,
        "documents": list(institution.documents.all()),
        "linked": linked,
        "hidden_count": hidden,
        "may_edit": editable,
        "link_form": link_form,
    }


@login_required
@require_GET
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = _load(current_user(request), pk)
    return render(
        request, "rectification/institution_detail.html", _detail_context(current_user(request), institution)
    )


@login_required
@require_POST
def institution_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the problems an institution addresses (within what the user may see)."""
    user = current_user(request)
    institution = _load(user, pk)
    if not may_edit(user, institution):
        raise PermissionDenied("只有制定单位范围内的承办人员可以修改针对问题")
    form = LinkForm(request.POST, user=user)
    if form.is_valid():
        try:
            actions.link_institution(user, institution, list(form.cleaned_data["problems"]))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "已保存该制度针对的问题")
            return redirect("rectification:institution", institution.pk)
    context = _detail_context(user, institution, link_form=form)
    context["link_open"] = True
    return render(request, "rectification/institution_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def institution_new(request: HttpRequest) -> HttpResponse:
    """登记制度: a new institution with its document, linked to the problems it addresses; from
    a problem's page (?problem=<id>) that problem and its unit come filled in."""
    user = current_user(request)
    permissions.require(user, "rectification.institutions")
    uploads = request.FILES.getlist("files")
    if request.method == "POST":
        form = InstitutionForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            try:
                with transaction.atomic():
                    institution = actions.register_institution(
                        user, form.action_data(), problems=list(form.cleaned_data["problems"]), files=uploads
                    )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已登记制度“{institution.title}”")
                return redirect("rectification:institution", institution.pk)
    else:
        form = InstitutionForm(user=user, initial=_prefill(user, request.GET.get("problem")))
    context = {"form": form, "reupload": request.method == "POST" and bool(uploads)}
    return render(request, "rectification/institution_new.html", context)


def _prefill(user: User, problem_id: str | None) -> dict[str, Any]:
    """The problem a registration starts from, when the user may see it, and its unit when the
    user may register institutions there; anything else is ignored."""
    if not problem_id or not problem_id.isdigit():
        return {}
    problem = (
        actions.problems_visible(user).select_related("responsible_unit").filter(pk=int(problem_id)).first()
    )
    if problem is None:
        return {}
    initial: dict[str, Any] = {"problems": [problem.pk]}
    if permissions.has_permission(user, "rectification.institutions", problem.responsible_unit):
        initial["issuing_unit"] = problem.responsible_unit_id
    return initial


@login_required
@require_GET
def institution_document(request: HttpRequest, pk: int) -> FileResponse:
    """Download an institution's document, for those who may see the institution; audited."""
    row = InstitutionDocument.objects.filter(pk=pk).first()
    if row is None:
        raise Http404("未找到该文件")
    institution = _load(current_user(request), row.institution_id)
    return files.serve(current_user(request), row, "rectification.document_downloaded", institution)
