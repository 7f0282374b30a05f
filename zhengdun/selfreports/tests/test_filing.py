"""Filing a self-report through the actions: who may file for whom, what an item must say, the
submission (timestamp, 逾期 at the window's edge, nothing-to-report), immutability once
submitted, and corrections as new versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhengdun.audit.models import Entry
from zhengdun.core.errors import ConflictError
from zhengdun.org import actions as org_actions
from zhengdun.selfreports import actions
from zhengdun.selfreports.models import (
    ImmutableError,
    RelatedPerson,
    ReportStatus,
    SelfReport,
    SelfReportAttachment,
    SelfReportItem,
)
from zhengdun.selfreports.tests.helpers import (
    PDF,
    campaign_fixture,  # noqa: F401 - fixture "campaign"
    fast_passwords,  # noqa: F401 - autouse fixture
    file,
    item,
    judge_with_account,
    open_campaign,
)

pytestmark = pytest.mark.django_db


# --- who files for whom ----------------------------------------------------------------------


def test_an_officer_files_their_own_report(city, campaign):
    report = actions.start_draft(city.officer_a, campaign=campaign)
    assert (report.person, report.unit, report.status, report.version) == (
        city.people["officer_a"],
        city.station_a,
        ReportStatus.DRAFT,
        1,
    )
    assert not report.on_behalf
    assert Entry.objects.get(action="selfreport.draft_started").data["on_behalf"] is False


@pytest.mark.parametrize("username", ["office_handler", "handler_a"])
def test_discipline_staff_file_for_an_officer_of_their_subtree(city, campaign, username):
    staff = city.users[username]
    report = file(staff, campaign, [item()], person=city.people["judge_a"])
    assert report.on_behalf and report.filed_by == staff and report.unit == city.court_a
    assert Entry.objects.get(action="selfreport.submitted").data["on_behalf"] is True


@pytest.mark.parametrize(
    "username", ["handler_b", "leader_a", "officer_a", "outsider", "sysadmin", "secadmin", "auditor"]
)
def test_nobody_else_files_on_behalf(city, campaign, username):
    with pytest.raises(PermissionDenied):
        actions.start_draft(city.users[username], campaign=campaign, person=city.people["judge_a"])
    assert not SelfReport.objects.exists()


@pytest.mark.parametrize("username", ["outsider", "sysadmin", "secadmin", "auditor"])
def test_accounts_without_file_own_cannot_file_their_own(city, campaign, username):
    with pytest.raises(PermissionDenied):
        actions.start_draft(city.users[username], campaign=campaign)


def test_an_account_without_a_roster_record_has_no_own_report(city, campaign):
    with pytest.raises(ValidationError) as refused:
        actions.start_draft(city.handler_a, campaign=campaign)
    assert "未关联干警名册" in refused.value.message_dict["person"][0]


def test_staff_file_their_own_report_through_their_own_path_only(city, campaign):
    judge = judge_with_account(city)
    with pytest.raises(ValidationError) as refused:
        actions.start_draft(judge, campaign=campaign, person=city.people["judge_a"])
    assert "我的自查" in refused.value.message_dict["person"][0]
    own = actions.start_draft(judge, campaign=campaign)
    assert own.person == city.people["judge_a"] and not own.on_behalf


def test_a_draft_is_edited_only_by_the_officer_or_staff_over_them(city, campaign):
    draft = actions.start_draft(city.officer_a, campaign=campaign)
    for user in (city.handler_a, city.handler_b, city.leader_a, city.outsider, city.auditor):
        with pytest.raises(PermissionDenied):
            actions.save_draft(user, draft, items=[item()])
    actions.save_draft(city.office_handler, draft, items=[item()])  # office: the whole city
    actions.save_draft(city.officer_a, draft, items=[item(), item("GJ3")], revision=2)
    assert draft.items.count() == 2


def test_one_draft_per_person_and_campaign(city, campaign):
    actions.start_draft(city.handler_a, campaign=campaign, person=city.people["judge_a"])
    with pytest.raises(ConflictError):
        actions.start_draft(city.office_handler, campaign=campaign, person=city.people["judge_a"])
    with pytest.raises(IntegrityError), transaction.atomic():
        SelfReport.objects.create(
            campaign=campaign, person=city.people["judge_a"], unit=city.court_a, filed_by=city.office_handler
        )


def test_filing_needs_the_active_campaign_and_an_open_window(city):
    now = timezone.now()
    later = open_campaign(city, opens=now + dt.timedelta(hours=1), closes=now + dt.timedelta(days=9))
    with pytest.raises(ValidationError) as refused:
        actions.start_draft(city.officer_a, campaign=later)
    assert "开始，现在还不能填报" in refused.value.message_dict["campaign"][0]
    old = open_campaign(city, name="2020年试点", activate=False)
    with pytest.raises(ValidationError) as refused:
        actions.start_draft(city.officer_a, campaign=old)
    assert "不是当前进行的教育整顿" in refused.value.message_dict["campaign"][0]
    assert not SelfReport.objects.exists()


# --- what an item must say -------------------------------------------------------------------


def _refusal(city, campaign, items, **kw):
    draft = SelfReport.objects.drafts().first() or actions.start_draft(city.officer_a, campaign=campaign)
    with pytest.raises(ValidationError) as refused:
        actions.save_draft(city.officer_a, draft, items=items, **kw)
    draft.refresh_from_db()
    assert draft.revision == 1 and not draft.items.exists()  # nothing half-written
    return refused.value.message_dict


def test_it_saves_every_part_of_an_item(city, campaign):
    draft = actions.start_draft(city.officer_a, campaign=campaign)
    upload = SimpleUploadedFile("工商登记.pdf", PDF)
    actions.save_draft(
        city.officer_a,
        draft,
        items=[
            item(
                "GJ2",
                gj2_subtype="spouse_children",
                description="配偶在辖区经营建材商店",
                period_from="2018.3.1",
                period_to="２０２０年１２月３１日",
                amount="１２,３４５.６",
                related_persons=[{"name": "王某", "relation": "relative_business", "detail": "配偶"}],
                uploads=[upload],
            )
        ],
    )
    saved = draft.items.get()
    assert (saved.seq, saved.category.code, saved.gj2_subtype) == (1, "GJ2", "spouse_children")
    assert (saved.period_from, saved.period_to) == (dt.date(2018, 3, 1), dt.date(2020, 12, 31))
    assert saved.amount == Decimal("12345.60")
    assert list(saved.related_persons.values_list("name", "relation", "detail")) == [
        ("王某", "relative_business", "配偶")
    ]
    att = saved.attachments.get()
    assert (att.original_name, att.content_type, att.size) == ("工商登记.pdf", "application/pdf", len(PDF))
    assert att.file.read() == PDF
    assert Entry.objects.get(action="selfreport.draft_saved").data["attachments_added"] == ["工商登记.pdf"]


def test_a_gj2_item_names_whose_business_it_is(city, campaign):
    errors = _refusal(city, campaign, [item("GJ2", gj2_subtype="")])
    assert errors["items.0.gj2_subtype"] == [
        "第1项 经商办企业主体：GJ2类事项须选择本人、配偶子女及其配偶或其他亲属"
    ]
    errors = _refusal(city, campaign, [item("GJ1"), item("GJ3", gj2_subtype="self")])
    assert errors["items.1.gj2_subtype"] == ["第2项 经商办企业主体：只有GJ2（违规经商办企业）类事项填写此项"]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"category": ""}, "category", "第1项 问题类别：请从列表中选择问题类别"),
        ({"category": "999999"}, "category", "第1项 问题类别：请从列表中选择问题类别"),
        ({"description": "   "}, "description", "第1项 事项内容：请填写事项内容"),
        ({"description": "字" * 5001}, "description", "第1项 事项内容：不能超过5000个字（现有5001个字）"),
        (
            {"period_from": "2021-06-01", "period_to": "2021-05-31"},
            "period_to",
            "第1项 截止日期：不能早于起始日期",
        ),
        (
            {"period_from": "2021.2.30"},
            "period_from",
            "第1项 起始日期：日期“2021.2.30”不存在，请按 2021-06-02 的格式填写日期",
        ),
        ({"amount": "-1"}, "amount", "第1项 涉及金额：不能为负数"),
        ({"amount": "五万"}, "amount", "第1项 涉及金额：须为数字（单位：元）"),
        ({"amount": "1.005"}, "amount", "第1项 涉及金额：最多保留两位小数"),
        ({"amount": "NaN"}, "amount", "第1项 涉及金额：须为数字（单位：元）"),
        (
            {"related_persons": [{"name": "", "relation": "lawyer"}]},
            "related_persons",
            "第1项 相关人员第1人：请填写姓名",
        ),
        (
            {"related_persons": [{"name": "陈某", "relation": "boss"}]},
            "related_persons",
            "第1项 相关人员第1人：请选择与本人的关系",
        ),
    ],
)
def test_bad_item_fields_are_named(city, campaign, values, field, message):
    errors = _refusal(city, campaign, [item(**values)])
    assert errors[f"items.0.{field}"] == [message]


def test_exactly_5000_characters_is_fine(city, campaign):
    draft = actions.start_draft(city.officer_a, campaign=campaign)
    actions.save_draft(city.officer_a, draft, items=[item(description="字" * 5000)])
    assert len(draft.items.get().description) == 5000


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("材料.pdf", b"<html><script>alert(1)</script></html>", "附件内容与扩展名“.pdf”不符，已拒绝上传"),
        ("照片.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "附件内容与扩展名“.jpg”不符，已拒绝上传"),
        ("setup.exe", b"MZ" + b"\x00" * 100, "不支持的附件类型“.exe”"),
        ("空.pdf", b"", "附件是空文件"),
    ],
)
def test_a_disguised_or_unknown_attachment_refuses_the_save(city, campaign, name, content, message):
    errors = _refusal(city, campaign, [item(uploads=[SimpleUploadedFile(name, content)])])
    assert errors["items.0.uploads"][0].startswith(f"第1项 附件“{name}”：{message}")
    assert not SelfReportAttachment.objects.exists()


def test_an_oversized_attachment_is_refused(city, campaign, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    errors = _refusal(city, campaign, [item(uploads=[SimpleUploadedFile("大.pdf", PDF + b"0" * 2000)])])
    assert "附件不能超过" in errors["items.0.uploads"][0]


def test_every_bad_row_is_reported_at_once(city, campaign):
    errors = _refusal(
        city, campaign, [item(amount="-5"), item(), item("GJ2", gj2_subtype="", description="")]
    )
    assert set(errors) == {"items.0.amount", "items.2.gj2_subtype", "items.2.description"}


def test_declaring_nothing_excludes_items(city, campaign):
    errors = _refusal(city, campaign, [item()], declares_nothing=True)
    assert "不能同时声明" in errors["declares_nothing"][0]


def test_a_draft_save_replaces_its_items_and_keeps_chosen_attachments(city, campaign):
    draft = actions.start_draft(city.officer_a, campaign=campaign)
    actions.save_draft(
        city.officer_a, draft, items=[item(uploads=[SimpleUploadedFile("a.pdf", PDF)]), item("GJ3")]
    )
    first = draft.items.get(seq=1)
    kept = first.attachments.get()
    actions.save_draft(
        city.officer_a,
        draft,
        items=[item("GJ5", key=draft.items.get(seq=2).key), item(key=first.key, keep_attachments=[kept.pk])],
    )
    rows = list(draft.items.order_by("seq"))
    assert [r.category.code for r in rows] == ["GJ5", "GJ1"]
    assert rows[1].key == first.key and rows[1].attachments.get().sha256 == kept.sha256
    assert SelfReportItem.objects.count() == 2 and SelfReportAttachment.objects.count() == 1


def test_two_people_saving_one_draft_the_second_is_refused(city, campaign):
    draft = actions.start_draft(city.officer_a, campaign=campaign)
    actions.save_draft(city.officer_a, draft, items=[item()], revision=1)
    with pytest.raises(ConflictError):
        actions.save_draft(city.office_handler, draft, items=[item("GJ3")], revision=1)
    assert [i.category.code for i in draft.items.all()] == ["GJ1"]


# --- submission ------------------------------------------------------------------------------


def test_submission_is_stamped_and_audited(city, campaign):
    before = timezone.now()
    report = file(city.officer_a, campaign, [item(), item("GJ3", amount="20000")])
    assert report.status == ReportStatus.SUBMITTED and not report.late
    assert before <= report.submitted_at <= timezone.now()
    entry = Entry.objects.get(action="selfreport.submitted")
    assert entry.data["items"] == 2 and entry.data["late"] is False and entry.data["version"] == 1


def test_a_report_needs_an_item_or_the_declaration(city, campaign):
    draft = actions.start_draft(city.officer_a, campaign=campaign)
    with pytest.raises(ValidationError) as refused:
        actions.submit(city.officer_a, draft)
    assert "请至少填写一项自查事项" in refused.value.message_dict["items"][0]
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT and draft.submitted_at is None
    actions.save_draft(city.officer_a, draft, items=[], declares_nothing=True)
    report = actions.submit(city.officer_a, draft)
    assert report.declares_nothing and report.is_submitted


def test_submitting_twice_is_a_conflict(city, campaign):
    report = file(city.officer_a, campaign, [item()])
    stamped = report.submitted_at
    with pytest.raises(ConflictError):
        actions.submit(city.officer_a, report)
    report.refresh_from_db()
    assert report.submitted_at == stamped
    assert Entry.objects.filter(action="selfreport.submitted").count() == 1


@pytest.mark.parametrize(("offset", "late"), [(-1, False), (0, False), (1, True)])
def test_late_is_decided_at_the_closing_second(city, monkeypatch, offset, late):
    closes = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5)
    made = open_campaign(city, closes=closes)
    draft = actions.start_draft(city.officer_a, campaign=made)
    actions.save_draft(city.officer_a, draft, items=[item()])
    at = closes + dt.timedelta(seconds=offset)
    monkeypatch.setattr(timezone, "now", lambda: at)
    report = actions.submit(city.officer_a, draft)
    assert report.submitted_at == at and report.late is late
    assert Entry.objects.get(action="selfreport.submitted").data["late"] is late


# --- immutability and corrections ---------------------------------------------------------------


def test_a_submitted_report_cannot_be_changed_through_the_actions(city, campaign):
    report = file(city.officer_a, campaign, [item()])
    with pytest.raises(ConflictError):
        actions.save_draft(city.officer_a, report, items=[item("GJ3")])
    with pytest.raises(ConflictError):
        actions.discard_draft(city.officer_a, report)
    assert [i.category.code for i in report.items.all()] == ["GJ1"]


def test_save_refuses_to_touch_a_submitted_report_or_its_parts(city, campaign):
    report = file(city.officer_a, campaign, [item(related_persons=[{"name": "陈某", "relation": "lawyer"}])])
    report.declares_nothing = True
    with pytest.raises(ImmutableError):
        report.save()
    with pytest.raises(ImmutableError):
        report.delete()
    row = report.items.get()
    row.description = "改写"
    with pytest.raises(ImmutableError):
        row.save()
    with pytest.raises(ImmutableError):
        SelfReportItem.objects.create(report=report, seq=2, key="x", category=row.category, description="补")
    person = RelatedPerson.objects.get()
    person.name = "别人"
    with pytest.raises(ImmutableError):
        person.save()
    report.refresh_from_db()
    assert not report.declares_nothing and report.items.get().description != "改写"


def test_a_correction_is_a_new_version_that_keeps_the_old(city, campaign):
    v1 = file(
        city.officer_a,
        campaign,
        [item(amount="20000", uploads=[SimpleUploadedFile("a.pdf", PDF)]), item("GJ3")],
    )
    old = [(i.key, i.category_id, i.description, i.amount) for i in v1.items.all()]
    draft = actions.start_correction(city.officer_a, v1)
    assert (draft.version, draft.previous, draft.status) == (2, v1, ReportStatus.DRAFT)
    copied = list(draft.items.order_by("seq"))
    assert [(i.key, i.category_id, i.description, i.amount) for i in copied] == old
    assert copied[0].attachments.get().sha256 == v1.items.get(seq=1).attachments.get().sha256
    with pytest.raises(ConflictError):  # one draft at a time
        actions.start_correction(city.officer_a, v1)
    values = [item(key=copied[0].key, amount="200000"), item("GJ5", description="补报：压案不查")]
    actions.save_draft(city.officer_a, draft, items=values)
    with pytest.raises(ValidationError) as refused:
        actions.submit(city.officer_a, draft)
    assert refused.value.message_dict["correction_reason"] == ["更正自查报告须填写更正理由"]
    actions.save_draft(city.officer_a, draft, items=values, correction_reason="更正金额，补报遗漏事项")
    v2 = actions.submit(city.officer_a, draft)
    v1.refresh_from_db()
    assert (
        v1.is_submitted and [(i.key, i.category_id, i.description, i.amount) for i in v1.items.all()] == old
    )
    assert list(SelfReport.objects.current()) == [v2]
    assert Entry.objects.filter(action="selfreport.correction_started").get().data["corrects"] == v1.pk
    with pytest.raises(ValidationError):  # only the current version is corrected
        actions.start_correction(city.officer_a, v1)


def test_staff_correct_on_behalf_but_not_out_of_reach(city, campaign):
    v1 = file(city.handler_a, campaign, [item()], person=city.people["judge_a"])
    with pytest.raises(PermissionDenied):
        actions.start_correction(city.handler_b, v1)
    with pytest.raises(PermissionDenied):
        actions.start_correction(city.officer_a, v1)
    draft = actions.start_correction(city.handler_a, v1)
    assert draft.on_behalf


def test_a_draft_can_be_discarded_and_the_submitted_version_stays(city, campaign):
    v1 = file(city.officer_a, campaign, [item()])
    draft = actions.start_correction(city.officer_a, v1)
    actions.discard_draft(city.officer_a, draft)
    assert list(SelfReport.objects.all()) == [v1]
    assert Entry.objects.filter(action="selfreport.draft_discarded", object_id=str(draft.pk)).exists()


def test_the_unit_is_the_officers_at_submission(city, campaign):
    draft = actions.start_draft(city.office_handler, campaign=campaign, person=city.people["judge_a"])
    actions.save_draft(city.office_handler, draft, items=[item()])
    person = city.people["judge_a"]
    person.refresh_from_db()
    org_actions.update_person(city.office_handler, person, version=person.version, unit=city.court_b)
    report = actions.submit(city.office_handler, draft)
    assert report.unit == city.court_b
