"""Roles (角色) and what each may do. One table; accounts.permissions reads nothing else.

A permission code is "<app>.<verb>" (e.g. "org.change_person"). A role is granted on a unit and
covers that unit's subtree; see accounts.permissions for how grants become querysets.
"""

from django.db import models


class Role(models.TextChoices):
    OFFICE_HANDLER = "office_handler", "教育整顿办承办人"
    LEADER = "leader", "领导"
    UNIT_HANDLER = "unit_handler", "单位承办人"
    INSPECTOR = "inspector", "督导组"
    OFFICER = "officer", "干警"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


# 三员分立: no account may hold two of these.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

_READ_ORG = {"org.view_unit", "org.view_person"}

# 线索办理: the office registers and assigns, the handling unit verifies, a leader approves.
_CLUES_OFFICE = {
    "clues.view",
    "clues.register",
    "clues.assign",
    "clues.supervise",
    "clues.feedback",
    "clues.attach",
    "clues.view_reporter",
    "clues.configure",  # source channels, local categories, deadline rules
    "core.edit_calendar",  # the working-day calendar's overrides (放假调休)
}
_CLUES_LEADER = {"clues.view", "clues.approve", "clues.supervise", "clues.view_reporter"}
_CLUES_UNIT = {"clues.view", "clues.handle", "clues.feedback", "clues.attach"}

# 自查事项: anyone with a roster record files their own report (file_own, checked against
# user.person); discipline staff file on behalf of the officers of their subtree and review
# the reports; the office also sets up the campaigns and their self-report windows.
_SELF_OWN = {"selfreports.file_own"}
_SELF_UNIT = _SELF_OWN | {"selfreports.view", "selfreports.file", "selfreports.review"}
_SELF_OFFICE = _SELF_UNIT | {"selfreports.configure"}
# 自查从宽: a leader confirms or overrides the system's recommended basis on a clue's subject
_SELF_LEADER = _SELF_OWN | {"selfreports.view", "selfreports.decide_leniency"}

# 顽瘴痼疾整治: the office keeps the 问题清单 and closes problems off (对账销号); units register
# the problems they find and report progress on theirs; leaders watch the battle map and may
# order a 回头看 (reopen); inspection teams follow the lists.
_RECT_VIEW = {"rectification.view"}
_RECT_UNIT = _RECT_VIEW | {"rectification.register", "rectification.report", "rectification.institutions"}
_RECT_OFFICE = _RECT_UNIT | {"rectification.close_off", "rectification.reopen", "rectification.configure"}
_RECT_LEADER = _RECT_VIEW | {"rectification.reopen"}

PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OFFICE_HANDLER: frozenset(
        _READ_ORG | {"org.change_person", "org.view_id_number"} | _CLUES_OFFICE | _SELF_OFFICE | _RECT_OFFICE
    ),
    Role.LEADER: frozenset(_READ_ORG | {"org.view_id_number"} | _CLUES_LEADER | _SELF_LEADER | _RECT_LEADER),
    Role.UNIT_HANDLER: frozenset(
        _READ_ORG | {"org.change_person", "org.view_id_number"} | _CLUES_UNIT | _SELF_UNIT | _RECT_UNIT
    ),
    # inspection teams register what they find (明察暗访) and follow it
    Role.INSPECTOR: frozenset(_READ_ORG | {"clues.view", "clues.register"} | _SELF_OWN | _RECT_VIEW),
    Role.OFFICER: frozenset({"org.view_unit"} | _SELF_OWN),
    # runs the system: the unit tree, accounts, backups — not the case files
    Role.SYSTEM_ADMIN: frozenset(
        {"org.view_unit", "org.change_unit", "accounts.manage_users", "core.edit_calendar"}
    ),
    # grants roles and sets the security policy
    Role.SECURITY_ADMIN: frozenset({"org.view_unit", "accounts.view_users", "accounts.grant_roles"}),
    # reads the audit trail, and nothing else
    Role.AUDIT_ADMIN: frozenset({"audit.view"}),
}


def permissions_of(role: str) -> frozenset[str]:
    return PERMISSIONS.get(role, frozenset())


def roles_with(permission: str) -> frozenset[str]:
    return frozenset(role for role, perms in PERMISSIONS.items() if permission in perms)
