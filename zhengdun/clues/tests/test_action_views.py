"""The actions of the clue detail page, through the views: which buttons each user sees in each
state, what a POST does, and every way it is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.html import escape

from zhengdun.accounts.roles import Role
from zhengdun.audit.models import Entry
from zhengdun.clues import actions, deadlines, workflow
from zhengdun.clues import testing as ct
from zhengdun.clues.models import (
    Category,
    Clue,
    ClueViewer,
    Disposition,
    Event,
    Feedback,
    Measure,
    MeasureKind,
    Request,
    Result,
    Sensitivity,
    Status,
    Transfer,
)
from zhengdun.clues.tests.detail_helpers import (
    HX,
    action_url,
    client_for,
    clue_in,
    days_ago,
    detail_url,
    fast_passwords,  # noqa: F401 - autouse fixture
    grant,
    offered,
    subject_url,
    toolbar,
)

pytestmark = pytest.mark.django_db

USERS = ("office_handler", "leader_a", "handler_a", "handler_b", "officer_a", "outsider")
STATES = (
    Status.REGISTERED,
    Status.ASSIGNED,
    Status.DISPOSITION_PENDING,
    Status.HANDLING,
    Status.ON_HOLD,
    Status.CLOSURE_PENDING,
    Status.CLOSED,
    Status.FED_BACK,
    Status.ARCHIVED,
    Status.TRANSFERRED,
    Status.MERGED,
)


def today() -> dt.date:
    return timezone.localdate()


def iso(day: dt.date) -> str:
    return day.strftime("%Y-%m-%d")


def audited(clue: Clue, code: str) -> bool:
    return Entry.objects.filter(action=code, object_id=str(clue.pk)).exists()


def snapshot(clue: Clue) -> tuple:
    fresh = Clue.objects.get(pk=clue.pk)
    return (fresh.status, fresh.version, Event.objects.filter(clue=clue).count(), Entry.objects.count())


def post(user, url, data=None, **extra):
    return client_for(user).post(url, data or {}, **extra)


# --- which buttons ----------------------------------------------------------------------------


def expected_bar(user, clue: Clue) -> set[str]:
    """What the bar must offer: the workflow's answer, less the per-subject steps (on the subject
    cards) and steps with nothing to act on yet."""
    names = {a.name for a in workflow.available(user, clue)} - {
        "record_result",
        "record_measure",
        "edit_subjects",
    }
    pending = set(clue.requests.filter(decision="").values_list("kind", flat=True))
    if Request.Kind.EXTENSION not in pending:
        names.discard("decide_extension")
    if clue.deadline is None or Request.Kind.EXTENSION in pending:
        names.discard("request_extension")
    if not clue.transfers.exists():
        names.discard("record_transfer_outcome")
    if clue.disposition != Disposition.PRELIMINARY_CHECK:
        names.discard("record_case")
    if clue.sensitivity != Sensitivity.IMPORTANT:
        names.discard("name_viewers")
    return names


@pytest.mark.parametrize("status", STATES)
def test_it_offers_exactly_the_actions_the_workflow_allows(city, status):
    clue = clue_in(city, status)
    for who in USERS:
        user = getattr(city, who)
        response = client_for(user).get(detail_url(clue))
        if not workflow.may_see(user, clue):
            assert response.status_code == 404, who
            continue
        assert response.status_code == 200, who
        html = response.content.decode()
        assert toolbar(html) == expected_bar(user, clue), (who, status)
        allowed = {a.name for a in workflow.available(user, clue)}
        for name in ("record_result", "edit_subjects"):  # offered in the 被反映人 panel
            assert (name in offered(html)) == (name in allowed), (who, status, name)


def test_it_offers_the_handler_a_proposal_and_not_the_office(city):
    clue = clue_in(city, Status.ASSIGNED)
    handler_html = client_for(city.handler_a).get(detail_url(clue)).content.decode()
    office_html = client_for(city.office_handler).get(detail_url(clue)).content.decode()
    assert "propose_disposition" in toolbar(handler_html) and "提出处置意见" in handler_html
    assert "return_to_office" in toolbar(handler_html)
    assert "propose_disposition" not in toolbar(office_html)
    assert "提出处置意见" not in office_html


def test_it_offers_the_leader_approval_and_not_the_handler(city):
    clue = clue_in(city, Status.DISPOSITION_PENDING)
    leader_bar = toolbar(client_for(city.leader_a).get(detail_url(clue)).content.decode())
    handler_bar = toolbar(client_for(city.handler_a).get(detail_url(clue)).content.decode())
    assert {"approve_disposition", "reject_disposition"} <= leader_bar
    assert not {"approve_disposition", "reject_disposition"} & handler_bar


def test_it_offers_the_office_assignment_of_a_registered_clue(city):
    clue = ct.register(city)
    html = client_for(city.office_handler).get(detail_url(clue)).content.decode()
    assert toolbar(html) >= {"assign", "transfer", "merge", "edit", "supervise", "attach"}
    assert 'data-action="edit_subjects"' in html and "添加被反映人" in html


def test_it_offers_nothing_to_a_recused_holder_of_every_right(city):
    from zhengdun.clues.tests.detail_helpers import recused_user

    clue = clue_in(city, Status.ASSIGNED)
    user = recused_user(city)
    assert client_for(user).get(detail_url(clue)).status_code == 404
    assert post(user, action_url(clue, "return_to_office"), {"reason": "x"}).status_code == 404
    assert Clue.objects.get(pk=clue.pk).status == Status.ASSIGNED


# --- opening a form ------------------------------------------------------------------------------


def test_it_returns_the_form_as_a_fragment_for_htmx(city):
    clue = ct.register(city)
    response = client_for(city.office_handler).get(action_url(clue, "assign"), **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'data-form="assign"' in html
    assert iso(deadlines.handling_deadline(clue.channel, list(clue.categories.all()), today())) in html


def test_it_opens_the_form_on_the_page_without_htmx(city):
    clue = ct.register(city)
    response = client_for(city.office_handler).get(action_url(clue, "assign"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and 'data-form="assign"' in html and clue.number in html


def test_it_reloads_the_handlers_of_the_chosen_unit(city):
    clue = ct.register(city)
    url = action_url(clue, "assign") + f"?unit={city.court_a.pk}"
    html = client_for(city.office_handler).get(url, **HX).content.decode()
    handler_part = html[html.index('id="field-handler"') :]
    assert "handler_a（甲县人民法院）" in handler_part
    assert "handler_b" not in handler_part


def test_it_refuses_to_open_a_form_the_user_may_not_use(city):
    clue = clue_in(city, Status.ASSIGNED)
    response = client_for(city.office_handler).get(action_url(clue, "propose_disposition"))
    assert response.status_code == 403
    assert "提出处置意见" in response.content.decode()


def test_it_refuses_to_open_a_form_in_the_wrong_state(city):
    clue = clue_in(city, Status.HANDLING)
    response = client_for(city.handler_a).get(action_url(clue, "propose_disposition"))
    assert response.status_code == 409
    assert "线索当前状态为“办理中”，不能执行“提出处置意见”" in response.content.decode()


def test_it_answers_404_for_an_unknown_action(city):
    clue = ct.register(city)
    assert client_for(city.office_handler).get(action_url(clue, "delete_everything")).status_code == 404
    assert post(city.office_handler, action_url(clue, "delete_everything")).status_code == 404


# --- assign --------------------------------------------------------------------------------------


def test_it_assigns_through_the_view(city):
    clue = ct.register(city)
    deadline = today() + dt.timedelta(days=20)
    client = client_for(city.office_handler)
    response = client.post(
        action_url(clue, "assign"),
        {
            "unit": city.court_a.pk,
            "handler": city.handler_a.pk,
            "deadline": iso(deadline),
            "note": "请依规办理",
        },
    )
    assert response.status_code == 302 and response["Location"] == detail_url(clue)
    clue.refresh_from_db()
    assert (clue.status, clue.handling_unit, clue.handler, clue.deadline) == (
        Status.ASSIGNED,
        city.court_a,
        city.handler_a,
        deadline,
    )
    assert Event.objects.filter(clue=clue, action="assign", note="请依规办理").exists()
    assert audited(clue, "clue.assign")
    page = client.get(detail_url(clue)).content.decode()
    assert "已交办甲县人民法院" in page  # the message after the redirect


def test_it_assigns_with_the_rule_deadline_when_left_blank(city):
    clue = ct.register(city)
    post(city.office_handler, action_url(clue, "assign"), {"unit": city.court_a.pk, "deadline": ""})
    clue.refresh_from_db()
    rule = deadlines.handling_deadline(clue.channel, list(clue.categories.all()), today())
    assert clue.status == Status.ASSIGNED and clue.deadline == rule and clue.handler is None


def test_it_answers_htmx_success_with_a_redirect_header(city):
    clue = ct.register(city)
    response = post(city.office_handler, action_url(clue, "assign"), {"unit": city.court_a.pk}, **HX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == detail_url(clue)


def test_it_refuses_an_area_unit_and_keeps_the_input(city):
    clue = ct.register(city)
    before = snapshot(clue)
    response = post(
        city.office_handler, action_url(clue, "assign"), {"unit": city.county_a.pk, "note": "交办意见甲乙丙"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "所选单位不存在或不在您的交办范围内" in html
    assert "交办意见甲乙丙" in html
    assert snapshot(clue) == before


def test_it_refuses_a_deadline_before_the_received_date(city):
    clue = ct.register(city, received_on=days_ago(10))
    before = snapshot(clue)
    response = post(
        city.office_handler,
        action_url(clue, "assign"),
        {"unit": city.court_a.pk, "deadline": iso(days_ago(11))},
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "办理时限不能早于受理日期" in html
    assert f'value="{iso(days_ago(11))}"' in html
    assert snapshot(clue) == before


def test_it_refuses_a_handler_of_another_unit(city):
    clue = ct.register(city)
    response = post(
        city.office_handler,
        action_url(clue, "assign"),
        {"unit": city.court_a.pk, "handler": city.handler_b.pk},
    )
    assert response.status_code == 200
    assert "所选承办人不是承办单位的单位承办人" in response.content.decode()
    assert Clue.objects.get(pk=clue.pk).status == Status.REGISTERED


def test_it_refuses_a_malformed_date_in_chinese(city):
    clue = ct.register(city)
    response = post(
        city.office_handler, action_url(clue, "assign"), {"unit": city.court_a.pk, "deadline": "下周"}
    )
    assert "日期格式不正确" in response.content.decode()


# --- refusals common to every action ---------------------------------------------------------------


def test_it_answers_403_to_a_user_without_the_right(city):
    clue = clue_in(city, Status.ASSIGNED)
    before = snapshot(clue)
    response = post(
        city.office_handler, action_url(clue, "propose_disposition"), {"disposition": "CH", "reason": "x"}
    )
    assert response.status_code == 403
    assert "您没有对该线索执行“提出处置意见”的权限" in response.content.decode()
    assert snapshot(clue) == before


def test_it_answers_404_to_a_user_out_of_scope(city):
    clue = clue_in(city, Status.ASSIGNED)
    before = snapshot(clue)
    for user in (city.handler_b, city.outsider, city.officer_a):
        response = post(user, action_url(clue, "propose_disposition"), {"disposition": "CH", "reason": "x"})
        assert response.status_code == 404
    assert snapshot(clue) == before


def test_it_answers_409_in_the_wrong_state_and_changes_nothing(city):
    clue = clue_in(city, Status.HANDLING)
    before = snapshot(clue)
    response = post(
        city.handler_a, action_url(clue, "propose_disposition"), {"disposition": "TH", "reason": "再议"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'class="page-alert"' in html and "不能执行“提出处置意见”" in html
    assert snapshot(clue) == before


def test_it_replaces_the_stale_page_on_an_htmx_conflict(city):
    clue = clue_in(city, Status.ASSIGNED)
    # someone else proposed first
    actions.propose_disposition(city.handler_a, clue, disposition="CH", reason="先到")
    response = post(city.handler_a, action_url(clue, "return_to_office"), {"reason": "后到"}, **HX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#clue-page" and response["HX-Reswap"].startswith("outerHTML")
    html = response.content.decode()
    assert "<html" not in html and 'id="clue-page"' in html and "处置待审批" in html
    assert Clue.objects.get(pk=clue.pk).status == Status.DISPOSITION_PENDING


def test_it_refuses_the_proposer_approving_their_own_request(city):
    clue = clue_in(city, Status.DISPOSITION_PENDING)  # proposed by handler_a
    grant(city.handler_a, Role.LEADER, city.court_a)
    client = client_for(city.handler_a)
    page = client.get(detail_url(clue)).content.decode()
    assert "approve_disposition" in toolbar(page)  # the workflow allows the row …
    form = client.get(action_url(clue, "approve_disposition"), **HX).content.decode()
    assert "审批人不能是申请人本人" in form  # … the form warns …
    before = snapshot(clue)
    response = client.post(action_url(clue, "approve_disposition"), {"comment": "同意"})
    assert response.status_code == 403  # … and the action refuses
    assert "审批人不能是申请人本人" in response.content.decode()
    assert snapshot(clue) == before
    assert clue.requests.get().decision == Request.Decision.PENDING


# --- each action through the view ---------------------------------------------------------------


def test_it_returns_a_clue_to_the_office(city):
    clue = clue_in(city, Status.ASSIGNED)
    response = post(city.handler_a, action_url(clue, "return_to_office"), {"reason": "不属本院管辖"})
    assert response.status_code == 302
    clue.refresh_from_db()
    assert clue.status == Status.REGISTERED and clue.handling_unit is None
    assert audited(clue, "clue.return_to_office")


def test_it_requires_a_reason_to_return(city):
    clue = clue_in(city, Status.ASSIGNED)
    response = post(city.handler_a, action_url(clue, "return_to_office"), {"reason": "  "})
    assert response.status_code == 200 and "请填写退回理由" in response.content.decode()
    assert Clue.objects.get(pk=clue.pk).status == Status.ASSIGNED


def test_it_proposes_a_disposition(city):
    clue = clue_in(city, Status.ASSIGNED)
    response = post(
        city.handler_a, action_url(clue, "propose_disposition"), {"disposition": "TH", "reason": "问题较轻"}
    )
    assert response.status_code == 302
    clue.refresh_from_db()
    assert clue.status == Status.DISPOSITION_PENDING
    req = clue.requests.get()
    assert (req.disposition, req.reason, req.requested_by) == ("TH", "问题较轻", city.handler_a)
    assert audited(clue, "clue.propose_disposition")


def test_it_keeps_the_reason_when_the_disposition_is_missing(city):
    clue = clue_in(city, Status.ASSIGNED)
    response = post(city.handler_a, action_url(clue, "propose_disposition"), {"reason": "已写好的理由"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "请选择处置方式" in html and "已写好的理由" in html
    assert Clue.objects.get(pk=clue.pk).status == Status.ASSIGNED


def test_it_approves_a_disposition(city):
    clue = clue_in(city, Status.DISPOSITION_PENDING)
    response = post(city.leader_a, action_url(clue, "approve_disposition"), {"comment": "同意初核"})
    assert response.status_code == 302
    clue.refresh_from_db()
    assert clue.status == Status.HANDLING and clue.disposition == Disposition.PRELIMINARY_CHECK
    req = clue.requests.get()
    assert (req.decision, req.decided_by, req.comment) == ("approved", city.leader_a, "同意初核")
    assert audited(clue, "clue.approve_disposition")


def test_it_rejects_a_disposition_only_with_a_reason(city):
    clue = clue_in(city, Status.DISPOSITION_PENDING)
    response = post(city.leader_a, action_url(clue, "reject_disposition"), {"reason": ""})
    assert response.status_code == 200 and "请填写退回理由" in response.content.decode()
    assert Clue.objects.get(pk=clue.pk).status == Status.DISPOSITION_PENDING
    response = post(city.leader_a, action_url(clue, "reject_disposition"), {"reason": "请补充核实方案"})
    assert response.status_code == 302
    assert Clue.objects.get(pk=clue.pk).status == Status.ASSIGNED
    assert audited(clue, "clue.reject_disposition")


def test_it_reactivates_a_clue_on_hold(city):
    clue = clue_in(city, Status.ON_HOLD)
    response = post(city.handler_a, action_url(clue, "reactivate"), {"reason": "收到新的举报材料"})
    assert response.status_code == 302
    assert Clue.objects.get(pk=clue.pk).status == Status.ASSIGNED
    assert audited(clue, "clue.reactivate")


def test_it_refuses_closure_before_every_result(city):
    clue = clue_in(city, Status.HANDLING)
    response = post(city.handler_a, action_url(clue, "submit_closure"), {"reason": "办结报告全文"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "尚未录入核查结论：张明" in html and "办结报告全文" in html
    assert Clue.objects.get(pk=clue.pk).status == Status.HANDLING


def test_it_submits_and_approves_closure(city):
    clue = clue_in(city, Status.HANDLING)
    subject = clue.subjects.get()
    post(
        city.handler_a, subject_url(subject, "record_result"), {"result": "false", "result_note": "查无实据"}
    )
    response = post(city.handler_a, action_url(clue, "submit_closure"), {"reason": "经核查不属实，建议办结"})
    assert response.status_code == 302
    assert Clue.objects.get(pk=clue.pk).status == Status.CLOSURE_PENDING
    response = post(city.leader_a, action_url(clue, "approve_closure"), {"comment": "同意"})
    assert response.status_code == 302
    clue.refresh_from_db()
    assert clue.status == Status.CLOSED and clue.closed_on == today() and clue.feedback_due is not None
    assert audited(clue, "clue.submit_closure") and audited(clue, "clue.approve_closure")


def test_it_rejects_closure(city):
    clue = clue_in(city, Status.CLOSURE_PENDING)
    response = post(city.leader_a, action_url(clue, "reject_closure"), {"reason": "处理措施未落实"})
    assert response.status_code == 302
    assert Clue.objects.get(pk=clue.pk).status == Status.HANDLING
    assert audited(clue, "clue.reject_closure")


def test_it_records_feedback(city):
    clue = clue_in(city, Status.CLOSED)
    data = {"method": "phone", "fed_back_on": iso(today()), "content": "已告知", "opinion": "satisfied"}
    response = post(city.office_handler, action_url(clue, "record_feedback"), data)
    assert response.status_code == 302
    clue.refresh_from_db()
    assert clue.status == Status.FED_BACK
    assert clue.feedbacks.get().opinion == Feedback.Opinion.SATISFIED
    assert audited(clue, "clue.record_feedback")


def test_it_refuses_feedback_dated_in_the_future(city):
    clue = clue_in(city, Status.CLOSED)
    data = {"method": "phone", "fed_back_on": iso(today() + dt.timedelta(days=1)), "content": "已告知"}
    response = post(city.office_handler, action_url(clue, "record_feedback"), data)
    assert response.status_code == 200 and "反馈日期不能晚于今天" in response.content.decode()
    assert Clue.objects.get(pk=clue.pk).status == Status.CLOSED


def test_it_archives_and_refuses_to_archive_before_the_reply(city):
    closed = clue_in(city, Status.CLOSED)
    response = post(city.office_handler, action_url(closed, "archive"))
    assert response.status_code == 200 and "须先反馈举报人再归档" in response.content.decode()
    assert Clue.objects.get(pk=closed.pk).status == Status.CLOSED
    fed_back = clue_in(city, Status.FED_BACK)
    assert post(city.office_handler, action_url(fed_back, "archive")).status_code == 302
    assert Clue.objects.get(pk=fed_back.pk).status == Status.ARCHIVED
    assert audited(fed_back, "clue.archive")


def test_it_transfers_and_records_the_outcome(city):
    clue = ct.register(city)
    data = {
        "target": "discipline",
        "receiver": "市纪委监委",
        "transferred_on": iso(today()),
        "reason": "涉嫌职务违法",
    }
    assert post(city.office_handler, action_url(clue, "transfer"), data).status_code == 302
    clue.refresh_from_db()
    assert clue.status == Status.TRANSFERRED
    transfer = clue.transfers.get()
    assert transfer.receiver == "市纪委监委"
    assert "record_transfer_outcome" in toolbar(
        client_for(city.office_handler).get(detail_url(clue)).content.decode()
    )
    data = {
        "transfer": transfer.pk,
        "outcome": "已立案审查",
        "outcome_result": "true",
        "outcome_on": iso(today()),
    }
    assert post(city.office_handler, action_url(clue, "record_transfer_outcome"), data).status_code == 302
    transfer.refresh_from_db()
    assert transfer.outcome == "已立案审查" and transfer.outcome_result == Result.TRUE
    assert audited(clue, "clue.transfer") and audited(clue, "clue.transfer_outcome_recorded")


def test_it_refuses_a_transfer_without_a_receiver(city):
    clue = ct.register(city)
    data = {"target": "discipline", "receiver": "", "transferred_on": iso(today()), "reason": "理由已填"}
    response = post(city.office_handler, action_url(clue, "transfer"), data)
    assert response.status_code == 200 and "请填写接收单位" in response.content.decode()
    assert "理由已填" in response.content.decode()
    assert not Transfer.objects.exists()


def test_it_merges_into_a_clue_found_by_number(city):
    first = ct.register(city)
    second = ct.register(city)
    response = post(
        city.office_handler, action_url(second, "merge"), {"into": first.number, "reason": "重复举报"}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == Status.MERGED and second.merged_into == first
    assert audited(second, "clue.merge")


def test_it_refuses_to_merge_into_an_unknown_or_hidden_clue(city):
    second = ct.register(city)
    hidden = ct.register(city, sensitivity=Sensitivity.IMPORTANT, actor=city.office_handler)
    ClueViewer.objects.filter(clue=hidden).delete()  # nobody named: out of everyone's sight
    for number in ("C0000000", hidden.number, second.number):
        response = post(city.office_handler, action_url(second, "merge"), {"into": number})
        assert response.status_code == 200
        assert "未找到编号为" in response.content.decode() or "不能并入线索本身" in response.content.decode()
    assert Clue.objects.get(pk=second.pk).status == Status.REGISTERED


def test_it_reopens_a_closed_clue(city):
    clue = clue_in(city, Status.CLOSED)
    response = post(city.leader_a, action_url(clue, "reopen"), {"reason": "回头看发现新问题"})
    assert response.status_code == 302
    clue.refresh_from_db()
    assert clue.status == Status.HANDLING and clue.closed_on is None
    assert audited(clue, "clue.reopen")


def edit_data(clue: Clue, **changes) -> dict:
    data = {
        "channel": clue.channel_id,
        "received_on": iso(clue.received_on),
        "external_ref": clue.external_ref,
        "reporting_mode": clue.reporting_mode,
        "categories": [c.pk for c in clue.categories.all()],
        "summary": clue.summary,
        "content": clue.content,
        "sensitivity": clue.sensitivity,
        "version": clue.version,
    }
    data.update(changes)
    return data


def test_it_edits_the_registration(city):
    clue = ct.register(city)
    data = edit_data(clue, summary="修改后的摘要", external_ref="12337-9")
    response = post(city.office_handler, action_url(clue, "edit"), data)
    assert response.status_code == 302
    clue.refresh_from_db()
    assert clue.summary == "修改后的摘要" and clue.external_ref == "12337-9"
    assert audited(clue, "clue.edited")


def test_it_edits_the_received_date(city):
    clue = ct.register(city)
    response = post(
        city.office_handler, action_url(clue, "edit"), edit_data(clue, received_on=iso(days_ago(5)))
    )
    assert response.status_code == 302
    assert Clue.objects.get(pk=clue.pk).received_on == days_ago(5)
    html = client_for(city.office_handler).get(detail_url(clue)).content.decode()
    assert f"{iso(days_ago(3))} → {iso(days_ago(5))}" in html  # shown in the timeline


def test_it_shows_a_conflict_on_a_stale_version_and_keeps_the_input(city):
    clue = ct.register(city)
    stale = edit_data(clue, summary="我的修改")
    actions.update_clue(city.office_handler, clue, version=clue.version, summary="他人先改")
    response = post(city.office_handler, action_url(clue, "edit"), stale)
    html = response.content.decode()
    assert response.status_code == 409
    assert "该线索已被他人处理或修改" in html
    assert "我的修改" in html  # the typed text is still in the form
    assert f'name="version" value="{Clue.objects.get(pk=clue.pk).version}"' in html
    assert Clue.objects.get(pk=clue.pk).summary == "他人先改"


def test_it_refuses_a_future_received_date_beside_the_field(city):
    clue = ct.register(city)
    data = edit_data(clue, received_on=iso(today() + dt.timedelta(days=3)))
    response = post(city.office_handler, action_url(clue, "edit"), data)
    assert response.status_code == 200 and "受理日期不能晚于今天" in response.content.decode()


def test_it_adds_and_removes_subjects(city):
    clue = ct.register(city)
    url = action_url(clue, "edit_subjects")
    assert post(city.office_handler, url, {"name": "某辅警", "unit_text": "城关派出所"}).status_code == 302
    assert post(city.office_handler, url, {"person": city.people["judge_b"].pk}).status_code == 302
    names = set(clue.subjects.values_list("name", flat=True))
    assert names == {"张明", "某辅警", "李华"}
    added = clue.subjects.get(name="某辅警")
    assert post(city.office_handler, subject_url(added, "remove_subject")).status_code == 302
    assert not clue.subjects.filter(name="某辅警").exists()
    assert audited(clue, "clue.subject_added") and audited(clue, "clue.subject_removed")


def test_it_refuses_an_empty_subject(city):
    clue = ct.register(city)
    response = post(city.office_handler, action_url(clue, "edit_subjects"), {"unit_text": "某单位"})
    html = response.content.decode()
    assert response.status_code == 200 and "请从名册选择被反映人，或填写其姓名" in html and "某单位" in html
    assert clue.subjects.count() == 1


def test_it_finds_people_in_the_roster_for_a_subject(city):
    clue = ct.register(city)
    html = (
        client_for(city.office_handler)
        .get(f"/clues/{clue.pk}/subjects/search/?q=李华", **HX)
        .content.decode()
    )
    assert "李华" in html and f'value="{city.people["judge_b"].pk}"' in html
    html = (
        client_for(city.office_handler)
        .get(f"/clues/{clue.pk}/subjects/search/?q=张明", **HX)
        .content.decode()
    )
    assert f'value="{city.people["judge_a"].pk}"' not in html  # already a subject


def test_it_drops_control_characters_from_a_roster_search_term(city):
    # a search term is never stored: core.text.query_term drops what no text may hold
    clue = ct.register(city)
    response = client_for(city.office_handler).get(
        f"/clues/{clue.pk}/subjects/search/", {"q": "李\x00华\x07"}, **HX
    )
    assert response.status_code == 200
    assert response.context["q"] == "李华"
    assert f'value="{city.people["judge_b"].pk}"' in response.content.decode()


def test_it_records_results_measures_and_clearing_per_subject(city):
    clue = clue_in(city, Status.HANDLING)
    subject = clue.subjects.get()
    assert post(city.handler_a, subject_url(subject, "record_result"), {"result": "true"}).status_code == 302
    data = {"kind": MeasureKind.ADMONITION, "decided_on": iso(today()), "note": "诫勉谈话"}
    assert post(city.handler_a, subject_url(subject, "record_measure"), data).status_code == 302
    subject.refresh_from_db()
    assert subject.result == Result.TRUE and subject.xingtai == 1
    measure = Measure.objects.get(subject=subject)
    response = post(city.handler_a, subject_url(subject, "remove_measure"), {"measure": measure.pk})
    assert response.status_code == 302 and not Measure.objects.exists()
    post(city.handler_a, subject_url(subject, "record_result"), {"result": "false"})
    assert post(city.handler_a, subject_url(subject, "set_cleared"), {"cleared": "on"}).status_code == 302
    subject.refresh_from_db()
    assert subject.cleared
    for code in ("result_recorded", "measure_recorded", "measure_removed", "cleared"):
        assert audited(clue, f"clue.{code}"), code


def test_it_records_the_verified_amount_and_finding_categories_from_the_page(city):
    clue = clue_in(city, Status.HANDLING)
    subject = clue.subjects.get()
    url = subject_url(subject, "record_result")
    gj1 = Category.objects.get(code="GJ1")
    response = post(city.handler_a, url, {"result": "true", "verified_amount": "五万"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "查实金额须为数字" in page and 'value="五万"' in page  # named, and the input kept
    response = post(city.handler_a, url, {"result": "false", "verified_amount": "100"})
    assert "核查结论为属实或部分属实的，才能填写查实金额" in response.content.decode()
    subject.refresh_from_db()
    assert subject.result == ""
    data = {"result": "true", "verified_amount": "52000", "finding_categories": [gj1.pk]}
    assert post(city.handler_a, url, data).status_code == 302
    subject.refresh_from_db()
    assert subject.verified_amount == 52000 and list(subject.finding_categories.all()) == [gj1]
    page = client_for(city.handler_a).get(f"/clues/{clue.pk}/").content.decode()
    assert "查实金额 52000.00 元" in page, page[page.find("subject-tags") :][:600]
    assert f"查实：{escape(gj1.name)}" in page


def test_it_refuses_subject_steps_to_others(city):
    clue = clue_in(city, Status.HANDLING)
    subject = clue.subjects.get()
    response = post(city.office_handler, subject_url(subject, "record_result"), {"result": "true"})
    assert response.status_code == 403
    assert post(city.handler_b, subject_url(subject, "record_result"), {"result": "true"}).status_code == 404
    assert client_for(city.handler_a).get("/clues/subjects/999999/record_result/").status_code == 404
    subject.refresh_from_db()
    assert subject.result == ""


def test_it_refuses_a_measure_before_a_substantiated_result(city):
    clue = clue_in(city, Status.HANDLING)
    subject = clue.subjects.get()
    data = {"kind": MeasureKind.GOV_DEMERIT, "decided_on": iso(today())}
    response = post(city.handler_a, subject_url(subject, "record_measure"), data)
    assert response.status_code == 200
    assert "核查结论为属实或部分属实的，才能录入处理措施" in response.content.decode()
    assert not Measure.objects.exists()


def test_it_groups_measures_by_kind_in_the_form(city):
    clue = clue_in(city, Status.HANDLING)
    subject = clue.subjects.get()
    actions.record_result(city.handler_a, subject, result=Result.TRUE)
    html = client_for(city.handler_a).get(subject_url(subject, "record_measure"), **HX).content.decode()
    for group in ("第一种形态", "党纪处分", "政务处分", "组织处理", "移送司法"):
        assert f'<optgroup label="{group}">' in html


def test_it_records_a_case(city):
    clue = clue_in(city, Status.HANDLING)
    response = post(city.handler_a, action_url(clue, "record_case"), {"proposed_on": iso(today())})
    assert response.status_code == 302
    assert Clue.objects.get(pk=clue.pk).case_proposed_on == today()
    response = post(city.handler_a, action_url(clue, "record_case"), {})
    assert response.status_code == 200 and "请至少填写拟立案日期或立案日期" in response.content.decode()


def test_it_requests_and_decides_an_extension(city):
    clue = clue_in(city, Status.HANDLING)
    new = clue.deadline + dt.timedelta(days=15)
    data = {"new_deadline": iso(new), "reason": "需外调取证"}
    assert post(city.handler_a, action_url(clue, "request_extension"), data).status_code == 302
    page = client_for(city.leader_a).get(detail_url(clue)).content.decode()
    assert "decide_extension" in toolbar(page)
    response = post(city.leader_a, action_url(clue, "decide_extension"), {"decision": "refuse", "reason": ""})
    assert response.status_code == 200 and "不同意延期须填写理由" in response.content.decode()
    assert (
        post(city.leader_a, action_url(clue, "decide_extension"), {"decision": "approve"}).status_code == 302
    )
    clue.refresh_from_db()
    assert clue.deadline == new
    assert clue.deadline_changes.filter(new_deadline=new).exists()
    assert audited(clue, "clue.extension_requested") and audited(clue, "clue.extension_approved")


def test_it_refuses_an_extension_that_is_not_later(city):
    clue = clue_in(city, Status.HANDLING)
    data = {"new_deadline": iso(clue.deadline), "reason": "理由"}
    response = post(city.handler_a, action_url(clue, "request_extension"), data)
    assert response.status_code == 200 and "延期后的时限须晚于当前时限" in response.content.decode()


def test_it_supervises(city):
    clue = clue_in(city, Status.HANDLING)
    data = {"level": "listed", "reason": "群众反映强烈", "note": "每周报告进展", "report_by": iso(today())}
    assert post(city.office_handler, action_url(clue, "supervise"), data).status_code == 302
    clue.refresh_from_db()
    assert clue.supervision_level == "listed"
    assert audited(clue, "clue.supervised")
    response = post(
        city.office_handler, action_url(clue, "supervise"), {"level": "key", "reason": "自拟事由"}
    )
    assert response.status_code == 200 and "请选择有效的督办事由" in response.content.decode()


def test_it_names_viewers_of_an_important_clue(city):
    clue = ct.walk(
        city, ct.register(city, sensitivity=Sensitivity.IMPORTANT, viewers=[city.handler_a]), "assigned"
    )
    client = client_for(city.office_handler)
    assert "name_viewers" in toolbar(client.get(detail_url(clue)).content.decode())
    form = client.get(action_url(clue, "name_viewers"), **HX).content.decode()
    assert "leader_a（甲县）" in form and "handler_b" not in form  # only people within the clue's reach
    data = {"users": [city.office_handler.pk, city.leader_a.pk]}
    assert client.post(action_url(clue, "name_viewers"), data).status_code == 302
    assert set(clue.viewers.values_list("user__username", flat=True)) == {"office", "leader_a"}
    assert audited(clue, "clue.viewers_named")
    assert client_for(city.leader_a).get(detail_url(clue)).status_code == 200
    assert client_for(city.handler_a).get(detail_url(clue)).status_code == 404
    response = client.post(action_url(clue, "name_viewers"), {"users": [city.handler_b.pk]})
    assert response.status_code == 200 and "所选人员无权查看该线索" in response.content.decode()


def test_it_leaves_the_page_after_naming_oneself_off(city):
    clue = ct.walk(
        city, ct.register(city, sensitivity=Sensitivity.IMPORTANT, viewers=[city.leader_a]), "assigned"
    )
    response = post(city.office_handler, action_url(clue, "name_viewers"), {"users": [city.leader_a.pk]})
    assert response.status_code == 302 and response["Location"] != detail_url(clue)
    assert client_for(city.office_handler).get(detail_url(clue)).status_code == 404


def test_it_keeps_the_editor_as_viewer_when_marking_a_clue_important(city):
    clue = ct.register(city)
    client = client_for(city.office_handler)
    response = client.post(action_url(clue, "edit"), edit_data(clue, sensitivity="important"))
    assert response.status_code == 302 and response["Location"] == detail_url(clue)
    assert list(clue.viewers.values_list("user__username", flat=True)) == ["office"]
    assert client.get(detail_url(clue)).status_code == 200


def test_it_prefills_forms_with_the_current_values(city):
    clue = clue_in(city, Status.HANDLING)
    subject = clue.subjects.get()
    actions.record_result(city.handler_a, subject, result=Result.PARTLY_TRUE, note="部分查实的情况")
    clue.refresh_from_db()  # the subject step moved the stored version on
    actions.record_case(city.handler_a, clue, proposed_on=today())
    handler = client_for(city.handler_a)
    result_form = handler.get(subject_url(subject, "record_result"), **HX).content.decode()
    assert (
        'value="partly" required id="id_result_1" checked' in result_form and "部分查实的情况" in result_form
    )
    case_form = handler.get(action_url(clue, "record_case"), **HX).content.decode()
    assert f'name="proposed_on" value="{iso(today())}"' in case_form
    registered = ct.register(city, external_ref="12337-77")
    edit_form = client_for(city.office_handler).get(action_url(registered, "edit"), **HX).content.decode()
    assert 'value="12337-77"' in edit_form and registered.summary in edit_form
    assert f'name="version" value="{registered.version}"' in edit_form
