"""A clue's detail page and every action taken from it.

The page shows the clue as it stands and its whole history; its buttons come from
clues.workflow.available() and nothing else. An action opens its form inline (htmx GET of
clues:action), the POST runs the matching clues.actions function and returns to the page.
Refusals: bad input stays in the form beside its field (200); a step no longer possible or
someone else's change first (InvalidTransition, ConflictError) is a message at the top of the
page (409); a missing right is 403; a clue out of scope, recused or 重要 without being named is
404 like a clue that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengdun.accounts import permissions
from zhengdun.audit.chain import record
from zhengdun.clues import actions, deadlines, workflow
from zhengdun.clues import forms_actions as f
from zhengdun.clues.models import (
    MEASURE_XINGTAI,
    SUBSTANTIATED,
    Attachment,
    Channel,
    Clue,
    ClueSubject,
    Disposition,
    Measure,
    ReportingMode,
    Request,
    Result,
    Sensitivity,
    Status,
)
from zhengdun.core.errors import ConflictError, InvalidTransition
from zhengdun.org.forms import apply_errors
from zhengdun.org.models import Person

# --- what each action is: its form, the clues.actions call, its workflow row -----------------


@dataclass(frozen=True)
class Spec:
    """One action of the page: the workflow row that gates it, its form, and how a valid form
    becomes a clues.actions call (returning the message shown after it succeeded)."""

    workflow: str
    form: type[f.ActionForm]
    run: Callable[[Any, Clue, Any, ClueSubject | None], str]
    multipart: bool = False

    @property
    def label(self) -> str:
        return workflow.ACTIONS[self.workflow].label


def _assign(user: Any, clue: Clue, form: Any, _s: Any) -> str:
    d = form.cleaned_data
    actions.assign_clue(
        user, clue, unit=d["unit"], handler=d["handler"], deadline=d["deadline"], note=d["note"]
    )
    return f"已交办{d['unit'].name}，办理时限{clue.deadline:%Y-%m-%d}"


def _edit(user: Any, clue: Clue, form: Any, _s: Any) -> str:
    actions.update_clue(
        user,
        clue,
        version=form.cleaned_data["version"],
        categories=list(form.cleaned_data["categories"]),
        **form.action_values(),
    )
    return "已保存登记信息的修改"


def _decide_extension(user: Any, clue: Clue, form: Any, _s: Any) -> str:
    approve = form.cleaned_data["decision"] == "approve"
    actions.decide_extension(user, clue, approve=approve, comment=form.cleaned_data["reason"])
    return f"已同意延期，办理时限调整为{clue.deadline:%Y-%m-%d}" if approve else "已不同意延期"


def _merge(user: Any, clue: Clue, form: Any, _s: Any) -> str:
    into = form.cleaned_data["into"]
    actions.merge_clue(user, clue, into=into, reason=form.cleaned_data["reason"])
    return f"已作为重复件并入线索{into.number}"


def _cd(form: Any, key: str) -> Any:
    return form.cleaned_data[key]


ACTION_SPECS: dict[str, Spec] = {
    "assign": Spec("assign", f.AssignForm, _assign),
    "return_to_office": Spec(
        "return_to_office",
        f.ReturnForm,
        lambda u, c, fm, s: (actions.return_clue(u, c, reason=_cd(fm, "reason")), "已退回教育整顿办")[1],
    ),
    "propose_disposition": Spec(
        "propose_disposition",
        f.ProposeDispositionForm,
        lambda u, c, fm, s: (
            actions.propose_disposition(u, c, disposition=_cd(fm, "disposition"), reason=_cd(fm, "reason")),
            "处置意见已提交审批",
        )[1],
    ),
    "approve_disposition": Spec(
        "approve_disposition",
        f.ApproveDispositionForm,
        lambda u, c, fm, s: (
            actions.approve_disposition(u, c, comment=_cd(fm, "comment")),
            f"已批准处置方式：{c.get_disposition_display()}",
        )[1],
    ),
    "reject_disposition": Spec(
        "reject_disposition",
        f.RejectDispositionForm,
        lambda u, c, fm, s: (
            actions.reject_disposition(u, c, comment=_cd(fm, "reason")),
            "已退回处置意见",
        )[1],
    ),
    "reactivate": Spec(
        "reactivate",
        f.ReactivateForm,
        lambda u, c, fm, s: (actions.reactivate_clue(u, c, reason=_cd(fm, "reason")), "线索已重新启用")[1],
    ),
    "submit_closure": Spec(
        "submit_closure",
        f.SubmitClosureForm,
        lambda u, c, fm, s: (actions.submit_closure(u, c, reason=_cd(fm, "reason")), "已提请办结审批")[1],
    ),
    "approve_closure": Spec(
        "approve_closure",
        f.ApproveClosureForm,
        lambda u, c, fm, s: (actions.approve_closure(u, c, comment=_cd(fm, "comment")), "已批准办结")[1],
    ),
    "reject_closure": Spec(
        "reject_closure",
        f.RejectClosureForm,
        lambda u, c, fm, s: (actions.reject_closure(u, c, comment=_cd(fm, "reason")), "已退回办结申请")[1],
    ),
    "record_feedback": Spec(
        "record_feedback",
        f.RecordFeedbackForm,
        lambda u, c, fm, s: (
            actions.record_feedback(
                u,
                c,
                method=_cd(fm, "method"),
                fed_back_on=_cd(fm, "fed_back_on"),
                content=_cd(fm, "content"),
                opinion=_cd(fm, "opinion"),
            ),
            "已记录反馈情况",
        )[1],
    ),
    "archive": Spec(
        "archive", f.ArchiveForm, lambda u, c, fm, s: (actions.archive_clue(u, c), "线索已归档")[1]
    ),
    "transfer": Spec(
        "transfer",
        f.TransferForm,
        lambda u, c, fm, s: (
            actions.transfer_clue(
                u,
                c,
                target=_cd(fm, "target"),
                receiver=_cd(fm, "receiver"),
                reason=_cd(fm, "reason"),
                transferred_on=_cd(fm, "transferred_on"),
            ),
            f"线索已移交{_cd(fm, 'receiver')}",
        )[1],
    ),
    "merge": Spec("merge", f.MergeForm, _merge),
    "reopen": Spec(
        "reopen",
        f.ReopenForm,
        lambda u, c, fm, s: (actions.reopen_clue(u, c, reason=_cd(fm, "reason")), "线索已重新办理")[1],
    ),
    "edit": Spec("edit", f.EditForm, _edit),
    "edit_subjects": Spec(
        "edit_subjects",
        f.AddSubjectForm,
        lambda u, c, fm, s: f"已添加被反映人{actions.add_subject(u, c, fm.subject_values()).name}",
    ),
    "record_case": Spec(
        "record_case",
        f.RecordCaseForm,
        lambda u, c, fm, s: (
            actions.record_case(u, c, proposed_on=_cd(fm, "proposed_on"), filed_on=_cd(fm, "filed_on")),
            "已登记立案情况",
        )[1],
    ),
    "request_extension": Spec(
        "request_extension",
        f.RequestExtensionForm,
        lambda u, c, fm, s: (
            actions.request_extension(u, c, new_deadline=_cd(fm, "new_deadline"), reason=_cd(fm, "reason")),
            "延期申请已提交审批",
        )[1],
    ),
    "decide_extension": Spec("decide_extension", f.DecideExtensionForm, _decide_extension),
    "supervise": Spec(
        "supervise",
        f.SuperviseForm,
        lambda u, c, fm, s: (
            actions.supervise_clue(
                u,
                c,
                level=_cd(fm, "level"),
                reason=_cd(fm, "reason"),
                note=_cd(fm, "note"),
                report_by=_cd(fm, "report_by"),
            ),
            "已督办",
        )[1],
    ),
    "record_transfer_outcome": Spec(
        "record_transfer_outcome",
        f.RecordTransferOutcomeForm,
        lambda u, c, fm, s: (
            actions.record_transfer_outcome(
                u,
                _cd(fm, "transfer"),
                outcome=_cd(fm, "outcome"),
                result=_cd(fm, "outcome_result"),
                outcome_on=_cd(fm, "outcome_on"),
            ),
            "已登记移交结果",
        )[1],
    ),
    "attach": Spec(
        "attach",
        f.AttachForm,
        lambda u, c, fm, s: f"已上传附件{actions.add_attachment(u, c, upload=_cd(fm, 'file')).original_name}",
        multipart=True,
    ),
    "name_viewers": Spec(
        "name_viewers",
        f.NameViewersForm,
        lambda u, c, fm, s: (actions.name_viewers(u, c, users=list(_cd(fm, "users"))), "已保存知悉人")[1],
    ),
}

# Actions on one subject (被反映人); each is gated by the workflow row named first.
SUBJECT_SPECS: dict[str, Spec] = {
    "record_result": Spec(
        "record_result",
        f.RecordResultForm,
        lambda u, c, fm, s: (
            actions.record_result(u, s, result=_cd(fm, "result"), note=_cd(fm, "result_note")),
            f"已录入{s.name}的核查结论",
        )[1],
    ),
    "set_cleared": Spec(
        "record_result",
        f.SetClearedForm,
        lambda u, c, fm, s: (
            actions.set_cleared(u, s, cleared=_cd(fm, "cleared"), note=_cd(fm, "note")),
            f"已为{s.name}澄清正名" if _cd(fm, "cleared") else f"已撤销{s.name}的澄清正名",
        )[1],
    ),
    "record_measure": Spec(
        "record_measure",
        f.RecordMeasureForm,
        lambda u, c, fm, s: (
            actions.add_measure(
                u, s, kind=_cd(fm, "kind"), decided_on=_cd(fm, "decided_on"), note=_cd(fm, "note")
            ),
            f"已录入{s.name}的处理措施",
        )[1],
    ),
    "remove_measure": Spec(
        "record_measure",
        f.RemoveMeasureForm,
        lambda u, c, fm, s: (actions.remove_measure(u, _cd(fm, "measure")), "已删除处理措施")[1],
    ),
    "remove_subject": Spec(
        "edit_subjects",
        f.RemoveSubjectForm,
        lambda u, c, fm, s: (actions.remove_subject(u, s), f"已删除被反映人{s.name}")[1],
    ),
}

SUBJECT_TITLES = {
    "record_result": "录入核查结论",
    "set_cleared": "澄清正名",
    "record_measure": "录入处理措施",
    "remove_measure": "删除处理措施",
    "remove_subject": "删除被反映人",
}

# Shown on each subject's card rather than in the page's action bar.
SUBJECT_LEVEL = frozenset({"record_result", "record_measure"})

# Timeline labels of the steps that are not rows of the workflow table.
EVENT_LABELS: dict[str, str] = {
    "registered": "登记",
    "edited": "修改登记信息",
    "subject_added": "添加被反映人",
    "subject_removed": "删除被反映人",
    "result_recorded": "录入核查结论",
    "measure_recorded": "录入处理措施",
    "measure_removed": "删除处理措施",
    "cleared": "澄清正名",
    "cleared_undone": "撤销澄清正名",
    "case_recorded": "登记立案情况",
    "transfer_outcome_recorded": "登记移交结果",
    "extension_requested": "申请延期",
    "extension_approved": "同意延期",
    "extension_rejected": "不同意延期",
    "supervised": "督办",
    "attachment_added": "上传附件",
    "viewers_named": "指定知悉人",
    "duplicate_merged": "重复件并入",
}

FIELD_LABELS = {
    "channel_id": "线索来源",
    "received_on": "受理日期",
    "external_ref": "外部编号",
    "reporting_mode": "举报方式",
    "summary": "反映问题摘要",
    "content": "反映问题内容",
    "sensitivity": "密级",
}

XINGTAI_LABELS = {1: "第一种形态", 2: "第二种形态", 3: "第三种形态", 4: "第四种形态"}

STATUS_LABELS = dict(Status.choices)
RESULT_LABELS = dict(Result.choices)


# --- loading ---------------------------------------------------------------------------------


def _load(user: Any, pk: int) -> Clue:
    return permissions.get_for_user(
        user,
        "clues.view",
        Clue.objects.select_related(
            "channel", "owner_unit", "handling_unit", "handler", "created_by", "merged_into"
        ),
        pk=pk,
    )


def _load_subject(user: Any, pk: int) -> ClueSubject:
    subject = ClueSubject.objects.filter(pk=pk).only("pk", "clue_id").first()
    if subject is None:
        raise Http404("未找到该记录")
    clue = _load(user, subject.clue_id)
    subject = ClueSubject.objects.select_related("person").get(pk=pk)
    subject.clue = clue
    return subject


def _ledger_url() -> str:
    # The ledger's own module names its list page; fall back to the home page before it exists.
    for name in ("clues:ledger", "clues:list", "clues:clue_list"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return "/"


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


# Sending something back is the one kind of step drawn in red outline; moving forward is blue.
_SEND_BACK = frozenset({"return_to_office", "reject_disposition", "reject_closure"})


def _button_style(action: workflow.Action) -> str:
    if action.name in _SEND_BACK:
        return "danger"
    return "primary" if action.is_transition else ""


def _event_details(event: Any, channels: dict[int, str]) -> list[tuple[str, str]]:
    """The data of a timeline event as (label, value) pairs in Chinese."""
    data = event.data or {}
    rows: list[tuple[str, str]] = []

    def add(label: str, value: Any) -> None:
        if value not in (None, "", [], {}):
            rows.append((label, str(value)))

    if event.action == "registered":
        add("来源", data.get("channel"))
        add("被反映人", "、".join(data.get("subjects") or []))
    elif event.action == "edited":
        for field, change in (data.get("changes") or {}).items():
            old, new = (change + [None, None])[:2] if isinstance(change, list) else (None, change)
            label = FIELD_LABELS.get(field, field)
            if field == "content":
                add(label, "已修改")
            elif field == "channel_id":
                add(label, f"{channels.get(old, old or '—')} → {channels.get(new, new or '—')}")
            elif field == "reporting_mode":
                modes = dict(ReportingMode.choices)
                add(label, f"{modes.get(old, old)} → {modes.get(new, new)}")
            elif field == "sensitivity":
                levels = dict(Sensitivity.choices)
                add(label, f"{levels.get(old, old)} → {levels.get(new, new)}")
            else:
                add(label, f"{old or '—'} → {new or '—'}")
    else:
        add("承办单位", data.get("unit"))
        add("办理时限", data.get("deadline"))
        add("退回单位", data.get("from_unit"))
        add("处置方式", data.get("disposition"))
        add("被反映人", data.get("subject"))
        result = data.get("result")
        if isinstance(result, list) and len(result) == 2:
            old, new = result
            add("核查结论", f"{RESULT_LABELS.get(old, '未录入')} → {RESULT_LABELS.get(new, new)}")
        elif event.action == "transfer_outcome_recorded":
            add("结果认定", RESULT_LABELS.get(result or "", ""))
        add("处理措施", data.get("measure"))
        if data.get("xingtai"):
            add("形态", XINGTAI_LABELS.get(data["xingtai"], data["xingtai"]))
        add("拟立案日期", data.get("proposed_on"))
        add("立案日期", data.get("filed_on"))
        add("接收单位", data.get("receiver"))
        add("延期至", data.get("new_deadline"))
        add("督办等级", data.get("level"))
        add("督办事由", data.get("reason"))
        add("反馈方式", data.get("method"))
        if event.action in ("subject_added", "subject_removed"):
            add("姓名", data.get("name"))
        elif event.action == "attachment_added":
            add("文件名", data.get("name"))
        add("知悉人", "、".join(data.get("users") or []))
        add("并入线索", data.get("into"))
        add("重复件", data.get("from"))
        if data.get("late"):
            rows.append(("时效", "超期"))
    return rows


def _timeline(clue: Clue) -> list[dict[str, Any]]:
    channels = dict(Channel.objects.values_list("pk", "name"))
    items = []
    for event in clue.events.select_related("actor").order_by("at", "id"):
        action = workflow.ACTIONS.get(event.action)
        items.append(
            {
                "event": event,
                "label": action.label if action else EVENT_LABELS.get(event.action, event.action),
                "from_label": STATUS_LABELS.get(event.from_status, ""),
                "to_label": STATUS_LABELS.get(event.to_status, ""),
                "to_colour": Clue(status=event.to_status).status_colour() if event.to_status else "",
                "details": _event_details(event, channels),
                "is_transition": bool(event.to_status),
            }
        )
    return items


def _page_context(user: Any, clue: Clue) -> dict[str, Any]:
    today = timezone.localdate()
    subjects = list(
        clue.subjects.select_related("person", "person__unit").prefetch_related(
            Prefetch("measures", queryset=Measure.objects.order_by("decided_on", "id"))
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
        subject.roster_link = subject.person_id in visible_people
        subject.xingtai_label = XINGTAI_LABELS.get(subject.xingtai or 0, "")
        subject.can_result = "record_result" in names
        subject.can_measure = "record_measure" in names and subject.result in SUBSTANTIATED
        subject.can_remove_measure = "record_measure" in names
        subject.can_clear = "record_result" in names and subject.result == Result.FALSE
        subject.can_remove = (
            "edit_subjects" in names
            and len(subjects) > 1
            and not subject.result
            and not subject.measures.all()
        )
        for measure in subject.measures.all():
            measure.xingtai_label = XINGTAI_LABELS[MEASURE_XINGTAI[measure.kind]]
            measure.in_effect = bool(measure.effective_until and measure.effective_until >= today)
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
        "timeline": _timeline(clue),
        "duplicates": [{"clue": c, "percent": f"{score * 100:.1f}%"} for c, score in duplicates],
        "can_merge": "merge" in names,
        "merged_into_visible": clue.merged_into_id is not None and workflow.may_see(user, clue.merged_into),
        "merged_from": merged_from,
        "viewers": list(clue.viewers.select_related("user", "user__unit"))
        if clue.sensitivity == Sensitivity.IMPORTANT
        else [],
        "bar_actions": bar,
        "available_names": names,
        "can_edit_subjects": "edit_subjects" in names,
        "ledger_url": _ledger_url(),
    }


def _form_context(
    clue: Clue, name: str, spec: Spec, form: Any, subject: ClueSubject | None
) -> dict[str, Any]:
    if subject is not None:
        url = reverse("clues:subject_action", args=[subject.pk, name])
        title = f"{SUBJECT_TITLES[name]}：{subject.name}"
    else:
        url = reverse("clues:action", args=[clue.pk, name])
        title = spec.label
    pending = {r.kind: r for r in clue.requests.filter(decision="").select_related("requested_by")}
    template = select_template([f"clues/_action_{name}.html", "clues/_action_form.html"])
    return {
        "clue": clue,
        "name": name,
        "spec": spec,
        "form": form,
        "subject": subject,
        "action_url": url,
        "title": title,
        "pending": pending,
        "template": template.template.name,
        "today": timezone.localdate(),
    }


def _render_page(
    request: HttpRequest,
    clue: Clue,
    *,
    open_form: dict[str, Any] | None = None,
    alert: str = "",
    revealed: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _page_context(request.user, clue)
    context.update({"open_form": open_form, "alert": alert, "revealed": revealed})
    if request.htmx and status >= 400:
        # The page behind an htmx request is stale (someone acted first, or the step is no longer
        # the user's): replace the whole of it, with the message on top.
        response = render(request, "clues/_detail_page.html", context, status=status)
        response["HX-Retarget"] = "#clue-page"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "clues/clue_detail.html", context, status=status)


def _refused(request: HttpRequest, clue: Clue, exc: Exception, **kw: Any) -> HttpResponse:
    if isinstance(exc, PermissionDenied):
        return _render_page(request, clue, alert=str(exc) or "您没有执行此操作的权限", status=403, **kw)
    clue.refresh_from_db()
    text = str(exc) or actions.CONFLICT
    if isinstance(exc, ConflictError) and text != actions.CONFLICT:
        text = f"{text}。{actions.CONFLICT}"
    return _render_page(request, clue, alert=text, status=409, **kw)


@login_required
@require_GET
def clue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_page(request, _load(request.user, pk))


@login_required
@require_POST
def reporter(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter's identity, inline (htmx) or on the page; reveal_reporter audits each view."""
    clue = _load(request.user, pk)
    try:
        identity = actions.reveal_reporter(request.user, clue)
    except PermissionDenied as exc:
        return _refused(request, clue, exc)
    if request.htmx:
        response = render(request, "clues/_reporter.html", {"clue": clue, "revealed": identity})
    else:
        response = _render_page(request, clue, revealed=identity)
    # The identity must not linger in a shared or browser cache.
    add_never_cache_headers(response)
    return response


