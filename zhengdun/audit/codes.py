"""Chinese labels for audit action codes, for the audit pages only.

An unknown code is shown as the code itself, so an app that adds a code without a label here
still shows up correctly in the log; add the label when adding the code.
"""

from __future__ import annotations

from django.apps import apps

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
    # reference data and clue access
    "category.created": "新增线索类别",
    "channel.created": "新增线索来源渠道",
    "calendar.day_set": "设置工作日历",
    "calendar.day_cleared": "清除工作日历设置",
    "deadline_rule.set": "设置办理时限规则",
    "deadline_rule.deleted": "删除办理时限规则",
    "clue.reporter_viewed": "查看举报人信息",
    "clue.attachment_downloaded": "下载线索附件",
    "seed.demo_city": "生成演示数据",
    # campaigns and self-reports (自查自纠)
    "campaign.created": "新建教育整顿",
    "campaign.changed": "修改教育整顿",
    "campaign.stages_set": "设置教育整顿环节",
    "campaign.activated": "启用教育整顿",
    "campaign.deactivated": "停用教育整顿",
    "selfreport.draft_started": "开始填写自查报告",
    "selfreport.draft_saved": "保存自查报告草稿",
    "selfreport.submitted": "提交自查报告",
    "selfreport.correction_started": "开始更正自查报告",
    "selfreport.draft_discarded": "放弃自查报告草稿",
    "selfreport.item_reviewed": "核实自查事项",
    "selfreport.item_converted": "自查事项转为问题线索",
    "selfreport.attachment_downloaded": "下载自查事项附件",
    "leniency.confirmed": "确认从宽从严依据",
    "leniency.overridden": "改判从宽从严依据",
    "rectification.problem_registered": "登记整改问题",
    "rectification.problem_changed": "修改整改问题",
    "rectification.plan_changed": "调整工期节点",
    "rectification.milestone_done": "标记节点完成",
    "rectification.task_added": "增加整改任务",
    "rectification.progress_reported": "报告整改进展",
    "rectification.closed_off": "对账销号",
    "rectification.reopened": "重新整改",
    "rectification.template_saved": "保存工期模板",
    "rectification.institution_registered": "登记制度成果",
    "rectification.institution_linked": "调整制度针对问题",
    "rectification.evidence_downloaded": "下载佐证材料",
    "rectification.document_downloaded": "下载制度文件",
    "rectification.problems_exported": "导出问题清单",
    "rectification.battlemap_exported": "导出挂图作战",
    "rectification.institutions_exported": "导出制度成果",
    # the audit trail itself (三员分立: the auditor's own actions are audited too)
    "audit.viewed": "查阅审计日志",
    "audit.verify_requested": "发起日志链校验",
    "audit.verified": "校验审计日志链",
    "audit.verify_failed": "日志链校验出错",
}


def action_label(code: str) -> str:
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    if code.startswith("clue."):
        from zhengdun.clues.workflow import event_label

        return "线索：" + event_label(code.removeprefix("clue."))
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
