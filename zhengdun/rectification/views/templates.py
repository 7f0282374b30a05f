"""工期模板: the office's page for the milestone templates plans are made from; writes through
rectification.actions.save_template, a step's error marked on its row."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.clues.forms import FastSelect
from zhengdun.clues.models import Category
from zhengdun.core.errors import ConflictError
from zhengdun.org.forms import apply_errors
from zhengdun.rectification import actions, schedule
from zhengdun.rectification.forms import field_of, show_required
from zhengdun.rectification.models import (
    MilestoneTemplate,
    Problem,
    TemplateStep,
)

DEFAULT_LABEL = "默认（适用于未设专用模板的类别）"
STEP_ROW = re.compile(r"第(\d+)个节点")


@dataclass
class StepRow:
    name: str
    days: str
    error: bool = False


class TemplateForm(forms.Form):
    """A template's name and category; its steps are rows posted as step_name / step_days lists."""

    name = forms.CharField(
        label="模板名称",
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 60, "size": 36}),
    )
    category = forms.ChoiceField(
        label="适用问题类别",
        required=False,
        error_messages={"invalid_choice": "所选问题类别不存在或已停用"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, template: MilestoneTemplate | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = MilestoneTemplate.objects.all()
        if template is not None:
            others = others.exclude(pk=template.pk)
        # category id (None for the default template) -> the name of the template that has it
        taken: dict[int | None, str] = dict(others.values_list("category_id", "name"))
        categories = Category.objects.filter(Q(is_active=True) | Q(pk=getattr(template, "category_id", None)))
        choices = [("", DEFAULT_LABEL + (f"——已有“{taken[None]}”" if None in taken else ""))]
        for c in categories:
            label = c.label
            if c.pk in taken:
                label += f"——已有“{taken[c.pk]}”"
            choices.append((str(c.pk), label))
        category = field_of(self, "category", forms.ChoiceField)
        category.choices = choices
        category.widget = FastSelect(choices=choices)
        show_required(self.fields["name"])


def _posted_rows(request: HttpRequest) -> list[StepRow]:
    names = request.POST.getlist("step_name")
    days = request.POST.getlist("step_days")
    length = max(len(names), len(days))
    names += [""] * (length - len(names))
    days += [""] * (length - len(days))
    return [StepRow(n.strip(), d.strip()) for n, d in zip(names, days, strict=True)]


def _total(rows: list[StepRow]) -> int:
    return sum(int(r.days) for r in rows if r.days.isdigit())


def _template_page(
    request: HttpRequest,
    template: MilestoneTemplate | None,
    form: TemplateForm,
    rows: list[StepRow],
    steps_errors: list[str],
    status: int = 200,
) -> HttpResponse:
    context = {
        "template": template,
        "form": form,
        "rows": rows,
        "steps_errors": steps_errors,
        "total": _total(rows),
        "max_steps": schedule.MAX_STEPS,
        "max_days": schedule.MAX_STEP_WORKDAYS,
        "used": Problem.objects.filter(template=template).count() if template else 0,
    }
    return render(request, "rectification/template_edit.html", context, status=status)


def _edit_template(request: HttpRequest, template: MilestoneTemplate | None) -> HttpResponse:
    """The edit/new page: GET shows it, POST adds or removes a row (no JavaScript needed) or saves."""
    user = current_user(request)
    if request.method == "GET":
        initial: dict[str, Any] = {}
        if template is not None:
            initial = {
                "name": template.name,
                "category": template.category_id or "",
                "version": template.version,
            }
            rows = [StepRow(s.name, str(s.workdays)) for s in template.steps.all()]
        else:
            wanted = request.GET.get("category", "")
            category = Category.objects.filter(pk=int(wanted)).first() if wanted.isdigit() else None
            if category is not None:
                initial = {"category": category.pk, "name": f"{category.name}整改模板"[:60]}
            # a new template starts from the steps its category uses now (its own or the default)
            source = actions.template_for(category) if category else None
            source = source or MilestoneTemplate.objects.filter(category__isnull=True).first()
            rows = [StepRow(s.name, str(s.workdays)) for s in source.steps.all()] if source else []
        return _template_page(
            request, template, TemplateForm(initial=initial, template=template), rows or [StepRow("", "")], []
        )

    form = TemplateForm(request.POST, template=template)
    rows = _posted_rows(request)
    op = request.POST.get("op", "")
    if op == "add":
        return _template_page(request, template, _unvalidated(form), [*rows, StepRow("", "")], [])
    if op.startswith("remove:"):
        index = op.partition(":")[2]
        if index.isdigit() and int(index) < len(rows):
            rows.pop(int(index))
        return _template_page(request, template, _unvalidated(form), rows or [StepRow("", "")], [])

    steps_errors: list[str] = []
    valid = form.is_valid()
    name = form.cleaned_data.get("name", "") if valid else request.POST.get("name", "")
    if valid and not name.strip():
        form.add_error("name", "请填写模板名称")
    pairs = [(r.name, r.days) for r in rows]
    try:
        actions.clean_steps(pairs)
    except ValidationError as exc:
        steps_errors = _mark_rows(exc, rows)
    if form.errors or steps_errors:
        return _template_page(request, template, form, rows, steps_errors)
    try:
        saved = actions.save_template(
            user,
            template,
            name=form.cleaned_data["name"],
            category=form.cleaned_data["category"],
            steps=pairs,
            version=form.cleaned_data.get("version"),
        )
    except ValidationError as exc:
        steps_errors = _mark_rows(exc, rows) if "steps" in getattr(exc, "error_dict", {}) else []
        apply_errors(form, _without_steps(exc))
        return _template_page(request, template, form, rows, steps_errors)
    except ConflictError as exc:
        form.add_error(None, str(exc))
        return _template_page(request, template, form, rows, steps_errors, status=409)
    verb = "新建" if template is None else "保存"
    messages.success(request, f"已{verb}工期模板“{saved.name}”，此后登记的问题按此模板倒排工期")
    return redirect("rectification:templates")


def _unvalidated(form: TemplateForm) -> TemplateForm:
    """A bound form shown as typed, without error messages (a row was added or removed)."""
    # show the input, not a verdict on it; django-stubs leave out BaseForm._errors (full_clean's cache)
    form._errors = ErrorDict()  # type: ignore[attr-defined]
    return form


def _mark_rows(exc: ValidationError, rows: list[StepRow]) -> list[str]:
    """The steps messages; the row a message names (第n个节点, counted over the posted rows) is marked."""
    messages_ = exc.message_dict.get("steps", []) if hasattr(exc, "error_dict") else exc.messages
    for message in messages_:
        match = STEP_ROW.search(message)
        if match and 0 < int(match.group(1)) <= len(rows):
            rows[int(match.group(1)) - 1].error = True
    return list(messages_)


def _without_steps(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    rest = {k: v for k, v in exc.message_dict.items() if k != "steps"}
    return ValidationError(rest) if rest else ValidationError({})


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    """工期模板: each template's steps and total working days, and the categories using the default."""
    permissions.require(current_user(request), "rectification.configure")
    templates = list(
        MilestoneTemplate.objects.select_related("category")
        .prefetch_related(Prefetch("steps", queryset=TemplateStep.objects.order_by("position")))
        .annotate(used=Count("problem"))
    )
    for t in templates:
        t.total = sum(s.workdays for s in t.steps.all())
    has_default = any(t.category_id is None for t in templates)
    own = {t.category_id for t in templates}
    without = [c for c in Category.objects.filter(is_active=True) if c.pk not in own]
    context = {"templates": templates, "without": without, "has_default": has_default}
    return render(request, "rectification/template_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    permissions.require(current_user(request), "rectification.configure")
    template = MilestoneTemplate.objects.select_related("category").filter(pk=pk).first()
    if template is None:
        raise Http404("未找到该工期模板")
    return _edit_template(request, template)


@login_required
@require_http_methods(["GET", "POST"])
def template_new(request: HttpRequest) -> HttpResponse:
    permissions.require(current_user(request), "rectification.configure")
    return _edit_template(request, None)