def _initial(request: HttpRequest, name: str) -> dict[str, Any]:
    # The assign form reloads itself when the unit changes; 并件 from the duplicates list
    # arrives with the number of the clue to merge into.
    if name == "assign":
        return {k: request.GET.get(k) for k in ("unit", "handler", "deadline", "note") if request.GET.get(k)}
    if name == "merge" and request.GET.get("into"):
        return {"into": request.GET["into"][:32]}
    return {}


def _perform(
    request: HttpRequest, clue: Clue, name: str, spec: Spec, subject: ClueSubject | None = None
) -> HttpResponse:
    user = request.user
    try:
        workflow.check(user, clue, spec.workflow)
    except (InvalidTransition, PermissionDenied) as exc:
        return _refused(request, clue, exc)
    kwargs = {"user": user, "clue": clue, "subject": subject}
    if request.method == "GET":
        form = spec.form(initial=_initial(request, name), **kwargs)
    else:
        form = spec.form(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            try:
                with transaction.atomic():
                    message = spec.run(user, clue, form, subject)
            except ValidationError as exc:
                apply_errors(form, exc)
            except (InvalidTransition, ConflictError, PermissionDenied) as exc:
                keep = None
                if name == "edit" and isinstance(exc, ConflictError):
                    # Keep what was typed, against the version now stored, so the user can
                    # look at the other change and save again knowingly.
                    clue.refresh_from_db()
                    data = request.POST.copy()
                    data["version"] = str(clue.version)
                    keep = _form_context(clue, name, spec, spec.form(data, **kwargs), subject)
                return _refused(request, clue, exc, open_form=keep)
            else:
                return _done(request, clue, message)
    context = _form_context(clue, name, spec, form, subject)
    if request.htmx:
        return render(request, context["template"], context)
    return _render_page(request, clue, open_form=context)


def _done(request: HttpRequest, clue: Clue, message: str) -> HttpResponse:
    messages.success(request, message)
    url = reverse("clues:detail", args=[clue.pk])
    if not workflow.may_see(request.user, clue):
        # e.g. the user left themself off a 重要 clue's viewers: the page is no longer theirs.
        url = _ledger_url()
    if request.htmx:
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def clue_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    clue = _load(request.user, pk)
    spec = ACTION_SPECS.get(name)
    if spec is None:
        raise Http404("没有该操作")
    return _perform(request, clue, name, spec)


@login_required
@require_http_methods(["GET", "POST"])
def subject_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    subject = _load_subject(request.user, pk)
    spec = SUBJECT_SPECS.get(name)
    if spec is None:
        raise Http404("没有该操作")
    return _perform(request, subject.clue, name, spec, subject)


@login_required
@require_GET
def subject_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Roster search for adding a 被反映人: people the user may see, by name or police number."""
    clue = _load(request.user, pk)
    q = request.GET.get("q", "").replace("\x00", "").strip()[:30]
    people: list[Person] = []
    if q:
        people = list(
            permissions.scope(request.user, "org.view_person", Person.objects.select_related("unit"))
            .search(q)  # type: ignore[attr-defined]
            .exclude(pk__in=clue.subjects.exclude(person=None).values("person_id"))
            .order_by("name", "pk")[:20]
        )
    return render(request, "clues/_subject_pick.html", {"people": people, "q": q, "chosen": None})


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """Download an attachment of a clue the user may see; every download is audited."""
    row = Attachment.objects.filter(pk=pk).first()
    if row is None:
        raise Http404("未找到该附件")
    clue = _load(request.user, row.clue_id)
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("附件文件不存在") from exc
    with transaction.atomic():
        record(
            request.user,
            "clue.attachment_downloaded",
            clue,
            {"attachment": row.pk, "name": row.original_name, "sha256": row.sha256, "size": row.size},
        )
    response = FileResponse(
        handle, as_attachment=True, filename=row.original_name, content_type=row.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("<int:pk>/", clue_detail, name="detail"),
    path("<int:pk>/reporter/", reporter, name="reporter"),
    path("<int:pk>/do/<str:name>/", clue_action, name="action"),
    path("<int:pk>/subjects/search/", subject_search, name="subject_search"),
    path("subjects/<int:pk>/<str:name>/", subject_action, name="subject_action"),
    path("attachments/<int:pk>/", attachment, name="attachment"),
]
