"""The 从宽从严 decision posted from a clue's subject card (selfreports.panels)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.clues.models import Clue, ClueSubject
from zhengdun.core.errors import ConflictError
from zhengdun.core.pages import HtmxRequest
from zhengdun.selfreports import panels
from zhengdun.selfreports.actions import leniency as assessments


@login_required
@require_POST
def decide_leniency(request: HtmxRequest, subject_id: int) -> HttpResponse:
    user = current_user(request)
    # the subject is reached through its clue, so the clue's scope (units, recusal, 重要) applies
    visible = permissions.scope(user, "clues.view", Clue.objects.all())
    subject = (
        ClueSubject.objects.select_related("clue", "person__unit")
        .filter(clue__in=visible, pk=subject_id)
        .first()
    )
    if subject is None:
        raise Http404("未找到该记录")
    clue = subject.clue
    form = {
        "basis": request.POST.get("basis", ""),
        "reason": request.POST.get("reason", ""),
        "version": request.POST.get("version", "0"),
    }
    errors: dict[str, list[str]] = {}
    try:
        version = int(form["version"] or 0)
    except ValueError:
        version = 0
    try:
        assessments.decide_basis(
            user, subject, basis=form["basis"], reason=form["reason"], expected_version=version
        )
    except ValidationError as exc:
        errors = exc.message_dict
    except ConflictError as exc:
        errors = {"version": [str(exc)]}
    if not request.htmx:
        if errors:
            for field_errors in errors.values():
                for message in field_errors:
                    messages.error(request, message)
        else:
            messages.success(request, f"已认定被反映人{subject.name}的从宽从严依据")
        return redirect(reverse("clues:detail", args=[clue.pk]) + f"#subject-{subject.pk}")
    context = panels.panel_context(user, clue, subject, form=form if errors else None)
    if context is None:
        raise PermissionDenied("该被反映人不适用从宽从严认定")
    context["errors"] = errors
    return render(request, panels.TEMPLATE, {"panel": context}, status=422 if errors else 200)
