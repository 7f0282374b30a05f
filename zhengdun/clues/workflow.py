"""The clue lifecycle as one declared table.

Every action a user can take on a clue — a transition that changes its status, or a step that
records something without changing it — is a row here: the states it is allowed from, where it
goes, and which permission on which unit it needs. clues.actions enforces it through check();
the UI derives its buttons from available(). Nothing else decides who may do what to a clue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues.models import OPEN_STATES, Clue, Sensitivity, Status
from zhengdun.core.errors import InvalidTransition

S = Status

# Where the permission is checked: the unit that received the clue, the unit handling it, or
# either of the two.
OWNER, HANDLING, EITHER = "owner", "handling", "either"


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    targets: frozenset[str]  # empty: a step that records something and keeps the status
    permission: str
    unit: str
    needs_reason: bool = False

    @property
    def is_transition(self) -> bool:
        return bool(self.targets)


def _a(name: str, label: str, sources: Any, targets: Any, permission: str, unit: str, **kw: Any) -> Action:
    return Action(name, label, frozenset(sources), frozenset(targets), permission, unit, **kw)


_EDITABLE = {S.REGISTERED, S.ASSIGNED}
_IN_HAND = {S.ASSIGNED, S.DISPOSITION_PENDING, S.HANDLING, S.CLOSURE_PENDING}
_NOT_FINAL = set(S) - {S.MERGED, S.ARCHIVED}

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        # --- transitions ------------------------------------------------------------------
        _a("assign", "交办", {S.REGISTERED}, {S.ASSIGNED}, "clues.assign", OWNER),
        _a(
            "return_to_office",
            "退回",
            {S.ASSIGNED},
            {S.REGISTERED},
            "clues.handle",
            HANDLING,
            needs_reason=True,
        ),
        _a(
            "propose_disposition",
            "提出处置意见",
            {S.ASSIGNED},
            {S.DISPOSITION_PENDING},
            "clues.handle",
            HANDLING,
        ),
        _a(
            "approve_disposition",
            "批准处置",
            {S.DISPOSITION_PENDING},
            {S.HANDLING, S.ON_HOLD, S.CLOSED},
            "clues.approve",
            EITHER,
        ),
        _a(
            "reject_disposition",
            "退回处置意见",
            {S.DISPOSITION_PENDING},
            {S.ASSIGNED},
            "clues.approve",
            EITHER,
            needs_reason=True,
        ),
        _a("reactivate", "重新启用", {S.ON_HOLD}, {S.ASSIGNED}, "clues.handle", HANDLING, needs_reason=True),
        _a("submit_closure", "提请办结", {S.HANDLING}, {S.CLOSURE_PENDING}, "clues.handle", HANDLING),
        _a("approve_closure", "批准办结", {S.CLOSURE_PENDING}, {S.CLOSED}, "clues.approve", EITHER),
        _a(
            "reject_closure",
            "退回办结",
            {S.CLOSURE_PENDING},
            {S.HANDLING},
            "clues.approve",
            EITHER,
            needs_reason=True,
        ),
        _a("record_feedback", "反馈举报人", {S.CLOSED, S.FED_BACK}, {S.FED_BACK}, "clues.feedback", EITHER),
        _a("archive", "归档", {S.CLOSED, S.FED_BACK, S.TRANSFERRED}, {S.ARCHIVED}, "clues.assign", OWNER),
        _a(
            "transfer",
            "移交",
            {S.REGISTERED, S.ASSIGNED, S.HANDLING},
            {S.TRANSFERRED},
            "clues.assign",
            OWNER,
            needs_reason=True,
        ),
        _a("merge", "并件（重复件）", {S.REGISTERED}, {S.MERGED}, "clues.assign", OWNER),
        _a(
            "reopen",
            "重新办理（回头看）",
            {S.CLOSED, S.FED_BACK, S.ARCHIVED},
            {S.HANDLING},
            "clues.approve",
            EITHER,
            needs_reason=True,
        ),
        # --- steps (status unchanged) -----------------------------------------------------
        _a("edit", "修改", _EDITABLE, (), "clues.register", OWNER),
        _a("edit_subjects", "维护被反映人", _EDITABLE | {S.HANDLING}, (), "clues.register", EITHER),
        _a("record_result", "录入核查结论", {S.HANDLING}, (), "clues.handle", HANDLING),
        _a("record_measure", "录入处理措施", {S.HANDLING}, (), "clues.handle", HANDLING),
        _a("record_case", "登记立案情况", {S.HANDLING}, (), "clues.handle", HANDLING),
        _a("request_extension", "申请延期", _IN_HAND, (), "clues.handle", HANDLING, needs_reason=True),
        _a("decide_extension", "审批延期", _IN_HAND, (), "clues.approve", EITHER),
        _a("supervise", "督办", OPEN_STATES, (), "clues.supervise", EITHER),
        _a("record_transfer_outcome", "登记移交结果", {S.TRANSFERRED, S.ARCHIVED}, (), "clues.assign", OWNER),
        _a("attach", "上传附件", _NOT_FINAL, (), "clues.attach", EITHER),
        _a("name_viewers", "指定知悉人", _NOT_FINAL, (), "clues.assign", OWNER),
    ]
}


def _units(clue: Clue, where: str) -> list[Any]:
    if where == OWNER:
        return [clue.owner_unit]
    if where == HANDLING:
        return [clue.handling_unit] if clue.handling_unit_id else []
    return [
        u for u in (clue.owner_unit, clue.handling_unit if clue.handling_unit_id else None) if u is not None
    ]


def holds(user: User, permission: str, clue: Clue, where: str) -> bool:
    """Whether the user holds the permission on the unit(s) the row names."""
    return any(permissions.has_permission(user, permission, unit) for unit in _units(clue, where))


def is_recused(user: User, clue: Clue) -> bool:
    if not user.person_id:
        return False
    return clue.subjects.filter(person_id=user.person_id).exists()


def may_see(user: User, clue: Clue) -> bool:
    """The same answer as scope(): used by actions on clues loaded without going through it."""
    return permissions.scope(user, "clues.view", Clue.objects.filter(pk=clue.pk)).exists()


def check(user: User, clue: Clue, name: str) -> Action:
    """Raise unless the user may take this action on the clue in its current (stored) state."""
    action = ACTIONS[name]
    if not may_see(user, clue):
        raise PermissionDenied("您无权查看或办理该线索")
    if clue.status not in action.sources:
        raise InvalidTransition(f"线索当前状态为“{clue.get_status_display()}”，不能执行“{action.label}”")
    if not holds(user, action.permission, clue, action.unit):
        raise PermissionDenied(f"您没有对该线索执行“{action.label}”的权限")
    return action


def available(user: User, clue: Clue) -> list[Action]:
    """The actions this user may take now — what the detail page shows as buttons."""
    if is_recused(user, clue):
        return []
    if clue.sensitivity == Sensitivity.IMPORTANT and not may_see(user, clue):
        return []
    return [
        a for a in ACTIONS.values() if clue.status in a.sources and holds(user, a.permission, clue, a.unit)
    ]


# Labels of the timeline/audit codes that are not actions of the table above.
EVENT_LABELS: dict[str, str] = {
    "registered": "登记",
    "edited": "修改登记信息",
    "subject_added": "添加被反映人",
    "subject_removed": "删除被反映人",
    "result_recorded": "录入核查结论",
    "measure_recorded": "录入处理措施",
    "measure_removed": "删除处理措施",
    "cleared": "澄清正名",
    "cleared_undone": "撤销澄清正名",
    "case_recorded": "登记立案情况",
    "transfer_outcome_recorded": "登记移交结果",
    "extension_requested": "申请延期",
    "extension_approved": "同意延期",
    "extension_rejected": "不同意延期",
    "supervised": "督办",
    "attachment_added": "上传附件",
    "viewers_named": "指定知悉人",
    "duplicate_merged": "重复件并入",
}


def event_label(code: str) -> str:
    """The Chinese label of a timeline code (an action of the table or a recorded step)."""
    action = ACTIONS.get(code)
    return action.label if action else EVENT_LABELS.get(code, code)
