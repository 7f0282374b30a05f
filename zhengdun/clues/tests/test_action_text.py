"""Every text a clue action stores goes through core.text.clean_text, the one answer for
characters no text may hold: a NUL or another control character is refused with a Chinese
message keyed by the field that carried it, and nothing is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from zhengdun.clues import actions
from zhengdun.clues.models import Clue, Disposition, Feedback, MeasureKind, Result, Status, Transfer
from zhengdun.clues.testing import register, walk
from zhengdun.clues.tests.domain_helpers import fast_passwords, snapshot
from zhengdun.core.testing import City

S = Status
TODAY = timezone.localdate
BAD = ("\x00", "\x07", "\x1b", "\x7f", "\x85")


@pytest.fixture(autouse=True)
def _fast_passwords():
    with fast_passwords():
        yield


def _on_hold(city: City, clue: Clue) -> Clue:
    walk(city, clue, S.DISPOSITION_PENDING, disposition=Disposition.HOLD)
    actions.approve_disposition(city.leader_a, clue, comment="同意暂存")
    clue.refresh_from_db()
    return clue


def _with_result(city: City, clue: Clue, result: str = Result.TRUE) -> Clue:
    walk(city, clue, S.HANDLING)
    subject = clue.subjects.get()
    actions.record_result(city.handler_a, subject, result=result, note="经核实")
    clue.refresh_from_db()
    return clue


def _transferred(city: City, clue: Clue) -> Clue:
    actions.transfer_clue(
        city.office_handler, clue, target=Transfer.Target.DISCIPLINE, receiver="市纪委", reason="职责"
    )
    clue.refresh_from_db()
    return clue


def _extension_pending(city: City, clue: Clue) -> Clue:
    walk(city, clue, S.ASSIGNED)
    clue.refresh_from_db()
    actions.request_extension(
        city.handler_a, clue, new_deadline=clue.deadline + dt.timedelta(days=10), reason="案情复杂"
    )
    clue.refresh_from_db()
    return clue


def _with_duplicate(city: City, clue: Clue) -> Clue:
    # the clue to merge into exists before the refusals are counted
    clue.into = register(city)
    return clue


def _to(status: str) -> Callable[[City, Clue], Clue]:
    def prep(city: City, clue: Clue) -> Clue:
        walk(city, clue, status)
        clue.refresh_from_db()
        return clue

    return prep


def _subject(clue: Clue) -> Any:
    return clue.subjects.get()


# (name, prepare the clue, call the action with `text` in one field, the field's key)
CASES: list[tuple[str, Callable[[City, Clue], Clue], Callable[[City, Clue, str], Any], str]] = [
    (
        "edit summary",
        _to(S.REGISTERED),
        lambda c, clue, t: actions.update_clue(
            c.office_handler, clue, version=clue.version, summary=f"摘要{t}"
        ),
        "summary",
    ),
    (
        "edit content",
        _to(S.REGISTERED),
        lambda c, clue, t: actions.update_clue(
            c.office_handler, clue, version=clue.version, content=f"内容{t}"
        ),
        "content",
    ),
    (
        "add subject",
        _to(S.REGISTERED),
        lambda c, clue, t: actions.add_subject(c.office_handler, clue, {"name": f"李{t}四"}),
        "subjects",
    ),
    (
        "assign note",
        _to(S.REGISTERED),
        lambda c, clue, t: actions.assign_clue(c.office_handler, clue, unit=c.court_a, note=f"请办理{t}"),
        "note",
    ),
    (
        "return reason",
        _to(S.ASSIGNED),
        lambda c, clue, t: actions.return_clue(c.handler_a, clue, reason=f"非本单位管辖{t}"),
        "reason",
    ),
    (
        "propose reason",
        _to(S.ASSIGNED),
        lambda c, clue, t: actions.propose_disposition(
            c.handler_a, clue, disposition=Disposition.PRELIMINARY_CHECK, reason=f"可查{t}"
        ),
        "reason",
    ),
    (
        "approve disposition comment",
        _to(S.DISPOSITION_PENDING),
        lambda c, clue, t: actions.approve_disposition(c.leader_a, clue, comment=f"同意{t}"),
        "comment",
    ),
    (
        "reject disposition comment",
        _to(S.DISPOSITION_PENDING),
        lambda c, clue, t: actions.reject_disposition(c.leader_a, clue, comment=f"补充{t}"),
        "reason",
    ),
    (
        "reactivate reason",
        _on_hold,
        lambda c, clue, t: actions.reactivate_clue(c.handler_a, clue, reason=f"新情况{t}"),
        "reason",
    ),
    (
        "result note",
        _to(S.HANDLING),
        lambda c, clue, t: actions.record_result(
            c.handler_a, _subject(clue), result=Result.TRUE, note=f"属实{t}"
        ),
        "result_note",
    ),
    (
        "measure note",
        _with_result,
        lambda c, clue, t: actions.add_measure(
            c.handler_a, _subject(clue), kind=MeasureKind.CRITICISM, decided_on=TODAY(), note=f"说明{t}"
        ),
        "note",
    ),
    (
        "cleared note",
        lambda c, clue: _with_result(c, clue, Result.FALSE),
        lambda c, clue, t: actions.set_cleared(c.handler_a, _subject(clue), cleared=True, note=f"澄清{t}"),
        "note",
    ),
    (
        "closure reason",
        _with_result,
        lambda c, clue, t: actions.submit_closure(c.handler_a, clue, reason=f"办结{t}"),
        "reason",
    ),
    (
        "approve closure comment",
        _to(S.CLOSURE_PENDING),
        lambda c, clue, t: actions.approve_closure(c.leader_a, clue, comment=f"同意{t}"),
        "comment",
    ),
    (
        "reject closure comment",
        _to(S.CLOSURE_PENDING),
        lambda c, clue, t: actions.reject_closure(c.leader_a, clue, comment=f"补充{t}"),
        "reason",
    ),
    (
        "feedback content",
        _to(S.CLOSED),
        lambda c, clue, t: actions.record_feedback(
            c.office_handler, clue, method=Feedback.Method.PHONE, fed_back_on=TODAY(), content=f"已告知{t}"
        ),
        "content",
    ),
    (
        "reopen reason",
        _to(S.CLOSED),
        lambda c, clue, t: actions.reopen_clue(c.leader_a, clue, reason=f"回头看{t}"),
        "reason",
    ),
    (
        "transfer receiver",
        _to(S.REGISTERED),
        lambda c, clue, t: actions.transfer_clue(
            c.office_handler, clue, target=Transfer.Target.DISCIPLINE, receiver=f"市纪委{t}", reason="职责"
        ),
        "receiver",
    ),
    (
        "transfer reason",
        _to(S.REGISTERED),
        lambda c, clue, t: actions.transfer_clue(
            c.office_handler, clue, target=Transfer.Target.DISCIPLINE, receiver="市纪委", reason=f"职责{t}"
        ),
        "reason",
    ),
    (
        "transfer outcome",
        _transferred,
        lambda c, clue, t: actions.record_transfer_outcome(
            c.office_handler, clue.transfers.get(), outcome=f"已办结{t}"
        ),
        "outcome",
    ),
    (
        "merge reason",
        _with_duplicate,
        lambda c, clue, t: actions.merge_clue(c.office_handler, clue, into=clue.into, reason=f"重复{t}"),
        "reason",
    ),
    (
        "extension reason",
        _to(S.ASSIGNED),
        lambda c, clue, t: actions.request_extension(
            c.handler_a, clue, new_deadline=clue.deadline + dt.timedelta(days=5), reason=f"复杂{t}"
        ),
        "reason",
    ),
    (
        "extension decision",
        _extension_pending,
        lambda c, clue, t: actions.decide_extension(c.leader_a, clue, approve=False, comment=f"不同意{t}"),
        "reason",
    ),
    (
        "supervision note",
        _to(S.ASSIGNED),
        lambda c, clue, t: actions.supervise_clue(
            c.leader_a, clue, level="general", reason="进展缓慢", note=f"加快{t}"
        ),
        "note",
    ),
]


@pytest.mark.parametrize(("name", "prep", "call", "field"), CASES, ids=[c[0] for c in CASES])
def test_it_refuses_a_control_character_naming_the_field_and_writes_nothing(city, name, prep, call, field):
    clue = prep(city, register(city))
    for bad in BAD:
        clue.refresh_from_db()
        before = snapshot(clue)
        with pytest.raises(ValidationError) as caught:
            call(city, clue, bad)
        assert list(caught.value.message_dict) == [field], (name, repr(bad))
        assert "控制字符" in caught.value.message_dict[field][0], (name, repr(bad))
        clue.refresh_from_db()
        assert snapshot(clue) == before, (name, repr(bad))
    # and the same text without it goes through: the refusal was about the character alone
    call(city, clue, "")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"summary": "摘要\x00"}, "summary"),
        ({"content": "内容\x01"}, "content"),
        ({"external_ref": "A\x00B"}, "external_ref"),
        ({"reporter": {"name": "周\x00举报", "phone": "13800000000"}}, "reporter_name"),
        ({"reporter": {"name": "周举报", "phone": "138\x0b"}}, "reporter_phone"),
        ({"reporter": {"name": "周举报", "address": "城关镇\x1f"}}, "reporter_address"),
        ({"subjects": [{"name": "李\x00四"}]}, "subjects"),
        ({"subjects": [{"name": "李四", "unit_text": "甲县\x00法院"}]}, "subjects"),
    ],
)
def test_it_refuses_a_control_character_at_registration(city, values, field):
    count = Clue.objects.count()
    with pytest.raises(ValidationError) as caught:
        register(city, **values)
    assert list(caught.value.message_dict) == [field]
    assert "控制字符" in caught.value.message_dict[field][0]
    assert Clue.objects.count() == count


def test_it_keeps_tabs_and_line_breaks_and_trims(city):
    clue = register(city, summary="  摘要\t甲  ", content="第一行\r\n第二行\n")
    assert clue.summary == "摘要\t甲"
    assert clue.content == "第一行\r\n第二行"
