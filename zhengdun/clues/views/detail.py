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
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengdun.accounts import permissions
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
from zhengdun.clues.workflow import EVENT_LABELS
from zhengdun.core import files
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
    run: Callable[[Any, Clue, dict[str, Any], Any], str]
    multipart: bool = False

    @property
    def label(self) -> str:
        return workflow.ACTIONS[self.workflow].label


# Each runner takes (user, clue, valid form, subject) and returns the message shown afterwards.
Data = dict[str, Any]


def _assign(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.assign_clue(
        user, clue, unit=d["unit"], handler=d["handler"], deadline=d["deadline"], note=d["note"]
    )
    return f"已交办{d['unit'].name}，办理时限{clue.deadline:%Y-%m-%d}"


def _return(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.return_clue(user, clue, reason=d["reason"])
    return "已退回教育整顿办"


def _propose(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.propose_disposition(user, clue, disposition=d["disposition"], reason=d["reason"])
    return "处置意见已提交审批"


def _approve_disposition(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.approve_disposition(user, clue, comment=d["comment"])
    return f"已批准处置方式：{clue.get_disposition_display()}"


def _reject_disposition(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.reject_disposition(user, clue, comment=d["reason"])
    return "已退回处置意见"


def _reactivate(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.reactivate_clue(user, clue, reason=d["reason"])
    return "线索已重新启用"


def _submit_closure(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.submit_closure(user, clue, reason=d["reason"])
    return "已提请办结审批"


def _approve_closure(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.approve_closure(user, clue, comment=d["comment"])
    return "已批准办结"


def _reject_closure(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.reject_closure(user, clue, comment=d["reason"])
    return "已退回办结申请"


def _feedback(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.record_feedback(
        user,
        clue,
        method=d["method"],
        fed_back_on=d["fed_back_on"],
        content=d["content"],
        opinion=d["opinion"],
    )
    return "已记录反馈情况"


def _archive(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.archive_clue(user, clue)
    return "线索已归档"


def _transfer(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.transfer_clue(
        user,
        clue,
        target=d["target"],
        receiver=d["receiver"],
        reason=d["reason"],
        transferred_on=d["transferred_on"],
    )
    return f"线索已移交{d['receiver']}"


def _merge(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.merge_clue(user, clue, into=d["into"], reason=d["reason"])
    return f"已作为重复件并入线索{d['into'].number}"


def _reopen(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.reopen_clue(user, clue, reason=d["reason"])
    return "线索已重新办理"


def _edit(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.update_clue(
        user,
        clue,
        version=d["version"],
        categories=list(d["categories"]),
        channel_id=d["channel"].pk,
        received_on=d["received_on"],
        external_ref=d["external_ref"].strip(),
        reporting_mode=d["reporting_mode"],
        summary=d["summary"],
        content=d["content"],
        sensitivity=d["sensitivity"],
    )
    return "已保存登记信息的修改"


def _add_subject(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    if d.get("person"):
        values = {"person_id": d["person"].pk}
    else:
        values = {"name": d["name"], "unit_text": d["unit_text"], "position": d["position"]}
    return f"已添加被反映人{actions.add_subject(user, clue, values).name}"


def _record_case(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.record_case(user, clue, proposed_on=d["proposed_on"], filed_on=d["filed_on"])
    return "已登记立案情况"


def _request_extension(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.request_extension(user, clue, new_deadline=d["new_deadline"], reason=d["reason"])
    return "延期申请已提交审批"


def _decide_extension(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    approve = d["decision"] == "approve"
    actions.decide_extension(user, clue, approve=approve, comment=d["reason"])
    return f"已同意延期，办理时限调整为{clue.deadline:%Y-%m-%d}" if approve else "已不同意延期"


def _supervise(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.supervise_clue(
        user, clue, level=d["level"], reason=d["reason"], note=d["note"], report_by=d["report_by"]
    )
    return "已督办"


def _transfer_outcome(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.record_transfer_outcome(
        user, d["transfer"], outcome=d["outcome"], result=d["outcome_result"], outcome_on=d["outcome_on"]
    )
    return "已登记移交结果"


def _attach(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    return f"已上传附件{actions.add_attachment(user, clue, upload=d['file']).original_name}"


def _name_viewers(user: Any, clue: Clue, d: Data, _s: Any) -> str:
    actions.name_viewers(user, clue, users=list(d["users"]))
    return "已保存知悉人"


def _record_result(user: Any, clue: Clue, d: Data, s: ClueSubject) -> str:
    actions.record_result(
        user,
        s,
        result=d["result"],
        note=d["result_note"],
        verified_amount=d.get("verified_amount"),
        finding_categories=list(d.get("finding_categories") or []),
        expected_result=d.get("expected_result"),
    )
    return f"已录入{s.name}的核查结论"


def _set_cleared(user: Any, clue: Clue, d: Data, s: ClueSubject) -> str:
    actions.set_cleared(user, s, cleared=d["cleared"], note=d["note"])
    return f"已为{s.name}澄清正名" if d["cleared"] else f"已撤销{s.name}的澄清正名"


def _record_measure(user: Any, clue: Clue, d: Data, s: ClueSubject) -> str:
    actions.add_measure(user, s, kind=d["kind"], decided_on=d["decided_on"], note=d["note"])
    return f"已录入{s.name}的处理措施"


def _remove_measure(user: Any, clue: Clue, d: Data, s: ClueSubject) -> str:
    actions.remove_measure(user, d["measure"])
    return "已删除处理措施"


def _remove_subject(user: Any, clue: Clue, d: Data, s: ClueSubject) -> str:
    actions.remove_subject(user, s)
    return f"已删除被反映人{s.name}"


ACTION_SPECS: dict[str, Spec] = {
    "assign": Spec("assign", f.AssignForm, _assign),
    "return_to_office": Spec("return_to_office", f.ReturnForm, _return),
    "propose_disposition": Spec("propose_disposition", f.ProposeDispositionForm, _propose),
    "approve_disposition": Spec("approve_disposition", f.ApproveDispositionForm, _approve_disposition),
    "reject_disposition": Spec("reject_disposition", f.RejectDispositionForm, _reject_disposition),
    "reactivate": Spec("reactivate", f.ReactivateForm, _reactivate),
    "submit_closure": Spec("submit_closure", f.SubmitClosureForm, _submit_closure),
    "approve_closure": Spec("approve_closure", f.ApproveClosureForm, _approve_closure),
    "reject_closure": Spec("reject_closure", f.RejectClosureForm, _reject_closure),
    "record_feedback": Spec("record_feedback", f.RecordFeedbackForm, _feedback),
    "archive": Spec("archive", f.ArchiveForm, _archive),
    "transfer": Spec("transfer", f.TransferForm, _transfer),
    "merge": Spec("merge", f.MergeForm, _merge),
    "reopen": Spec("reopen", f.ReopenForm, _reopen),
    "edit": Spec("edit", f.EditForm, _edit),
    "edit_subjects": Spec("edit_subjects", f.AddSubjectForm, _add_subject),
    "record_case": Spec("record_case", f.RecordCaseForm, _record_case),
    "request_extension": Spec("request_extension", f.RequestExtensionForm, _request_extension),
    "decide_extension": Spec("decide_extension", f.DecideExtensionForm, _decide_extension),
    "supervise": Spec("supervise", f.SuperviseForm, _supervise),
    "record_transfer_outcome": Spec(
        "record_transfer_outcome", f.RecordTransferOutcomeForm, _transfer_outcome
    ),
    "attach": Spec("attach", f.AttachForm, _attach, multipart=True),
    "name_viewers": Spec("name_viewers", f.NameViewersForm, _name_viewers),
}

# Actions on one subject (被反映人), each gated by the workflow row it names.
SUBJECT_SPECS: dict[str, Spec] = {
    "record_result": Spec("record_result", f.RecordResultForm, _record_result),
    "set_cleared": Spec("record_result", f.SetClearedForm, _set_cleared),
    "record_measure": Spec("record_measure", f.RecordMeasureForm, _record_measure),
    "remove_measure": Spec("record_measure", f.RemoveMeasureForm, _remove_measure),
    "remove_subject": Spec("edit_subjects", f.RemoveSubjectForm, _remove_subject),
}

SUBJECT_TITLES = {
    "record_result": "录入核查结论",
    "set_cleared": "澄清正名",
    "record_measure": "录入处理措施",
    "remove_measure": "删除处理措施",
    "remove_subject": "删除被反映人",
}

# Offered in the 被反映人 panel (on each subject's card, or its heading) rather than the action bar.
SUBJECT_LEVEL = frozenset({"record_result", "record_measure", "edit_subjects"})

# Timeline labels of the steps that are not rows of the workflow table.

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


# Other capabilities add a panel to each subject card here (e.g. selfreports: 从宽从严依据) from
# their AppConfig.ready, so this page needs no import of them. Each is called with (user, clue,
# subjects) and appends (template, context) pairs to subject.panels.
SUBJECT_PANELS: list[Callable[[Any, Clue, list[ClueSubject]], None]] = []


def _page_context(user: Any, clue: Clue) -> dict[str, Any]:
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
        response["HX-Reswap"] = "outerHTML show:window:top"
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
                    message = spec.run(user, clue, form.cleaned_data, subject)
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
    return files.serve(request.user, row, "clue.attachment_downloaded", clue)


urlpatterns: list[URLPattern] = [
    path("<int:pk>/", clue_detail, name="detail"),
    path("<int:pk>/reporter/", reporter, name="reporter"),
    path("<int:pk>/do/<str:name>/", clue_action, name="action"),
    path("<int:pk>/subjects/search/", subject_search, name="subject_search"),
    path("subjects/<int:pk>/<str:name>/", subject_action, name="subject_action"),
    path("attachments/<int:pk>/", attachment, name="attachment"),
]
