"""Chinese labels for audit action codes, for the audit pages only.

The foundation's own codes are here; each capability registers the labels of the codes it
records in core.hooks.AUDIT_LABELS (its hooks module), so this module imports none of them.
An unknown code is shown as the code itself rather than hidden; a test
(core/tests/test_audit_labels.py) holds every code recorded anywhere to having a label.
"""

from __future__ import annotations

from django.apps import apps

from zhengdun.core import hooks

ACTION_LABELS: dict[str, str] = {
    # accounts and sign-in (等保: every login, failure and lock-out is audited)
    "auth.login": "登录",
    "auth.login_failed": "登录失败",
    "auth.locked": "账号锁定",
    "auth.logout": "退出登录",
    "auth.password_changed": "修改密码",
    "user.created": "新建用户",
    "user.changed": "修改用户",
    "user.disabled": "停用用户",
    "user.enabled": "启用用户",
    "user.unlocked": "解除锁定",
    "user.password_reset": "重置密码",
    "role.granted": "授予角色",
    "role.revoked": "撤销角色",
    "token.issued": "签发接口令牌",
    "token.revoked": "吊销接口令牌",
    # unit tree and roster
    "unit.created": "新建单位",
    "unit.changed": "修改单位",
    "unit.deleted": "删除单位",
    "person.created": "新增干警",
    "person.changed": "修改干警信息",
    "person.id_number_viewed": "查看身份证号",
    # the working-day calendar and the demo data
    "calendar.day_set": "设置工作日历",
    "calendar.day_cleared": "清除工作日历设置",
    "seed.demo_city": "生成演示数据",
    # the audit trail itself (三员分立: the auditor's own actions are audited too)
    "audit.viewed": "查阅审计日志",
    "audit.verify_requested": "发起日志链校验",
    "audit.verified": "校验审计日志链",
    "audit.verify_failed": "日志链校验出错",
}


def action_label(code: str) -> str:
    """The Chinese label of an action code: the foundation's, then each app's registered labels,
    then an app's resolver for its prefix (e.g. every "clue.<event>"); else the code itself."""
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    contributions = hooks.AUDIT_LABELS.values()
    for labels in contributions:
        if code in labels.labels:
            return labels.labels[code]
    for labels in contributions:
        if labels.prefix and labels.resolve is not None and code.startswith(labels.prefix):
            found = labels.resolve(code.removeprefix(labels.prefix))
            if found:
                return found
    return code


def object_type_label(object_type: str) -> str:
    """The model's verbose name for an "app.model" label, or the label itself when the model is
    gone (an entry outlives any refactoring of the models it describes)."""
    if not object_type:
        return ""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type
