"""A clue's detail page: the clue as it stands, its subjects, its history and its partials.

The page shows the clue as it stands and its whole history; its buttons come from
clues.workflow.available() and nothing else. The actions taken from it are in
clues.views.detail_actions, the timeline in clues.views.timeline. A refused step is a message at
the top of the page (409, or 403 for a missing right); a clue out of scope, recused or 重要
without being named is 404 like a clue that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.accounts.models import User
from zhengdun.clues import actions, deadlines, workflow
from zhengdun.clues.models import (
    MEASURE_XINGTAI,
    SUBSTANTIATED,
    XINGTAI_LABELS,
    Attachment,
    Clue,
    ClueSubject,
    Disposition,
    Measure,
    Request,
    Result,
    Sensitivity,
    Status,
)
from zhengdun.clues.views.timeline import timeline
from zhengdun.core import files, hooks
from zhengdun.core.errors import ConflictError
from zhengdun.core.pages import HtmxRequest, mark
from zhengdun.core.text import query_term
from zhengdun.org.models import Person

# Offered in the 被反映人 panel (on each subject's card, or its heading) rather than the action bar.
SUBJECT_LEVEL = frozenset({"record_result", "record_measure", "edit_subjects"})

# --- loading ---------------------------------------------------------------------------------


def _load(user: User, pk: int) -> Clue:
    return permissions.get_for_user(
        user,
        "clues.view",
        Clue.objects.select_related(
            "channel", "owner_unit", "handling_unit", "handler", "created_by", "merged_into"
        ),
        pk=pk,
    )


def _load_subject(user: User, pk: int) -> ClueSubject:
    subject = ClueSubject.objects.filter(pk=pk).only("pk", "clue_id").first()
    if subject is None:
        raise Http404("未找到该记录")
    clue = _load(user, subject.clue_id)
    subject = ClueSubject.objects.select_related("person").get(pk=pk)
    subject.clue = clue
    return subject


def _ledger_url() -> str:
    return reverse("clues:list")


# --- the page ----------------------------------------------------------------------------------


def _flag(kind: str) -> dict[str, str] | None:
    if not kind:
        return None
    label, colour = deadlines.FLAG_LABELS[kind]
    return {"label": label, "colour": colour}


def _shown(name: str, clue: Clue, pending: dict[str, Request]) -> bool:
    """Whether an action the workflow allows has anything to act on now. These are facts of the
    clue's data (a pending request, a transfer, a 重要 clue), never of the user's role."""
    if name == "decide_extension":
        return Request.Kind.EXTENSION in pending
    if name == "request_extension":
        return clue.deadline is not None and Request.Kind.EXTENSION not in pending
    if name == "record_transfer_outcome":
        return clue.transfers.exists()
    if name == "record_case":
        return clue.disposition == Disposition.PRELIMINARY_CHECK
    if name == "name_viewers":
        return clue.sensitivity == Sensitivity.IMPORTANT
    return True


# The main path forward is blue, sending something back red outline, everything else plain.
_FORWARD = frozenset(
    {
        "assign",
        "propose_disposition",
        "approve_disposition",
        "reactivate",
        "submit_closure",
        "approve_closure",
        "record_feedback",
        "archive",
    }
)
_SEND_BACK = frozenset({"return_to_office", "reject_disposition", "reject_closure"})


def _button_style(action: workflow.Action) -> str:
    if action.name in _SEND_BACK:
        return "danger"
    return "primary" if action.name in _FORWARD else ""


# Other capabilities add a panel to each subject card here (e.g. selfreports: 从宽从严依据) from
# their AppConfig.ready, so this page needs no import of them. Each is called with (user, clue,
# subjects) and appends (template, context) pairs to subject.panels.
SUBJECT_PANELS = hooks.CLUE_SUBJECT_PANELS


def _page_context(user: User, clue: Clue) -> dict[str, Any]:
    today = timezone.localdate()
    subjects = list(
        clue.subjects.select_related("person", "person__unit").prefetch_related(
            Prefetch("measures", queryset=Measure.objects.order_by("decided_on", "id")),
            "finding_categories",
        )
    )
    person_ids = [s.person_id for s in subjects if s.person_id]
    visible_people = set(
        permissions.scope(user, "org.view_person", Person.objects.filter(pk__in=person_ids)).values_list(
            "pk", flat=True
        )
    )
    requests = list(clue.requests.select_related("requested_by", "decided_by").order_by("requested_at", "id"))
    pending = {r.kind: r for r in requests if r.decision == Request.Decision.PENDING}
    available = workflow.available(user, clue)
    names = {a.name for a in available}
    bar = [
        {"name": a.name, "label": a.label, "style": _button_style(a)}
        for a in available
        if a.name not in SUBJECT_LEVEL and _shown(a.name, clue, pending)
    ]
    for subject in subjects:
        mark(
            subject,
            roster_link=subject.person_id in visible_people,
            xingtai_label=XINGTAI_LABELS.get(subject.xingtai or 0, ""),
            can_result="record_result" in names,
            can_measure="record_measure" in names and subject.result in SUBSTANTIATED,
            can_remove_measure="record_measure" in names,
            can_clear="record_result" in names and subject.result == Result.FALSE,
            can_remove=(
                "edit_subjects" in names
                and len(subjects) > 1
                and not subject.result
                and not subject.measures.all()
            ),
        )
        for measure in subject.measures.all():
            mark(
                measure,
                xingtai_label=XINGTAI_LABELS[MEASURE_XINGTAI[measure.kind]],
                in_effect=bool(measure.effective_until and measure.effective_until >= today),
            )
    for add_panel in SUBJECT_PANELS:
        add_panel(user, clue, subjects)
    transfers = list(clue.transfers.select_related("created_by").order_by("transferred_on", "id"))
    feedback_flag = None
    if clue.feedback_due and clue.status == Status.CLOSED:
        if clue.feedback_due < today:
            feedback_flag = _flag(deadlines.OVERDUE)
        elif clue.feedback_due <= deadlines.near_until(today):
            feedback_flag = _flag(deadlines.NEAR)
    duplicates = actions.duplicate_candidates(user, clue) if clue.status == Status.REGISTERED else []
    merged_from = list(
        permissions.scope(user, "clues.view", clue.duplicates.all()).only("pk", "number", "summary")
    )
    return {
        "clue": clue,
        "today": today,
        "now": timezone.localtime(),
        "status_colour": clue.status_colour(),
        "deadline_flag": _flag(deadlines.flag_for(clue, today)),
        "categories": list(clue.categories.all()),
        "subjects": subjects,
        "reporter_revealable": bool(clue.reporter_cipher)
        and workflow.holds(user, "clues.view_reporter", clue, workflow.EITHER),
        "requests": requests,
        "pending": pending,
        "supervisions": list(clue.supervisions.select_related("supervisor")),
        "transfers": transfers,
        "transfer_due": deadlines.transfer_due(clue.received_on),
        "feedbacks": list(clue.feedbacks.select_related("recorded_by")),
        "feedback_flag": feedback_flag,
        "deadline_changes": list(clue.deadline_changes.select_related("changed_by")),
        "attachments": list(clue.attachments.select_related("uploaded_by")),
        "timeline": timeline(clue),
        "duplicates": [{"clue": c, "percent": f"{score * 100:.1f}%"} for c, score in duplicates],
        "can_merge": "merge" in names,
        "merged_into_visible": clue.merged_into is not None and workflow.may_see(user, clue.merged_into),
        "merged_from": merged_from,
        "viewers": list(clue.viewers.select_related("user", "user__unit"))
        if clue.sensitivity == Sensitivity.IMPORTANT
        else [],
        "bar_actions": bar,
        "available_names": names,
        "can_edit_subjects": "edit_subjects" in names,
        "ledger_url": _ledger_url(),
    }


def _render_page(
    request: HtmxRequest,
    clue: Clue,
    *,
    open_form: dict[str, Any] | None = None,
    alert: str = "",
    revealed: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _page_context(current_user(request), clue)
    context.update({"open_form": open_form, "alert": alert, "revealed": revealed})
    if request.htmx and status >= 400:
        # The page behind an htmx request is stale (someone acted first, or the step is no longer
        # the user's): replace the whole of it, with the message on top.
        response = render(request, "clues/_detail_page.html", context, status=status)
        response["HX-Retarget"] = "#clue-page"
        response["HX-Reswap"] = "outerHTML show:window:top"
        return response
    return render(request, "clues/clue_detail.html", context, status=status)


def _refused(request: HtmxRequest, clue: Clue, exc: Exception, **kw: Any) -> HttpResponse:
    if isinstance(exc, PermissionDenied):
        return _render_page(request, clue, alert=str(exc) or "您没有执行此操作的权限", status=403, **kw)
    clue.refresh_from_db()
    text = str(exc) or actions.CONFLICT
    if isinstance(exc, ConflictError) and text != actions.CONFLICT:
        text = f"{text}。{actions.CONFLICT}"
    return _render_page(request, clue, alert=text, status=409, **kw)


@login_required
@require_GET
def clue_detail(request: HtmxRequest, pk: int) -> HttpResponse:
    return _render_page(request, _load(current_user(request), pk))


@login_required
@require_POST
def reporter(request: HtmxRequest, pk: int) -> HttpResponse:
    """The reporter's identity, inline (htmx) or on the page; reveal_reporter audits each view."""
    clue = _load(current_user(request), pk)
    try:
        identity = actions.reveal_reporter(current_user(request), clue)
    except PermissionDenied as exc:
        return _refused(request, clue, exc)
    if request.htmx:
        response = render(request, "clues/_reporter.html", {"clue": clue, "revealed": identity})
    else:
        response = _render_page(request, clue, revealed=identity)
    # The identity must not linger in a shared or browser cache.
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def subject_search(request: HtmxRequest, pk: int) -> HttpResponse:
    """Roster search for adding a 被反映人: people the user may see, by name or police number."""
    clue = _load(current_user(request), pk)
    q = query_term(request.GET.get("q"), 30)
    people: list[Person] = []
    if q:
        people = list(
            permissions.scope(current_user(request), "org.view_person", Person.objects.select_related("unit"))
            .search(q)
            .exclude(pk__in=clue.subjects.exclude(person=None).values("person_id"))
            .order_by("name", "pk")[:20]
        )
    return render(request, "clues/_subject_pick.html", {"people": people, "q": q, "chosen": None})


@login_required
@require_GET
def attachment(request: HtmxRequest, pk: int) -> FileResponse:
    """Download an attachment of a clue the user may see; every download is audited."""
    row = Attachment.objects.filter(pk=pk).first()
    if row is None:
        raise Http404("未找到该附件")
    clue = _load(current_user(request), row.clue_id)
    return files.serve(current_user(request), row, "clue.attachment_downloaded", clue)


urlpatterns: list[URLPattern] = [
    path("<int:pk>/", clue_detail, name="detail"),
    path("<int:pk>/reporter/", reporter, name="reporter"),
    path("<int:pk>/subjects/search/", subject_search, name="subject_search"),
    path("attachments/<int:pk>/", attachment, name="attachment"),
]
