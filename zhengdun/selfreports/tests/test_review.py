"""Reviewing self-reported items (核实情况, outcome) and converting one into a problem clue (来源
自查转化): who may, recusal, version guards, the link both ways, one conversion per matter."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhengdun.audit.models import Entry
from zhengdun.clues.models import Clue, ReportingMode, Status
from zhengdun.core.errors import ConflictError
from zhengdun.selfreports import actions
from zhengdun.selfreports.models import ItemReview, Outcome
from zhengdun.selfreports.tests.helpers import (
    campaign_fixture,  # noqa: F401 - fixture "campaign"
    fast_passwords,  # noqa: F401 - autouse fixture
    file,
    item,
    judge_with_account,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def judge_report(city, campaign):
    """张明 (甲县人民法院) reported a GJ2 matter, filed by the court's discipline staff."""
    return file(
        city.handler_a,
        campaign,
        [
            item("GJ2", gj2_subtype="spouse_children", description="配偶在辖区经营建材商店", amount="80000"),
            item("GJ1"),
        ],
        person=city.people["judge_a"],
    )


def test_unit_staff_review_an_item_and_it_is_audited(city, judge_report):
    row = judge_report.items.get(seq=1)
    review = actions.review_item(
        city.handler_a, row, check_note="经调取工商登记核实属实", outcome=Outcome.CRITICISM, version=0
    )
    assert (review.outcome, review.reviewed_by, review.version) == ("criticism", city.handler_a, 1)
    entry = Entry.objects.get(action="selfreport.item_reviewed")
    assert entry.object_id == str(judge_report.pk) and entry.data["outcome"] == ["", "criticism"]
    again = actions.review_item(
        city.office_handler, row, check_note="复核：属实", outcome=Outcome.EXEMPT, version=1
    )
    assert (again.outcome, again.version, again.reviewed_by) == ("exempt", 2, city.office_handler)
    with pytest.raises(ConflictError):  # a form showing version 1 is stale now
        actions.review_item(city.handler_a, row, check_note="x", outcome=Outcome.LIGHTER, version=1)
    with pytest.raises(ConflictError):  # a form that saw no review yet
        actions.review_item(city.handler_a, row, check_note="x", outcome=Outcome.LIGHTER, version=0)
    assert ItemReview.objects.get().outcome == "exempt"


@pytest.mark.parametrize(
    "username", ["handler_b", "leader_a", "officer_a", "outsider", "sysadmin", "secadmin", "auditor"]
)
def test_nobody_else_reviews(city, judge_report, username):
    with pytest.raises(PermissionDenied):
        actions.review_item(
            city.users[username], judge_report.items.get(seq=1), check_note="核实", outcome=Outcome.EXEMPT
        )
    assert not ItemReview.objects.exists()


def test_nobody_reviews_their_own_report(city, campaign):
    judge = judge_with_account(city)
    report = file(judge, campaign, [item()])
    with pytest.raises(PermissionDenied) as refused:
        actions.review_item(judge, report.items.get(), check_note="本人核实", outcome=Outcome.EXEMPT)
    assert "回避" in str(refused.value)
    actions.review_item(city.handler_a, report.items.get(), check_note="核实属实", outcome=Outcome.EXEMPT)


@pytest.mark.parametrize(
    ("note", "outcome", "field"),
    [
        ("", Outcome.EXEMPT, "check_note"),
        ("属实", "", "outcome"),
        ("属实", "dismissal", "outcome"),
        ("字" * 5001, Outcome.EXEMPT, "check_note"),
    ],
)
def test_a_review_needs_a_note_and_an_outcome(city, judge_report, note, outcome, field):
    with pytest.raises(ValidationError) as refused:
        actions.review_item(city.handler_a, judge_report.items.get(seq=1), check_note=note, outcome=outcome)
    assert field in refused.value.message_dict
    assert not ItemReview.objects.exists()


def test_only_the_current_version_is_reviewed(city, judge_report):
    draft = actions.start_correction(city.handler_a, judge_report)
    with pytest.raises(ValidationError):  # a draft is not a report yet
        actions.review_item(city.handler_a, draft.items.get(seq=1), check_note="x", outcome=Outcome.EXEMPT)
    actions.save_draft(
        city.handler_a,
        draft,
        items=[
            {
                "key": i.key,
                "category": i.category_id,
                "gj2_subtype": i.gj2_subtype,
                "description": i.description,
                "amount": i.amount,
            }
            for i in draft.items.all()
        ],
        correction_reason="补充说明",
    )
    actions.submit(city.handler_a, draft)
    with pytest.raises(ValidationError):  # superseded
        actions.review_item(
            city.handler_a, judge_report.items.get(seq=1), check_note="x", outcome=Outcome.EXEMPT
        )


