"""The leniency rule on real records (selfreports.actions.leniency): the facts a clue and a person's
self-reports give it, the panel on the clue page, and the audited human decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from zhengdun.audit.models import Entry
from zhengdun.clues import actions as clue_actions
from zhengdun.clues.models import Category, Result, Status
from zhengdun.clues.tests.domain_helpers import advance, register
from zhengdun.core.errors import ConflictError
from zhengdun.selfreports import actions
from zhengdun.selfreports.actions import leniency as assessments
from zhengdun.selfreports.leniency import Basis
from zhengdun.selfreports.models import LeniencyDecision


@pytest.fixture
def campaign(city):
    now = timezone.now()
    made = actions.create_campaign(
        city.office_handler,
        name="2021年全市政法队伍教育整顿",
        unit=city.city,
        report_opens_at=now - dt.timedelta(days=10),
        report_closes_at=now + dt.timedelta(days=10),
    )
    return actions.activate_campaign(city.office_handler, made)


def file_report(city, campaign, items):
    report = actions.start_draft(city.officer_a, campaign=campaign)
    actions.save_draft(city.officer_a, report, items=items)
    return actions.submit(city.officer_a, report)


def item(code, description="配偶在辖区经营茶楼", amount=None):
    category = Category.objects.get(code=code)
    values = {"category": category.pk, "description": description, "amount": amount}
    if code == "GJ2":
        values["gj2_subtype"] = "spouse_children"
    return values


def substantiated_clue(city, *, amount=None, findings=None):
    """A clue about officer 王强 (GJ2 at receipt), verified 属实 by the court handler."""
    clue = register(city, subject=city.people["officer_a"], categories=[Category.objects.get(code="GJ2")])
    clue = advance(city, clue, Status.HANDLING)
    subject = clue.subjects.get()
    clue_actions.record_result(
        city.handler_a, subject, result=Result.TRUE, verified_amount=amount, finding_categories=findings or []
    )
    subject.refresh_from_db()
    return clue, subject


def test_a_matter_reported_before_verification_began_is_voluntary_disclosure(city, campaign):
    file_report(city, campaign, [item("GJ2", amount="300000")])
    clue, subject = substantiated_clue(city, amount=Decimal("400000"))
    finding = assessments.recommend(subject)
    assert finding.basis is Basis.BEFORE
    assert finding.evidence["item_id"] and "早于" in finding.summary


def test_not_reporting_while_the_window_was_open_is_concealment(city, campaign):
    file_report(city, campaign, [item("GJ5", description="违规饮酒")])  # another category only
    clue, subject = substantiated_clue(city)
    finding = assessments.recommend(subject)
    assert finding.basis is Basis.CONCEALED and finding.evidence["reason"] == "not_covered"


def test_reporting_trivia_of_the_same_kind_is_concealment(city, campaign):
    file_report(city, campaign, [item("GJ2", amount="20000")])
    clue, subject = substantiated_clue(city, amount=Decimal("2000000"))
    assert assessments.recommend(subject).basis is Basis.CONCEALED


def test_a_matter_found_beyond_the_report_and_disclosed_during_verification(city, campaign):
    clue, subject = substantiated_clue(city, findings=[Category.objects.get(code="GJ1")])
    assert clue.org_aware_at is not None
    file_report(city, campaign, [item("GJ1", description="曾为亲属案件打招呼")])  # after awareness
    assert assessments.recommend(subject).basis is Basis.DURING_UNKNOWN


def test_the_rule_does_not_apply_without_a_substantiated_result_or_a_roster_person(city, campaign):
    clue = register(city, subject=city.people["officer_a"])
    assert assessments.recommend(clue.subjects.get()) is None
    unnamed = register(city, subjects=[{"name": "某民警", "unit_text": "某派出所"}])
    unnamed = advance(city, unnamed, Status.CLOSURE_PENDING)
    assert assessments.recommend(unnamed.subjects.get()) is None


def test_a_leader_confirms_or_overrides_with_a_reason_and_both_are_audited(city, campaign):
    file_report(city, campaign, [item("GJ2")])
    clue, subject = substantiated_clue(city)
    with pytest.raises(ValidationError) as refused:
        assessments.decide_basis(city.leader_a, subject, basis=Basis.NONE.value, reason="")
    assert "须写明理由" in refused.value.message_dict["reason"][0]
    assert not LeniencyDecision.objects.exists()
    decision = assessments.decide_basis(city.leader_a, subject, basis=Basis.BEFORE.value)
    assert (decision.basis, decision.recommended, decision.overridden) == ("before", "before", False)
    decision = assessments.decide_basis(
        city.leader_a, subject, basis=Basis.TRUTHFUL.value, reason="报告时已知悉将被核查", expected_version=1
    )
    assert decision.overridden and decision.version == 2 and decision.reason == "报告时已知悉将被核查"
    with pytest.raises(ConflictError):  # a stale page
        assessments.decide_basis(city.leader_a, subject, basis=Basis.BEFORE.value, expected_version=1)
    actions_logged = list(
        Entry.objects.filter(action__startswith="leniency.").values_list("action", flat=True)
    )
    assert sorted(actions_logged) == ["leniency.confirmed", "leniency.overridden"]


def test_only_a_leader_over_the_clue_may_decide_and_never_about_themself(city, campaign):
    file_report(city, campaign, [item("GJ2")])
    clue, subject = substantiated_clue(city)
    for user in (city.handler_a, city.office_handler):  # they see the clue, but do not decide
        with pytest.raises(PermissionDenied):
            assessments.decide_basis(user, subject, basis=Basis.BEFORE.value)
    # out of reach, the subject themself (回避), the admin roles: as if the clue did not exist
    for user in (city.handler_b, city.officer_a, city.auditor, city.outsider):
        with pytest.raises(Http404):
            assessments.decide_basis(user, subject, basis=Basis.BEFORE.value)
    assert not LeniencyDecision.objects.exists()


def test_the_clue_page_shows_the_basis_and_takes_the_decision(city, campaign):
    file_report(city, campaign, [item("GJ2")])
    clue, subject = substantiated_clue(city)
    leader = Client()
    leader.force_login(city.leader_a)
    page = leader.get(f"/clues/{clue.pk}/").content.decode()
    assert "从宽从严" in page and escape(Basis.BEFORE.label) in page and "确认认定" in page
    assert "查看自查报告" in page  # the leader may open the report the evidence names
    handler = Client()
    handler.force_login(city.handler_a)
    page = handler.get(f"/clues/{clue.pk}/").content.decode()
    assert escape(Basis.BEFORE.label) in page and "确认认定" not in page  # shown, not decidable
    assert "查看自查报告" not in page  # 王强's report is outside the court handler's unit
    url = f"/selfreports/leniency/{subject.pk}/"
    refused = leader.post(url, {"basis": "none", "reason": "", "version": "0"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422 and "须写明理由" in refused.content.decode()
    assert 'value="none" selected' in refused.content.decode()  # the choice is kept
    assert handler.post(url, {"basis": "before", "version": "0"}).status_code == 403
    assert Client().post(url, {"basis": "before"}).status_code == 302  # to the login page
    done = leader.post(url, {"basis": "before", "reason": "", "version": "0"})
    assert done.status_code == 302 and LeniencyDecision.objects.get().basis == "before"
