"""The rules clues.actions enforces beyond the transition table: second-person approval, deadline
and assignment checks, subjects within reach, duplicate references, results and measures
(形态, effect periods, 澄清正名), archive/reopen, transfer and feedback time limits, merging,
暂存待查 and 予以了结."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhengdun.accounts.roles import Role
from zhengdun.clues import actions, deadlines
from zhengdun.clues.models import (
    Category,
    Clue,
    Disposition,
    Event,
    Feedback,
    Measure,
    MeasureKind,
    Request,
    Result,
    Status,
    Transfer,
)
from zhengdun.clues.testing import channel
from zhengdun.clues.tests.domain_helpers import (
    add_users,
    advance,
    audit_entries,
    fast_passwords,
    register,
    results_and_submit,
    snapshot,
)
from zhengdun.core.errors import ConflictError
from zhengdun.core.testing import make_user

S = Status
APPROVER_IS_REQUESTER = "审批人不能是申请人本人"


@pytest.fixture(autouse=True)
def _fast_passwords():
    with fast_passwords():
        yield


@pytest.fixture
def town(city):
    return add_users(city)


@pytest.fixture
def dual(town):
    """Someone who both handles at court A and approves for county A."""
    return make_user("dual", town.court_a, (Role.UNIT_HANDLER, town.court_a), (Role.LEADER, town.county_a))


def field_errors(err: Any) -> dict[str, list[str]]:
    return err.value.message_dict


def today() -> dt.date:
    return timezone.localdate()


# --- second person ---------------------------------------------------------------------------------


def test_it_refuses_the_proposer_as_approver_of_the_disposition(town, dual):
    clue = advance(town, register(town), S.ASSIGNED, handler=dual)
    actions.propose_disposition(dual, clue, disposition=Disposition.TALK_INQUIRY, reason="拟谈话函询")
    before = snapshot(clue)
    with pytest.raises(PermissionDenied, match=APPROVER_IS_REQUESTER):
        actions.approve_disposition(dual, clue, comment="同意")
    with pytest.raises(PermissionDenied, match=APPROVER_IS_REQUESTER):
        actions.reject_disposition(dual, clue, comment="再研究")
    assert snapshot(clue) == before
    actions.approve_disposition(town.leader_a, clue, comment="同意")
    assert Clue.objects.get(pk=clue.pk).status == S.HANDLING


def test_it_refuses_the_submitter_as_approver_of_the_closure(town, dual):
    clue = advance(town, register(town), S.HANDLING, handler=dual)
    results_and_submit(dual, clue)
    before = snapshot(clue)
    with pytest.raises(PermissionDenied, match=APPROVER_IS_REQUESTER):
        actions.approve_closure(dual, clue, comment="同意")
    with pytest.raises(PermissionDenied, match=APPROVER_IS_REQUESTER):
        actions.reject_closure(dual, clue, comment="补充材料")
    assert snapshot(clue) == before
    actions.approve_closure(town.leader_a, clue, comment="同意办结")
    assert Clue.objects.get(pk=clue.pk).status == S.CLOSED


def test_it_refuses_the_requester_as_approver_of_the_extension(town, dual):
    clue = advance(town, register(town), S.HANDLING, handler=dual)
    new = clue.deadline + dt.timedelta(days=20)
    actions.request_extension(dual, clue, new_deadline=new, reason="需调取银行流水")
    clue.refresh_from_db()
    before = snapshot(clue)
    with pytest.raises(PermissionDenied, match=APPROVER_IS_REQUESTER):
        actions.decide_extension(dual, clue, approve=True)
    assert snapshot(clue) == before
    actions.decide_extension(town.leader_a, clue, approve=True, comment="同意")
    assert Clue.objects.get(pk=clue.pk).deadline == new


# --- assignment ------------------------------------------------------------------------------------


def test_it_refuses_a_deadline_before_the_received_date(town):
    clue = register(town, received_on=today() - dt.timedelta(days=10))
    before = snapshot(clue)
    with pytest.raises(ValidationError) as err:
        actions.assign_clue(
            town.office_handler, clue, unit=town.court_a, deadline=clue.received_on - dt.timedelta(days=1)
        )
    assert "受理日期" in field_errors(err)["deadline"][0]
    assert snapshot(clue) == before


def test_it_refuses_a_deadline_in_the_past(town):
    clue = register(town, received_on=today() - dt.timedelta(days=10))
    before = snapshot(clue)
    with pytest.raises(ValidationError) as err:
        actions.assign_clue(
            town.office_handler, clue, unit=town.court_a, deadline=today() - dt.timedelta(days=1)
        )
    assert "今天" in field_errors(err)["deadline"][0]
    assert snapshot(clue) == before
    actions.assign_clue(town.office_handler, clue, unit=town.court_a, deadline=today())
    assert Clue.objects.get(pk=clue.pk).deadline == today()


@pytest.mark.parametrize("area", ["city", "county_a", "county_b"])
def test_it_refuses_to_assign_to_an_area(town, area):
    clue = register(town)
    before = snapshot(clue)
    with pytest.raises(ValidationError) as err:
        actions.assign_clue(town.office_handler, clue, unit=getattr(town, area))
    assert "unit" in field_errors(err)
    assert snapshot(clue) == before


def test_it_refuses_to_assign_outside_the_offices_reach(town):
    clue = register(town, owner_unit=town.county_a, actor=town.county_office)
    before = snapshot(clue)
    with pytest.raises(ValidationError) as err:
        actions.assign_clue(town.county_office, clue, unit=town.court_b)
    assert "管辖范围" in field_errors(err)["unit"][0]
    assert snapshot(clue) == before
    actions.assign_clue(town.county_office, clue, unit=town.court_a, handler=town.handler_a)
    assert Clue.objects.get(pk=clue.pk).handling_unit_id == town.court_a.pk


@pytest.mark.parametrize("who", ["handler_b", "leader_a", "office_handler", "outsider"])
def test_it_refuses_a_handler_who_does_not_handle_for_the_unit(town, who):
    clue = register(town)
    before = snapshot(clue)
    with pytest.raises(ValidationError) as err:
        actions.assign_clue(town.office_handler, clue, unit=town.court_a, handler=town.users[who])
    assert "handler" in field_errors(err)
    assert snapshot(clue) == before


def test_it_sets_the_deadline_from_the_rules_and_records_it(town):
    clue = register(town)
    actions.assign_clue(town.office_handler, clue, unit=town.court_a, handler=town.handler_a)
    clue.refresh_from_db()
    assert clue.deadline == deadlines.handling_deadline(clue.channel, list(clue.categories.all()), today())
    assert (clue.assigned_on, clue.handler_id) == (today(), town.handler_a.pk)
    (change,) = clue.deadline_changes.all()
    assert (change.old_deadline, change.new_deadline, change.reason) == (None, clue.deadline, "交办")


# --- registration ----------------------------------------------------------------------------------


def test_it_refuses_a_subject_outside_the_registrars_reach(town):
    clues_before = Clue.objects.count()
    with pytest.raises(ValidationError) as err:
        register(town, owner_unit=town.county_a, actor=town.county_office, subject=town.people["judge_b"])
    assert "不在您可管理的干警范围内" in field_errors(err)["subjects"][0]
    assert Clue.objects.count() == clues_before
    clue = register(town, owner_unit=town.county_a, actor=town.county_office)
    with pytest.raises(ValidationError):
        actions.add_subject(town.county_office, clue, {"person_id": town.people["judge_b"].pk})
    assert list(clue.subjects.values_list("name", flat=True)) == ["张明"]


def test_it_refuses_a_duplicate_external_reference_naming_the_existing_clue(town):
    first = register(town, channel=channel("12337"), external_ref="12337-2021-000123")
    count = Clue.objects.count()
    with pytest.raises(ValidationError) as err:
        register(town, channel=channel("12337"), external_ref="12337-2021-000123")
    message = field_errors(err)["external_ref"][0]
    assert first.number in message
    assert "12337-2021-000123" in message
    assert Clue.objects.count() == count
    # the same number from another channel is another report
    other = register(town, channel=channel("letter"), external_ref="12337-2021-000123")
    assert other.number != first.number


def test_it_refuses_to_edit_a_clue_onto_an_existing_external_reference(town):
    register(town, channel=channel("12337"), external_ref="A-1")
    clue = register(town, channel=channel("12337"), external_ref="A-2")
    before = snapshot(clue)
    with pytest.raises(ValidationError) as err:
        actions.update_clue(town.office_handler, clue, version=clue.version, external_ref="A-1")
    assert "external_ref" in field_errors(err)
    assert snapshot(clue) == before


def test_it_refuses_a_received_date_in_the_future(town):
    with pytest.raises(ValidationError) as err:
        register(town, received_on=today() + dt.timedelta(days=1))
    assert "received_on" in field_errors(err)


# --- results and measures -------------------------------------------------------------------------


def test_it_refuses_closure_while_a_subject_lacks_a_result_naming_them(town):
    clue = register(
        town, subjects=[{"person_id": town.people["judge_a"].pk}, {"name": "李四", "unit_text": "甲县司法局"}]
    )
    clue = advance(town, clue, S.HANDLING)
    zhang = clue.subjects.get(name="张明")
    actions.record_result(town.handler_a, zhang, result=Result.FALSE)
    before = snapshot(clue)
    with pytest.raises(ValidationError) as err:
        actions.submit_closure(town.handler_a, clue, reason="核查完毕")
    message = field_errors(err)["reason"][0]
    assert "李四" in message and "张明" not in message
    assert snapshot(clue) == before


@pytest.fixture
def handling(town):
    return advance(town, register(town, received_on=dt.date(2021, 8, 1)), S.HANDLING)


def subject_of(clue: Clue) -> Any:
    return clue.subjects.get()


@pytest.mark.parametrize("result", ["", Result.FALSE, Result.UNVERIFIABLE])
def test_it_refuses_measures_unless_the_allegation_was_substantiated(town, handling, result):
    subject = subject_of(handling)
    if result:
        actions.record_result(town.handler_a, subject, result=result)
        subject.refresh_from_db()
    before = snapshot(handling)
    with pytest.raises(ValidationError) as err:
        actions.add_measure(
            town.handler_a, subject, kind=MeasureKind.ADMONITION, decided_on=dt.date(2021, 9, 1)
        )
    assert "kind" in field_errors(err)
    assert snapshot(handling) == before


@pytest.mark.parametrize("result", [Result.TRUE, Result.PARTLY_TRUE])
def test_it_records_measures_for_substantiated_allegations(town, handling, result):
    subject = subject_of(handling)
    actions.record_result(town.handler_a, subject, result=result)
    subject.refresh_from_db()
    actions.add_measure(town.handler_a, subject, kind=MeasureKind.ADMONITION, decided_on=dt.date(2021, 9, 1))
    subject.refresh_from_db()
    assert subject.xingtai == 1
    # and the result can no longer become one without measures
    with pytest.raises(ValidationError):
        actions.record_result(town.handler_a, subject, result=Result.FALSE)


def test_it_derives_the_xingtai_from_the_most_severe_measure(town, handling):
    subject = subject_of(handling)
    actions.record_result(town.handler_a, subject, result=Result.TRUE)
    subject.refresh_from_db()
    day = dt.date(2021, 9, 1)

    def add(kind: str) -> Measure:
        m = actions.add_measure(town.handler_a, subject, kind=kind, decided_on=day)
        subject.refresh_from_db()
        return m

    add(MeasureKind.ADMONITION)
    assert subject.xingtai == 1
    demerit = add(MeasureKind.GOV_DEMERIT)
    assert subject.xingtai == 2
    dismissal = add(MeasureKind.GOV_DISMISSAL_FROM_POST)
    assert subject.xingtai == 3
    referral = add(MeasureKind.JUDICIAL_REFERRAL)
    assert subject.xingtai == 4
    # removing recomputes from what is left, not from the order of entry
    actions.remove_measure(town.handler_a, dismissal)
    subject.refresh_from_db()
    assert subject.xingtai == 4
    actions.remove_measure(town.handler_a, referral)
    subject.refresh_from_db()
    assert subject.xingtai == 2
    actions.remove_measure(town.handler_a, demerit)
    subject.refresh_from_db()
    assert subject.xingtai == 1
    for m in list(subject.measures.all()):
        actions.remove_measure(town.handler_a, m)
    subject.refresh_from_db()
    assert subject.xingtai is None
    assert [e.action for e in Event.objects.filter(clue=handling, action__startswith="measure_")].count(
        "measure_removed"
    ) == 4


def test_it_records_the_verified_amount_of_a_substantiated_allegation(town, handling):
    subject = subject_of(handling)
    actions.record_result(
        town.handler_a, subject, result=Result.PARTLY_TRUE, verified_amount=Decimal("52000.50")
    )
    subject.refresh_from_db()
    assert subject.verified_amount == Decimal("52000.50")
    event = Event.objects.filter(clue=handling, action="result_recorded").latest("pk")
    assert event.data["verified_amount"] == "52000.50"
    # a later result without an amount clears it
    actions.record_result(town.handler_a, subject, result=Result.TRUE)
    subject.refresh_from_db()
    assert subject.verified_amount is None


@pytest.mark.parametrize(
    ("result", "amount", "message"),
    [
        (Result.FALSE, Decimal("100"), "才能填写查实金额"),
        (Result.UNVERIFIABLE, Decimal("0"), "才能填写查实金额"),
        (Result.TRUE, Decimal("-1"), "0 至一万亿元"),
        (Result.TRUE, Decimal("1e12"), "0 至一万亿元"),
    ],
)
def test_it_refuses_a_verified_amount_that_cannot_be(town, handling, result, amount, message):
    subject = subject_of(handling)
    with pytest.raises(ValidationError) as refused:
        actions.record_result(town.handler_a, subject, result=result, verified_amount=amount)
    assert message in refused.value.message_dict["verified_amount"][0]
    subject.refresh_from_db()
    assert subject.result == "" and subject.verified_amount is None


def test_registration_keeps_the_categories_known_at_receipt(town):
    clue = register(town)
    registered = list(clue.categories.values_list("pk", flat=True))
    assert clue.categories_at_receipt == sorted(registered)
    other = Category.objects.exclude(pk__in=registered).first()
    actions.update_clue(town.office_handler, clue, version=clue.version, categories=[other])
    clue.refresh_from_db()
    assert list(clue.categories.values_list("pk", flat=True)) == [other.pk]
    assert clue.categories_at_receipt == sorted(registered)  # what was known stays


def test_a_measure_removed_twice_is_removed_once(town, handling):
    # two people remove the same measure from pages loaded at the same time: the second is told,
    # and the timeline records one removal
    subject = subject_of(handling)
    actions.record_result(town.handler_a, subject, result=Result.TRUE)
    subject.refresh_from_db()
    measure = actions.add_measure(
        town.handler_a, subject, kind=MeasureKind.ADMONITION, decided_on=dt.date(2021, 9, 1)
    )
    stale = Measure.objects.get(pk=measure.pk)
    actions.remove_measure(town.handler_a, measure)
    with pytest.raises(ConflictError, match="已被他人删除"):
        actions.remove_measure(town.handler_a, stale)
    assert Event.objects.filter(clue=handling, action="measure_removed").count() == 1


@pytest.mark.parametrize(
    ("kind", "decided_on", "until"),
    [
        (MeasureKind.GOV_DEMERIT, dt.date(2021, 9, 15), dt.date(2022, 9, 15)),  # 记过 12 months
        (MeasureKind.GOV_WARNING, dt.date(2021, 8, 31), dt.date(2022, 2, 28)),  # month end clamps
        (MeasureKind.GOV_WARNING, dt.date(2023, 8, 31), dt.date(2024, 2, 29)),  # leap year
        (MeasureKind.GOV_MAJOR_DEMERIT, dt.date(2021, 8, 31), dt.date(2023, 2, 28)),  # 18 months
        (MeasureKind.GOV_DEMOTION, dt.date(2021, 12, 31), dt.date(2023, 12, 31)),  # 24, across years
        (MeasureKind.PARTY_WARNING, dt.date(2021, 10, 31), dt.date(2022, 10, 31)),
        (MeasureKind.ADMONITION, dt.date(2021, 9, 1), None),  # no effect period
        (MeasureKind.JUDICIAL_REFERRAL, dt.date(2021, 9, 1), None),
    ],
)
def test_it_computes_the_effect_period_in_months(town, handling, kind, decided_on, until):
    subject = subject_of(handling)
    actions.record_result(town.handler_a, subject, result=Result.TRUE)
    subject.refresh_from_db()
    measure = actions.add_measure(town.handler_a, subject, kind=kind, decided_on=decided_on)
    assert Measure.objects.get(pk=measure.pk).effective_until == until


def test_it_refuses_a_decision_date_outside_received_and_today(town, handling):
    subject = subject_of(handling)
    actions.record_result(town.handler_a, subject, result=Result.TRUE)
    subject.refresh_from_db()
    for bad in (dt.date(2021, 7, 31), today() + dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as err:
            actions.add_measure(town.handler_a, subject, kind=MeasureKind.GOV_DEMERIT, decided_on=bad)
        assert "decided_on" in field_errors(err)
    assert not Measure.objects.exists()


def test_it_clears_only_subjects_found_not_true(town, handling):
    subject = subject_of(handling)
    for result in ("", Result.TRUE, Result.PARTLY_TRUE, Result.UNVERIFIABLE):
        if result:
            actions.record_result(town.handler_a, subject, result=result)
            subject.refresh_from_db()
        with pytest.raises(ValidationError) as err:
            actions.set_cleared(town.handler_a, subject, cleared=True)
        assert "cleared" in field_errors(err)
    actions.record_result(town.handler_a, subject, result=Result.FALSE)
    subject.refresh_from_db()
    actions.set_cleared(town.handler_a, subject, cleared=True, note="已在单位内澄清")
    subject.refresh_from_db()
    assert subject.cleared
    # a later finding that the allegation was true withdraws the 澄清
    actions.record_result(town.handler_a, subject, result=Result.TRUE)
    subject.refresh_from_db()
    assert not subject.cleared


# --- closing, feedback, archive, reopen -----------------------------------------------------------


def test_it_refuses_to_archive_before_a_reachable_reporter_had_the_reply(town):
    clue = advance(town, register(town), S.CLOSED)
    assert clue.reporter_reachable and clue.feedback_due
    before = snapshot(clue)
    with pytest.raises(ValidationError) as err:
        actions.archive_clue(town.office_handler, clue)
    assert "反馈" in err.value.messages[0]
    assert snapshot(clue) == before
    advance(town, clue, S.ARCHIVED)


@pytest.mark.parametrize(
    ("mode", "reporter"),
    [("anonymous", None), ("real_name", {"name": "周举报"})],  # nobody to reply to
)
def test_it_archives_an_unreachable_clue_straight_after_closing(town, mode, reporter):
    clue = advance(town, register(town, reporting_mode=mode, reporter=reporter), S.CLOSED)
    assert not clue.reporter_reachable and clue.feedback_due is None
    actions.archive_clue(town.office_handler, clue)
    assert Clue.objects.get(pk=clue.pk).status == S.ARCHIVED


def test_it_reopens_a_finished_clue_keeping_its_results(town):
    clue = advance(town, register(town), S.HANDLING)
    subject = subject_of(clue)
    actions.record_result(town.handler_a, subject, result=Result.PARTLY_TRUE, note="部分属实")
    subject.refresh_from_db()
    actions.add_measure(town.handler_a, subject, kind=MeasureKind.ADMONITION, decided_on=today())
    actions.submit_closure(town.handler_a, clue, reason="办结")
    clue = advance(town, Clue.objects.get(pk=clue.pk), S.ARCHIVED)
    actions.reopen_clue(town.leader_a, clue, reason="回头看发现新情况")
    clue.refresh_from_db()
    assert clue.status == S.HANDLING
    assert (clue.closed_on, clue.feedback_due) == (None, None)
    subject.refresh_from_db()
    assert (subject.result, subject.result_note, subject.xingtai) == (Result.PARTLY_TRUE, "部分属实", 1)
    assert subject.measures.count() == 1
    assert clue.feedbacks.count() == 1  # the earlier reply stays on record
    assert Request.objects.filter(clue=clue, kind=Request.Kind.CLOSURE, decision="approved").count() == 1


def test_it_closes_on_approval_of_lj(town):
    clue = advance(town, register(town), S.CLOSED, disposition=Disposition.CLOSE)
    assert (clue.status, clue.disposition, clue.closed_on) == (S.CLOSED, Disposition.CLOSE, today())
    assert clue.feedback_due == deadlines.feedback_due(today())
    assert clue.org_aware_at is None
    assert Request.objects.get(clue=clue, kind=Request.Kind.DISPOSITION).decision == "approved"
    assert not clue.requests.filter(kind=Request.Kind.CLOSURE).exists()


def test_it_holds_reactivates_and_proposes_again(town):
    clue = advance(town, register(town), S.ON_HOLD, disposition=Disposition.HOLD)
    assert (clue.disposition, clue.org_aware_at, clue.closed_on) == (Disposition.HOLD, None, None)
    actions.reactivate_clue(town.handler_a, clue, reason="群众再次来信，提供新线索")
    clue.refresh_from_db()
    assert (clue.status, clue.disposition) == (S.ASSIGNED, "")
    actions.propose_disposition(
        town.handler_a, clue, disposition=Disposition.PRELIMINARY_CHECK, reason="可查"
    )
    actions.approve_disposition(town.leader_a, clue, comment="同意初核")
    clue.refresh_from_db()
    assert (clue.status, clue.disposition) == (S.HANDLING, Disposition.PRELIMINARY_CHECK)
    assert clue.org_aware_at is not None
    kinds = list(clue.requests.order_by("requested_at", "id").values_list("disposition", "decision"))
    assert kinds == [("ZC", "approved"), ("CH", "approved")]


def test_it_marks_org_awareness_once_on_first_th_or_ch(town):
    clue = advance(town, register(town), S.HANDLING, disposition=Disposition.TALK_INQUIRY)
    first = clue.org_aware_at
    assert first is not None
    clue = advance(town, clue, S.CLOSED)
    actions.reopen_clue(town.leader_a, clue, reason="回头看")
    clue.refresh_from_db()
    assert clue.org_aware_at == first


def test_it_flags_a_late_reply_counting_working_days_over_national_day(town, monkeypatch):
    clock = {"today": dt.date(2024, 9, 20)}
    monkeypatch.setattr(actions._common, "_today", lambda: clock["today"])
    made = []
    for _ in range(2):
        clue = register(town, received_on=dt.date(2024, 9, 10))
        made.append(advance(town, clue, S.CLOSED))
    assert made[0].closed_on == dt.date(2024, 9, 20)
    # 15 working days: 9-29 (Sunday) and 10-12 (Saturday) are worked, 10-01..07 are not
    assert made[0].feedback_due == dt.date(2024, 10, 16)
    clock["today"] = dt.date(2024, 10, 21)
    for clue, day, late in ((made[0], dt.date(2024, 10, 16), False), (made[1], dt.date(2024, 10, 17), True)):
        actions.record_feedback(
            town.office_handler, clue, method=Feedback.Method.PHONE, fed_back_on=day, content="已告知"
        )
        event = Event.objects.get(clue=clue, action="record_feedback")
        assert event.data["late"] is late
        assert audit_entries(clue, "clue.record_feedback")[0].data["late"] is late


def test_it_refuses_a_reply_before_closing_or_in_the_future(town):
    clue = advance(town, register(town), S.CLOSED)
    for bad in (today() - dt.timedelta(days=1), today() + dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as err:
            actions.record_feedback(
                town.office_handler, clue, method=Feedback.Method.PHONE, fed_back_on=bad, content="已告知"
            )
        assert "fed_back_on" in field_errors(err)
    assert clue.feedbacks.count() == 0


# --- transfer and merge -----------------------------------------------------------------------------


@pytest.mark.parametrize(("on", "late"), [(dt.date(2024, 10, 10), False), (dt.date(2024, 10, 11), True)])
def test_it_flags_a_late_transfer_counting_working_days_over_national_day(town, on, late):
    # received Friday 9-27; 5 working days: 9-29 (Sunday, worked), 9-30, 10-08, 10-09, 10-10
    clue = register(town, received_on=dt.date(2024, 9, 27))
    transfer = actions.transfer_clue(
        town.office_handler,
        clue,
        target=Transfer.Target.DISCIPLINE,
        receiver="甲县纪委监委",
        reason="涉嫌职务违法",
        transferred_on=on,
    )
    assert transfer.due_on == dt.date(2024, 10, 10)
    assert transfer.late is late
    assert Event.objects.get(clue=clue, action="transfer").data["late"] is late
    assert Clue.objects.get(pk=clue.pk).status == S.TRANSFERRED


def test_it_refuses_to_archive_a_transfer_before_its_outcome(town):
    clue = register(town)
    transfer = actions.transfer_clue(
        town.office_handler, clue, target=Transfer.Target.HIGHER, receiver="省高级人民法院", reason="管辖"
    )
    clue.refresh_from_db()
    with pytest.raises(ValidationError):
        actions.archive_clue(town.office_handler, clue)
    actions.record_transfer_outcome(town.office_handler, transfer, outcome="已立案审查", result=Result.TRUE)
    actions.archive_clue(town.office_handler, Clue.objects.get(pk=clue.pk))
    assert Clue.objects.get(pk=clue.pk).status == S.ARCHIVED


def test_it_merges_a_duplicate_writing_events_on_both(town):
    original = advance(town, register(town), S.HANDLING)
    dup = register(town)
    actions.merge_clue(town.office_handler, dup, into=original, reason="同一举报人重复来信")
    dup.refresh_from_db()
    assert (dup.status, dup.merged_into_id) == (S.MERGED, original.pk)
    assert Event.objects.get(clue=dup, action="merge").data == {"into": original.number}
    assert Event.objects.get(clue=original, action="duplicate_merged").data == {"from": dup.number}
    assert len(audit_entries(dup, "clue.merge")) == 1


def test_it_refuses_to_merge_into_itself_or_into_a_merged_clue(town):
    original = register(town)
    dup = register(town)
    third = register(town)
    before = snapshot(dup)
    with pytest.raises(ValidationError) as err:
        actions.merge_clue(town.office_handler, dup, into=dup)
    assert "into" in field_errors(err)
    assert snapshot(dup) == before
    actions.merge_clue(town.office_handler, third, into=original)
    before = snapshot(dup)
    with pytest.raises(ValidationError) as err:
        actions.merge_clue(town.office_handler, dup, into=Clue.objects.get(pk=third.pk))
    assert third.number in field_errors(err)["into"][0]
    assert snapshot(dup) == before


def test_it_refuses_to_merge_into_a_clue_the_actor_cannot_see(town):
    hidden = register(town, owner_unit=town.county_a, actor=town.county_office, sensitivity="important")
    dup = register(town, owner_unit=town.county_a, actor=town.county_office)
    # the city office sees dup (county A is within the city) but is not named on the 重要 clue
    before = snapshot(dup)
    with pytest.raises(ValidationError) as err:
        actions.merge_clue(town.office_handler, dup, into=hidden)
    assert field_errors(err)["into"] == ["未找到要并入的线索"]
    assert snapshot(dup) == before


@pytest.mark.parametrize(
    "field",
    [{"status": "closed"}, {"handling_unit_id": 1}, {"deadline": dt.date(2030, 1, 1)}, {"closed_on": None}],
)
def test_it_refuses_to_edit_fields_that_only_actions_may_move(town, field):
    clue = register(town)
    before = snapshot(clue)
    with pytest.raises(TypeError):
        actions.update_clue(town.office_handler, clue, version=clue.version, **field)
    assert snapshot(clue) == before
