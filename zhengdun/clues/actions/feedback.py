"""After 办结: the reply to the reporter (反馈/回访), 归档 and 回头看 (reopening)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from zhengdun.accounts.models import User
from zhengdun.clues import deadlines, workflow
from zhengdun.clues.actions import _common
from zhengdun.clues.actions._common import _move
from zhengdun.clues.models import (
    Clue,
    DeadlineChange,
    Feedback,
    Status,
)
from zhengdun.core.text import clean_text


@transaction.atomic
def record_feedback(
    actor: User, clue: Clue, *, method: str, fed_back_on: dt.date, content: str, opinion: str = ""
) -> Feedback:
    """Record the reply to the reporter (反馈); a later call records a follow-up (回访)."""
    workflow.check(actor, clue, "record_feedback")
    if method not in Feedback.Method.values:
        raise ValidationError({"method": "请选择反馈方式"})
    if opinion and opinion not in Feedback.Opinion.values:
        raise ValidationError({"opinion": "请选择举报人意见"})
    content = clean_text(content, "content", "反馈内容", required=True, max_length=5000)
    if clue.closed_on and fed_back_on < clue.closed_on:
        raise ValidationError({"fed_back_on": "反馈日期不能早于办结日期"})
    if fed_back_on > _common._today():
        raise ValidationError({"fed_back_on": "反馈日期不能晚于今天"})
    feedback = Feedback.objects.create(
        clue=clue, method=method, fed_back_on=fed_back_on, content=content, opinion=opinion, recorded_by=actor
    )
    late = bool(clue.feedback_due and fed_back_on > clue.feedback_due)
    _move(
        actor,
        clue,
        "record_feedback",
        Status.FED_BACK,
        note=content,
        data={"method": feedback.get_method_display(), "late": late},
    )
    return feedback


@transaction.atomic
def archive_clue(actor: User, clue: Clue) -> Clue:
    """Archive (归档) a finished clue. A reachable reporter must have had the reply first."""
    workflow.check(actor, clue, "archive")
    if clue.status == Status.CLOSED and clue.reporter_reachable:
        raise ValidationError({"__all__": "实名可联系的举报，须先反馈举报人再归档"})
    if clue.status == Status.TRANSFERRED and not clue.transfers.exclude(outcome="").exists():
        raise ValidationError({"__all__": "移交线索须先登记接收单位的办理结果再归档"})
    return _move(actor, clue, "archive", Status.ARCHIVED)


@transaction.atomic
def reopen_clue(actor: User, clue: Clue, *, reason: str) -> Clue:
    """Reopen a finished clue (回头看) for more handling; its earlier results stay on record.
    The handling unit gets a fresh deadline by the usual rule, counted from today."""
    reason = clean_text(reason, "reason", "重新办理理由", max_length=2000)
    old = clue.deadline
    deadline = deadlines.handling_deadline(clue.channel, list(clue.categories.all()), _common._today())
    _move(
        actor,
        clue,
        "reopen",
        Status.HANDLING,
        note=reason,
        closed_on=None,
        feedback_due=None,
        deadline=deadline,
    )
    DeadlineChange.objects.create(
        clue=clue, old_deadline=old, new_deadline=deadline, reason="回头看重新办理", changed_by=actor
    )
    return clue
