"""The clue detail page: who may see it, what it shows, and that user text stays inert."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from zhengdun.audit.models import Entry
from zhengdun.clues import actions
from zhengdun.clues import testing as ct
from zhengdun.clues.models import Clue, MeasureKind, Result, Sensitivity, Status, Transfer
from zhengdun.clues.tests.detail_helpers import (
    HX,
    client_for,
    clue_in,
    days_ago,
    detail_url,
    fast_passwords,  # noqa: F401 - autouse fixture
    recused_user,
)
from zhengdun.core import workdays

pytestmark = pytest.mark.django_db


def get(user, clue):
    return client_for(user).get(detail_url(clue))


# --- who may see it -----------------------------------------------------------------------------


def test_it_shows_the_clue_to_everyone_in_scope(city):
    clue = ct.walk(city, ct.register(city), Status.ASSIGNED)
    for user in (city.office_handler, city.leader_a, city.handler_a):
        response = get(user, clue)
        assert response.status_code == 200, user
        assert clue.number in response.content.decode()


@pytest.mark.parametrize("who", ["handler_b", "officer_a", "outsider", "sysadmin", "auditor"])
def test_it_answers_404_out_of_scope(city, who):
    clue = ct.walk(city, ct.register(city), Status.ASSIGNED)
    assert get(getattr(city, who), clue).status_code == 404


def test_it_answers_404_for_a_clue_that_does_not_exist(city):
    assert client_for(city.office_handler).get("/clues/999999/").status_code == 404


def test_it_answers_404_to_a_recused_user(city):
    clue = ct.register(city)  # about 张明 (judge_a)
    other = ct.register(city, subjects=[{"person_id": city.people["judge_b"].pk}])
    user = recused_user(city)
    assert get(user, clue).status_code == 404
    assert get(user, other).status_code == 200


def test_it_shows_an_important_clue_only_to_named_viewers(city):
    clue = ct.register(city, sensitivity=Sensitivity.IMPORTANT, viewers=[city.handler_a])
    assert get(city.office_handler, clue).status_code == 200  # the registrar is named
    ct.walk(city, clue, Status.ASSIGNED)
    assert get(city.handler_a, clue).status_code == 200
    assert get(city.leader_a, clue).status_code == 404
    actions.name_viewers(
        city.office_handler, clue, users=[city.office_handler, city.handler_a, city.leader_a]
    )
    assert get(city.leader_a, clue).status_code == 200


def test_it_sends_anonymous_users_to_login(city, client):
    clue = ct.register(city)
    response = client.get(detail_url(clue))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- the header ---------------------------------------------------------------------------------


def test_it_shows_number_status_deadline_disposition_and_supervision(city):
    clue = ct.walk(city, ct.register(city), Status.HANDLING)
    actions.supervise_clue(city.office_handler, clue, level="key", reason="进展缓慢")
    html = get(city.office_handler, clue).content.decode()
    assert clue.number in html
    assert 'class="badge blue" data-status="handling">办理中' in html
    assert clue.deadline.strftime("%Y-%m-%d") in html
    assert "初步核实" in html
    assert "重点督办" in html


def test_it_flags_an_overdue_deadline_red(city):
    clue = ct.walk(city, ct.register(city, received_on=days_ago(40)), Status.ASSIGNED)
    Clue.objects.filter(pk=clue.pk).update(deadline=days_ago(2))
    html = get(city.office_handler, clue).content.decode()
    assert '<span class="badge red" data-flag="deadline">逾期</span>' in html


def test_it_flags_a_near_deadline_yellow(city):
    clue = ct.walk(city, ct.register(city), Status.ASSIGNED)
    Clue.objects.filter(pk=clue.pk).update(deadline=workdays.add_workdays(timezone.localdate(), 1))
    html = get(city.office_handler, clue).content.decode()
    assert '<span class="badge yellow" data-flag="deadline">临期</span>' in html
    assert "逾期" not in html


def test_it_does_not_flag_a_closed_clue(city):
    clue = ct.walk(city, ct.register(city), Status.CLOSED)
    Clue.objects.filter(pk=clue.pk).update(deadline=days_ago(2))
    html = get(city.office_handler, clue).content.decode()
    assert 'data-flag="deadline"' not in html


# --- sections -----------------------------------------------------------------------------------


def test_it_shows_the_basic_facts(city):
    clue = ct.register(city, external_ref="12337-2021-0001", content="第一段\n第二段")
    html = get(city.office_handler, clue).content.decode()
    for text in ("来信", "12337-2021-0001", "实名", "XX市", "违规经商办企业"):
        assert text in html
    assert "<p>第一段<br>第二段</p>" in html
    assert ct.category().name in html


def test_it_masks_the_reporter_and_offers_the_reveal_only_to_holders(city):
    clue = ct.walk(city, ct.register(city), Status.ASSIGNED)
    office_html = get(city.office_handler, clue).content.decode()
    assert "13800000000" not in office_html and "周举报" not in office_html
    assert "查看举报人信息" in office_html
    handler_html = get(city.handler_a, clue).content.decode()
    assert "查看举报人信息" not in handler_html
    assert "13800000000" not in handler_html


def test_it_reveals_the_reporter_and_audits_it(city):
    clue = ct.register(city)
    client = client_for(city.office_handler)
    response = client.post(f"/clues/{clue.pk}/reporter/", **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "周举报" in html and "13800000000" in html
    assert "<html" not in html  # the htmx answer is the fragment
    assert "no-store" in response["Cache-Control"]
    entry = Entry.objects.get(action="clue.reporter_viewed")
    assert entry.actor == city.office_handler and entry.object_id == str(clue.pk)


def test_it_reveals_the_reporter_on_the_page_without_htmx(city):
    clue = ct.register(city)
    response = client_for(city.office_handler).post(f"/clues/{clue.pk}/reporter/")
    assert response.status_code == 200
    assert "周举报" in response.content.decode() and clue.number in response.content.decode()


def test_it_refuses_the_reporter_to_a_handler(city):
    clue = ct.walk(city, ct.register(city), Status.ASSIGNED)
    response = client_for(city.handler_a).post(f"/clues/{clue.pk}/reporter/")
    assert response.status_code == 403
    assert "周举报" not in response.content.decode()
    assert not Entry.objects.filter(action="clue.reporter_viewed").exists()


def test_it_answers_404_for_the_reporter_out_of_scope(city):
    clue = ct.register(city)
    assert client_for(city.handler_b).post(f"/clues/{clue.pk}/reporter/").status_code == 404
    assert client_for(city.office_handler).get(f"/clues/{clue.pk}/reporter/").status_code == 405


def test_it_shows_subjects_with_results_measures_and_xingtai(city):
    clue = ct.walk(city, ct.register(city), Status.HANDLING)
    subject = clue.subjects.get()
    actions.record_result(city.handler_a, subject, result=Result.TRUE, note="查实收受礼金")
    actions.add_measure(
        city.handler_a, subject, kind=MeasureKind.GOV_DEMERIT, decided_on=timezone.localdate()
    )
    html = get(city.office_handler, clue).content.decode()
    assert f'href="/org/people/{subject.person_id}/"' in html  # roster link
    assert "核查结论：属实" in html and "查实收受礼金" in html
    assert "记过" in html and "第二种形态" in html
    assert "影响期内" in html


def test_it_shows_free_text_subjects_without_a_roster_link(city):
    clue = ct.register(city, subjects=[{"name": "某民警", "unit_text": "甲县公安局", "position": "民警"}])
    html = get(city.office_handler, clue).content.decode()
    assert "某民警" in html and "未关联名册" in html
    assert 'title="查看名册信息"' not in html


def test_it_shows_cleared_subjects(city):
    clue = ct.walk(city, ct.register(city), Status.HANDLING)
    subject = clue.subjects.get()
    actions.record_result(city.handler_a, subject, result=Result.FALSE)
    actions.set_cleared(city.handler_a, subject, cleared=True)
    assert "已澄清正名" in get(city.office_handler, clue).content.decode()


def test_it_lists_duplicate_candidates_only_while_registered(city):
    first = ct.register(city)
    second = ct.register(city)
    html = get(city.office_handler, second).content.decode()
    assert 'id="duplicates"' in html
    assert first.number in html
    assert f"/clues/{second.pk}/do/merge/?into={first.number}" in html
    ct.walk(city, second, Status.ASSIGNED)
    assert 'id="duplicates"' not in get(city.office_handler, second).content.decode()


def test_it_offers_no_merge_to_someone_who_cannot_merge(city):
    first = ct.register(city)
    second = ct.register(city, actor=city.office_handler)
    # an inspector may register and view, not merge
    from zhengdun.accounts.roles import Role
    from zhengdun.core.testing import make_user

    inspector = make_user("inspector", city.city, (Role.INSPECTOR, city.city))
    html = get(inspector, second).content.decode()
    assert first.number in html
    assert "do/merge/" not in html


def test_it_shows_approvals_with_their_decisions(city):
    clue = ct.walk(city, ct.register(city), Status.DISPOSITION_PENDING)
    actions.reject_disposition(city.leader_a, clue, comment="理由不充分，请补充")
    actions.propose_disposition(city.handler_a, clue, disposition="TH", reason="补充后改为谈话函询")
    html = get(city.office_handler, clue).content.decode()
    assert "处置方式审批" in html
    assert '<span class="badge red">退回</span>' in html
    assert "理由不充分，请补充" in html
    assert '<span class="badge blue">待审批</span>' in html
    assert "谈话函询" in html


def test_it_shows_the_deadline_history(city):
    clue = ct.walk(city, ct.register(city), Status.HANDLING)
    old = clue.deadline
    new = old + dt.timedelta(days=30)
    actions.request_extension(city.handler_a, clue, new_deadline=new, reason="需调取银行流水")
    actions.decide_extension(city.leader_a, clue, approve=True, comment="同意")
    html = get(city.office_handler, clue).content.decode()
    assert old.strftime("%Y-%m-%d") in html and new.strftime("%Y-%m-%d") in html
    assert "需调取银行流水" in html
    assert "延期审批" in html


def test_it_flags_a_late_transfer(city):
    clue = ct.register(city, received_on=days_ago(20))
    actions.transfer_clue(
        city.office_handler,
        clue,
        target=Transfer.Target.DISCIPLINE,
        receiver="市纪委监委",
        reason="涉嫌职务犯罪",
    )
    html = get(city.office_handler, clue).content.decode()
    assert "市纪委监委" in html
    assert '<span class="badge red">超期移交</span>' in html
    assert "待接收单位反馈" in html


def test_it_does_not_flag_a_timely_transfer(city):
    clue = ct.register(city, received_on=timezone.localdate())
    actions.transfer_clue(
        city.office_handler, clue, target=Transfer.Target.HIGHER, receiver="省高院", reason="管辖"
    )
    assert "超期移交" not in get(city.office_handler, clue).content.decode()


def test_it_flags_an_overdue_reply_to_the_reporter(city):
    clue = ct.walk(city, ct.register(city), Status.CLOSED)
    Clue.objects.filter(pk=clue.pk).update(feedback_due=days_ago(1))
    html = get(city.office_handler, clue).content.decode()
    assert "反馈期限" in html
    assert '<span class="badge red" data-flag="feedback">逾期</span>' in html


def test_it_shows_feedback_records(city):
    clue = ct.walk(city, ct.register(city), Status.FED_BACK)
    html = get(city.office_handler, clue).content.decode()
    assert "已电话告知办理结果" in html and "电话" in html
    assert 'data-flag="feedback"' not in html


def test_it_shows_the_timeline_in_order_with_chinese_labels(city):
    clue = ct.walk(city, ct.register(city), Status.HANDLING)
    html = get(city.office_handler, clue).content.decode()
    timeline = html[html.index('class="clue-timeline"') :]
    positions = [
        timeline.index(f'data-event="{name}"') for name in ("registered", "assign", "propose_disposition")
    ]
    assert positions == sorted(positions)
    assert "交办" in timeline and "提出处置意见" in timeline and "批准处置" in timeline
    assert "已交办" in timeline and "处置待审批" in timeline
    assert "handler_a" in timeline and "leader_a" in timeline


def test_it_lists_attachments_with_download_links(city):
    from django.core.files.uploadedfile import SimpleUploadedFile

    clue = ct.register(city)
    att = actions.add_attachment(
        city.office_handler, clue, upload=SimpleUploadedFile("举报信.txt", "举报内容".encode())
    )
    html = get(city.office_handler, clue).content.decode()
    assert f'href="/clues/attachments/{att.pk}/"' in html
    assert "举报信.txt" in html


def test_it_shows_merged_clues_both_ways(city):
    merged = clue_in(city, Status.MERGED)
    target = merged.merged_into
    html = get(city.office_handler, merged).content.decode()
    assert "已并入线索" in html and target.number in html
    assert merged.number in get(city.office_handler, target).content.decode()


def test_it_prints_with_a_platform_header(city):
    clue = ct.register(city)
    html = get(city.office_handler, clue).content.decode()
    assert 'class="print-only print-head"' in html and "问题线索办理单" in html
    assert "clue_detail.css" in html


# --- user text is inert -------------------------------------------------------------------------

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_it_renders_html_in_user_text_inert(city):
    clue = ct.register(
        city,
        summary=f"摘要{PAYLOAD}",
        content=f"内容{PAYLOAD}",
        subjects=[{"name": f"某人{PAYLOAD}"[:50], "unit_text": PAYLOAD, "position": "民警"}],
    )
    ct.walk(city, clue, Status.DISPOSITION_PENDING)
    actions.reject_disposition(city.leader_a, clue, comment=f"退回{PAYLOAD}")
    actions.supervise_clue(city.office_handler, clue, level="general", reason="其他", note=PAYLOAD)
    html = get(city.office_handler, clue).content.decode()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<img src=x" not in html


def test_it_loads_a_rich_clue_in_a_bounded_number_of_queries(city, django_assert_max_num_queries):
    clue = ct.walk(city, ct.register(city), Status.HANDLING)
    subject = clue.subjects.get()
    actions.record_result(city.handler_a, subject, result=Result.TRUE)
    for kind in (MeasureKind.ADMONITION, MeasureKind.GOV_DEMERIT, MeasureKind.ORG_ADJUSTMENT):
        actions.add_measure(city.handler_a, subject, kind=kind, decided_on=timezone.localdate())
    clue.refresh_from_db()
    actions.supervise_clue(city.office_handler, clue, level="key", reason="进展缓慢")
    client = client_for(city.office_handler)
    client.get(detail_url(clue))
    # one query per section, not per row: more measures or events must not add queries (the
    # 从宽从严 panel of selfreports adds a fixed handful: clues, categories, findings, self-report
    # items, campaigns, people, decisions)
    with django_assert_max_num_queries(33):
        assert client.get(detail_url(clue)).status_code == 200