def test_a_correction_keeps_the_reviews_of_unchanged_items_only(city, judge_report):
    first, second = judge_report.items.order_by("seq")
    actions.review_item(city.handler_a, first, check_note="属实", outcome=Outcome.CRITICISM)
    actions.review_item(city.handler_a, second, check_note="属实", outcome=Outcome.TALK_REMINDER)
    draft = actions.start_correction(city.handler_a, judge_report)
    copies = list(draft.items.order_by("seq"))
    values = [
        {
            "key": copies[0].key,
            "category": first.category_id,
            "gj2_subtype": "spouse_children",
            "description": first.description,
            "amount": "160000",
        },
        {"key": copies[1].key, "category": second.category_id, "description": second.description},
    ]
    actions.save_draft(city.handler_a, draft, items=values, correction_reason="更正金额")
    v2 = actions.submit(city.handler_a, draft)
    changed, unchanged = v2.items.order_by("seq")
    assert not ItemReview.objects.filter(item=changed).exists()  # a changed amount is checked again
    carried = ItemReview.objects.get(item=unchanged)
    assert (carried.outcome, carried.reviewed_by) == ("talk_reminder", city.handler_a)
    assert (
        Entry.objects.filter(action="selfreport.submitted").order_by("seq").last().data["reviews_carried"]
        == 1
    )


# --- conversion into a clue -------------------------------------------------------------------


def test_the_office_converts_an_item_into_a_linked_clue(city, judge_report):
    row = judge_report.items.get(seq=1)
    clue = actions.convert_item_to_clue(city.office_handler, row)
    assert clue.channel.code == "self_report" and clue.channel.name == "自查转化"
    assert clue.status == Status.REGISTERED and clue.received_on == timezone.localdate()
    assert [s.person for s in clue.subjects.all()] == [city.people["judge_a"]]
    assert [c.code for c in clue.categories.all()] == ["GJ2"]
    assert clue.owner_unit == city.office  # the converter's own unit, where they may register
    assert clue.reporting_mode == ReportingMode.REAL_NAME and clue.reporter() == {"name": "张明"}
    assert clue.summary.startswith("张明自查报告事项（GJ2）：配偶在辖区经营建材商店")
    assert "自查事项报告第1版第1项" in clue.content and "涉及金额：80000.00元" in clue.content
    review = ItemReview.objects.get(item=row)
    assert review.converted_clue == clue and review.converted_by == city.office_handler
    assert review.outcome == ""  # converted for verification, not yet decided
    assert [r.item for r in clue.self_report_items.all()] == [row]  # the link the other way
    entry = Entry.objects.get(action="selfreport.item_converted")
    assert entry.data["clue"] == clue.number and entry.object_id == str(judge_report.pk)
    assert Entry.objects.filter(action="clue.registered", object_id=str(clue.pk)).exists()


def test_a_reviewed_item_keeps_its_review_when_converted(city, judge_report):
    row = judge_report.items.get(seq=1)
    actions.review_item(city.handler_a, row, check_note="需进一步核查", outcome=Outcome.REFERRED)
    clue = actions.convert_item_to_clue(city.office_handler, row)
    review = ItemReview.objects.get(item=row)
    assert (review.outcome, review.check_note, review.converted_clue) == ("referred", "需进一步核查", clue)


def test_a_matter_is_converted_once_even_across_versions(city, judge_report):
    row = judge_report.items.get(seq=1)
    clue = actions.convert_item_to_clue(city.office_handler, row)
    with pytest.raises(ValidationError) as refused:
        actions.convert_item_to_clue(city.office_handler, row)
    assert clue.number in refused.value.message_dict["item"][0]
    draft = actions.start_correction(city.handler_a, judge_report)
    values = [
        {
            "key": i.key,
            "category": i.category_id,
            "gj2_subtype": i.gj2_subtype,
            "description": i.description + "（补充）",
        }
        for i in draft.items.order_by("seq")
    ]
    actions.save_draft(city.handler_a, draft, items=values, correction_reason="补充说明")
    v2 = actions.submit(city.handler_a, draft)
    with pytest.raises(ValidationError):  # the same matter in the corrected version
        actions.convert_item_to_clue(city.office_handler, v2.items.get(seq=1))
    assert Clue.objects.filter(channel__code="self_report").count() == 1
    actions.convert_item_to_clue(city.office_handler, v2.items.get(seq=2))  # another matter is fine
    assert Clue.objects.filter(channel__code="self_report").count() == 2


@pytest.mark.parametrize(
    "username", ["handler_a", "handler_b", "leader_a", "officer_a", "outsider", "sysadmin", "auditor"]
)
def test_converting_needs_clue_registration_and_sight_of_the_report(city, judge_report, username):
    with pytest.raises(PermissionDenied):
        actions.convert_item_to_clue(city.users[username], judge_report.items.get(seq=1))
    assert not Clue.objects.exists() and not ItemReview.objects.exists()


def test_nobody_converts_their_own_report(city, campaign):
    from zhengdun.accounts.roles import Role
    from zhengdun.core.testing import make_user

    judge_in_office = make_user(
        "zhangming_office", city.office, (Role.OFFICE_HANDLER, city.city), person=city.people["judge_a"]
    )
    report = file(
        city.handler_a, campaign, [item("GJ3", description="向企业主借款")], person=city.people["judge_a"]
    )
    with pytest.raises(PermissionDenied) as refused:
        actions.convert_item_to_clue(judge_in_office, report.items.get())
    assert "回避" in str(refused.value)
    assert not Clue.objects.exists()
