"""The actions taken from a clue's detail page: each opens its form inline (htmx GET of
clues:action or clues:subject_action), the POST runs the matching clues.actions function and
returns to the page. Bad input stays in the form beside its field (200); a step no longer possible
or someone else's change first is a message at the top of the page (409); a missing right is 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from zhengdun.accounts.current import current_user
from zhengdun.accounts.models import User
from zhengdun.clues import actions, workflow
from zhengdun.clues import forms_actions as f
from zhengdun.clues.models import (
    Clue,
    ClueSubject,
)
from zhengdun.clues.views.detail import _ledger_url, _load, _load_subject, _refused, _render_page
from zhengdun.core.errors import ConflictError, InvalidTransition
from zhengdun.core.pages import HtmxRequest
from zhengdun.org.forms import apply_errors

# --- what each action is: its form, the clues.actions call, its workflow row -----------------


@dataclass(frozen=True)
class Spec:
    """One action of the page: the workflow row that gates it, its form, and how a valid form
    becomes a clues.actions call (returning the message shown after it succeeded)."""

    workflow: str
    form: type[f.ActionForm]
    run: Callable[[User, Clue, dict[str, Any], Any], str]
    multipart: bool = False

    @property
    def label(self) -> str:
        return workflow.ACTIONS[self.workflow].label


# Each runner takes (user, clue, valid form, subject) and returns the message shown afterwards.
Data = dict[str, Any]


def _assign(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.assign_clue(
        user, clue, unit=d["unit"], handler=d["handler"], deadline=d["deadline"], note=d["note"]
    )
    return f"已交办{d['unit'].name}，办理时限{clue.deadline:%Y-%m-%d}"


def _return(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.return_clue(user, clue, reason=d["reason"])
    return "已退回教育整顿办"


def _propose(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.propose_disposition(user, clue, disposition=d["disposition"], reason=d["reason"])
    return "处置意见已提交审批"


def _approve_disposition(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.approve_disposition(user, clue, comment=d["comment"])
    return f"已批准处置方式：{clue.get_disposition_display()}"


def _reject_disposition(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.reject_disposition(user, clue, comment=d["reason"])
    return "已退回处置意见"


def _reactivate(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.reactivate_clue(user, clue, reason=d["reason"])
    return "线索已重新启用"


def _submit_closure(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.submit_closure(user, clue, reason=d["reason"])
    return "已提请办结审批"


def _approve_closure(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.approve_closure(user, clue, comment=d["comment"])
    return "已批准办结"


def _reject_closure(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.reject_closure(user, clue, comment=d["reason"])
    return "已退回办结申请"


def _feedback(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.record_feedback(
        user,
        clue,
        method=d["method"],
        fed_back_on=d["fed_back_on"],
        content=d["content"],
        opinion=d["opinion"],
    )
    return "已记录反馈情况"


def _archive(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.archive_clue(user, clue)
    return "线索已归档"


def _transfer(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.transfer_clue(
        user,
        clue,
        target=d["target"],
        receiver=d["receiver"],
        reason=d["reason"],
        transferred_on=d["transferred_on"],
    )
    return f"线索已移交{d['receiver']}"


def _merge(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.merge_clue(user, clue, into=d["into"], reason=d["reason"])
    return f"已作为重复件并入线索{d['into'].number}"


def _reopen(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.reopen_clue(user, clue, reason=d["reason"])
    return "线索已重新办理"


def _edit(user: User, clue: Clue, d: Data, _s: Any) -> str:
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


def _add_subject(user: User, clue: Clue, d: Data, _s: Any) -> str:
    if d.get("person"):
        values = {"person_id": d["person"].pk}
    else:
        values = {"name": d["name"], "unit_text": d["unit_text"], "position": d["position"]}
    return f"已添加被反映人{actions.add_subject(user, clue, values).name}"


def _record_case(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.record_case(user, clue, proposed_on=d["proposed_on"], filed_on=d["filed_on"])
    return "已登记立案情况"


def _request_extension(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.request_extension(user, clue, new_deadline=d["new_deadline"], reason=d["reason"])
    return "延期申请已提交审批"


def _decide_extension(user: User, clue: Clue, d: Data, _s: Any) -> str:
    approve = d["decision"] == "approve"
    actions.decide_extension(user, clue, approve=approve, comment=d["reason"])
    return f"已同意延期，办理时限调整为{clue.deadline:%Y-%m-%d}" if approve else "已不同意延期"


def _supervise(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.supervise_clue(
        user, clue, level=d["level"], reason=d["reason"], note=d["note"], report_by=d["report_by"]
    )
    return "已督办"


def _transfer_outcome(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.record_transfer_outcome(
        user, d["transfer"], outcome=d["outcome"], result=d["outcome_result"], outcome_on=d["outcome_on"]
    )
    return "已登记移交结果"


def _attach(user: User, clue: Clue, d: Data, _s: Any) -> str:
    return f"已上传附件{actions.add_attachment(user, clue, upload=d['file']).original_name}"


def _name_viewers(user: User, clue: Clue, d: Data, _s: Any) -> str:
    actions.name_viewers(user, clue, users=list(d["users"]))
    return "已保存知悉人"


def _record_result(user: User, clue: Clue, d: Data, s: ClueSubject) -> str:
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


def _set_cleared(user: User, clue: Clue, d: Data, s: ClueSubject) -> str:
    actions.set_cleared(user, s, cleared=d["cleared"], note=d["note"])
    return f"已为{s.name}澄清正名" if d["cleared"] else f"已撤销{s.name}的澄清正名"


def _record_measure(user: User, clue: Clue, d: Data, s: ClueSubject) -> str:
    actions.add_measure(user, s, kind=d["kind"], decided_on=d["decided_on"], note=d["note"])
    return f"已录入{s.name}的处理措施"


def _remove_measure(user: User, clue: Clue, d: Data, s: ClueSubject) -> str:
    actions.remove_measure(user, d["measure"])
    return "已删除处理措施"


def _remove_subject(user: User, clue: Clue, d: Data, s: ClueSubject) -> str:
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


def _initial(request: HtmxRequest, name: str) -> dict[str, Any]:
    # The assign form reloads itself when the unit changes; 并件 from the duplicates list
    # arrives with the number of the clue to merge into.
    if name == "assign":
        return {k: request.GET.get(k) for k in ("unit", "handler", "deadline", "note") if request.GET.get(k)}
    if name == "merge" and request.GET.get("into"):
        return {"into": request.GET["into"][:32]}
    return {}


def _perform(
    request: HtmxRequest, clue: Clue, name: str, spec: Spec, subject: ClueSubject | None = None
) -> HttpResponse:
    user = current_user(request)
    try:
        workflow.check(user, clue, spec.workflow)
    except (InvalidTransition, PermissionDenied) as exc:
        return _refused(request, clue, exc)
    if request.method == "GET":
        form = spec.form(initial=_initial(request, name), user=user, clue=clue, subject=subject)
    else:
        form = spec.form(request.POST, request.FILES, user=user, clue=clue, subject=subject)
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
                    retry = spec.form(data, user=user, clue=clue, subject=subject)
                    keep = _form_context(clue, name, spec, retry, subject)
                return _refused(request, clue, exc, open_form=keep)
            else:
                return _done(request, clue, message)
    context = _form_context(clue, name, spec, form, subject)
    if request.htmx:
        return render(request, context["template"], context)
    return _render_page(request, clue, open_form=context)


def _done(request: HtmxRequest, clue: Clue, message: str) -> HttpResponse:
    messages.success(request, message)
    url = reverse("clues:detail", args=[clue.pk])
    if not workflow.may_see(current_user(request), clue):
        # e.g. the user left themself off a 重要 clue's viewers: the page is no longer theirs.
        url = _ledger_url()
    if request.htmx:
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def clue_action(request: HtmxRequest, pk: int, name: str) -> HttpResponse:
    clue = _load(current_user(request), pk)
    spec = ACTION_SPECS.get(name)
    if spec is None:
        raise Http404("没有该操作")
    return _perform(request, clue, name, spec)


@login_required
@require_http_methods(["GET", "POST"])
def subject_action(request: HtmxRequest, pk: int, name: str) -> HttpResponse:
    subject = _load_subject(current_user(request), pk)
    spec = SUBJECT_SPECS.get(name)
    if spec is None:
        raise Http404("没有该操作")
    return _perform(request, subject.clue, name, spec, subject)


urlpatterns: list[URLPattern] = [
    path("<int:pk>/do/<str:name>/", clue_action, name="action"),
    path("subjects/<int:pk>/<str:name>/", subject_action, name="subject_action"),
]
