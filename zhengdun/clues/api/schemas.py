"""Response schemas of the clue API (clues.api): built from the model objects themselves
(`from_attributes`, with `resolve_<field>` for what is not a plain attribute), so the answer of
every endpoint is declared once, here.

Every code travels with its Chinese label ("status": "handling", "status_label": "办理中"). The
reporter's identity has no field here except in ReporterOut, which only the audited reveal
endpoint returns. Resolvers that depend on the caller read them from the context ninja passes
(`context["request"]`).
"""

# No "from __future__ import annotations": django-ninja and pydantic read these at runtime.

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from ninja import Field, Schema

from zhengdun.clues import deadlines, workflow
from zhengdun.clues.models import XINGTAI_LABELS, Status
from zhengdun.clues.workflow import EVENT_LABELS
from zhengdun.core import hooks
from zhengdun.core.api import PageOut, actor

__all__ = [
    "ACTION_PATHS",
    "ActionOut",
    "AttachmentOut",
    "CategoryItem",
    "ClueCategoryRef",
    "ClueDetail",
    "ClueItem",
    "ClueListOut",
    "ClueRef",
    "ClueUnitRef",
    "ClueUserRef",
    "ClueCodeLabel",
    "DeadlineChangeOut",
    "DuplicateOut",
    "EventOut",
    "FeedbackOut",
    "MeasureKindRef",
    "MeasureOut",
    "ClueReferenceOut",
    "ReporterOut",
    "RequestOut",
    "ClueStatusRef",
    "SubjectOut",
    "LeniencyOut",
    "LeniencyDecisionOut",
    "SupervisionOut",
    "TransferOut",
    "XingtaiRef",
]

# workflow action name -> the path (under the clue) of the endpoint that performs it
ACTION_PATHS = {
    "assign": "actions/assign",
    "return_to_office": "actions/return",
    "propose_disposition": "actions/propose-disposition",
    "approve_disposition": "actions/approve-disposition",
    "reject_disposition": "actions/reject-disposition",
    "reactivate": "actions/reactivate",
    "submit_closure": "actions/submit-closure",
    "approve_closure": "actions/approve-closure",
    "reject_closure": "actions/reject-closure",
    "record_feedback": "actions/feedback",
    "archive": "actions/archive",
    "transfer": "actions/transfer",
    "merge": "actions/merge",
    "reopen": "actions/reopen",
    "request_extension": "actions/request-extension",
    "decide_extension": "actions/decide-extension",
    "supervise": "actions/supervise",
    "record_case": "actions/case",
    "name_viewers": "actions/name-viewers",
    "edit": "",
    "edit_subjects": "subjects",
    "attach": "attachments",
}


def _display(obj: Any, field: str) -> str:
    """The Chinese label of a choice field; "" when the field is empty (not yet decided)."""
    return getattr(obj, f"get_{field}_display")() if getattr(obj, field) else ""


def _status_label(code: str) -> str:
    return Status(code).label if code in Status.values else code


def _event_label(code: str) -> str:
    if code in EVENT_LABELS:
        return EVENT_LABELS[code]
    action = workflow.ACTIONS.get(code)
    return action.label if action else code


# --- references ------------------------------------------------------------------------------


class ClueCodeLabel(Schema):
    code: str = Field(description="代码")
    label: str = Field(description="中文名称")


class ClueUnitRef(Schema):
    id: int = Field(description="单位ID")
    name: str = Field(description="单位名称")


class ClueUserRef(Schema):
    id: int = Field(description="用户ID")
    name: str = Field(description="姓名（或用户名）")

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.display_name or obj.username


class ClueRef(Schema):
    id: int = Field(description="线索ID")
    number: str = Field(description="线索编号")


class ClueCategoryRef(Schema):
    code: str = Field(description="类别代码，如 GJ2")
    name: str = Field(description="类别名称")


class ClueStatusRef(ClueCodeLabel):
    colour: str = Field(description="徽标颜色：red/yellow/green/blue/grey")


class CategoryItem(ClueCategoryRef):
    is_national: bool = Field(description="是否全国统一类别（六大顽瘴痼疾）")


class MeasureKindRef(ClueCodeLabel):
    xingtai: int = Field(description="所属“四种形态”：1–4")
    group: str = Field(description="措施类别，如“党纪处分”")


class XingtaiRef(Schema):
    code: int = Field(description="形态：1–4")
    label: str = Field(description="中文名称，如“第一种形态”")


class ClueReferenceOut(Schema):
    channels: list[ClueCodeLabel] = Field(description="线索来源（启用的）")
    categories: list[CategoryItem] = Field(description="问题类别（启用的）")
    statuses: list[ClueStatusRef] = Field(description="线索状态")
    dispositions: list[ClueCodeLabel] = Field(description="处置方式")
    results: list[ClueCodeLabel] = Field(description="核查结论")
    measure_kinds: list[MeasureKindRef] = Field(description="处理措施及其形态")
    xingtai: list[XingtaiRef] = Field(description="四种形态")
    supervision_levels: list[ClueCodeLabel] = Field(description="督办等级")
    supervision_reasons: list[str] = Field(description="督办事由（取值即名称）")
    transfer_targets: list[ClueCodeLabel] = Field(description="移交对象类别")
    feedback_methods: list[ClueCodeLabel] = Field(description="反馈方式")
    feedback_opinions: list[ClueCodeLabel] = Field(description="举报人意见")
    reporting_modes: list[ClueCodeLabel] = Field(description="举报方式")
    sensitivities: list[ClueCodeLabel] = Field(description="密级")
    sorts: list[ClueCodeLabel] = Field(description="台账排序方式")


# --- clue output -----------------------------------------------------------------------------


class ClueItem(Schema):
    id: int = Field(description="线索ID")
    number: str = Field(description="线索编号")
    channel: str = Field(description="线索来源代码")
    channel_label: str = Field(description="线索来源名称")
    received_on: dt.date = Field(description="受理日期")
    summary: str = Field(description="反映问题摘要")
    status: str = Field(description="状态代码")
    status_label: str = Field(description="状态名称")
    status_colour: str = Field(description="状态徽标颜色")
    disposition: str = Field(description="处置方式代码；未定为空")
    disposition_label: str = Field(description="处置方式名称")
    sensitivity: str = Field(description="密级代码")
    sensitivity_label: str = Field(description="密级名称")
    owner_unit: ClueUnitRef = Field(description="受理单位")
    handling_unit: ClueUnitRef | None = Field(description="承办单位；未交办为空")
    handler: ClueUserRef | None = Field(description="承办人")
    deadline: dt.date | None = Field(description="办理时限")
    deadline_flag: str = Field(description="时限标记：overdue 逾期，near 临期，空为正常")
    deadline_flag_label: str = Field(description="时限标记名称")
    supervision_level: str = Field(description="督办等级代码；未督办为空")
    supervision_level_label: str = Field(description="督办等级名称")
    closed_on: dt.date | None = Field(description="办结日期")
    categories: list[ClueCategoryRef] = Field(description="问题类别")
    subject_names: list[str] = Field(description="被反映人姓名")
    version: int = Field(description="版本号（乐观锁），修改时须原样提交")

    @staticmethod
    def resolve_channel(obj: Any) -> str:
        return obj.channel.code

    @staticmethod
    def resolve_channel_label(obj: Any) -> str:
        return obj.channel.name

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_disposition_label(obj: Any) -> str:
        return _display(obj, "disposition")

    @staticmethod
    def resolve_sensitivity_label(obj: Any) -> str:
        return obj.get_sensitivity_display()

    @staticmethod
    def resolve_deadline_flag(obj: Any) -> str:
        return deadlines.flag_for(obj, timezone.localdate())

    @staticmethod
    def resolve_deadline_flag_label(obj: Any) -> str:
        flag = deadlines.flag_for(obj, timezone.localdate())
        return deadlines.FLAG_LABELS[flag][0] if flag else ""

    @staticmethod
    def resolve_supervision_level_label(obj: Any) -> str:
        return _display(obj, "supervision_level")

    @staticmethod
    def resolve_subject_names(obj: Any) -> list[str]:
        return [s.name for s in obj.subjects.all()]


class ClueListOut(PageOut):
    items: list[ClueItem] = Field(description="本页线索")


class MeasureOut(Schema):
    id: int = Field(description="处理措施ID")
    kind: str = Field(description="措施代码")
    kind_label: str = Field(description="措施名称")
    xingtai: int = Field(description="所属形态：1–4")
    decided_on: dt.date = Field(description="决定日期")
    effective_until: dt.date | None = Field(description="影响期至")
    note: str = Field(description="说明")
    recorded_by: ClueUserRef = Field(description="录入人")
    recorded_at: dt.datetime = Field(description="录入时间")

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return obj.get_kind_display()


class LeniencyDecisionOut(Schema):
    basis: str = Field(description="认定的依据代码")
    basis_label: str = Field(description="认定的依据")
    recommended: str = Field(description="认定时系统建议的依据代码")
    overridden: bool = Field(description="与系统建议不同（改判）")
    reason: str = Field(description="理由")
    decided_by: str = Field(description="认定人")
    decided_at: dt.datetime = Field(description="认定时间")
    version: int = Field(description="版本号；再次认定时提交")


class LeniencyOut(Schema):
    subject_id: int = Field(description="被反映人ID")
    applies: bool = Field(description="是否适用（核查属实或部分属实且已关联名册）")
    basis: str | None = Field(description="系统建议的依据代码（由自查报告等事实推导，不作为定论存储）")
    basis_label: str | None = Field(description="系统建议的依据")
    summary: str | None = Field(description="依据摘要")
    evidence: dict[str, Any] | None = Field(description="推导所依据的事实")
    report_id: int | None = Field(description="依据中的自查报告ID（您可查看时）")
    decision: LeniencyDecisionOut | None = Field(description="领导的认定；尚未认定为空")
    stale: bool = Field(description="认定后事实已变化，系统建议与认定时不同")
    can_decide: bool = Field(description="您是否可以认定")


class SubjectOut(Schema):
    id: int = Field(description="被反映人ID")
    person_id: int | None = Field(description="名册中的干警ID；未识别身份为空")
    name: str = Field(description="姓名")
    unit_text: str = Field(description="单位")
    position: str = Field(description="职务")
    result: str = Field(description="核查结论代码；未录入为空")
    result_label: str = Field(description="核查结论名称")
    result_note: str = Field(description="核查情况")
    verified_amount: Decimal | None = Field(description="查实金额（元）")
    finding_categories: list[str] = Field(description="查实问题类别代码；空即与线索问题类别相同")
    xingtai: int | None = Field(description="四种形态（由最重的处理措施得出）")
    xingtai_label: str = Field(description="形态名称")
    cleared: bool = Field(description="是否已澄清正名")
    measures: list[MeasureOut] = Field(description="处理措施")
    leniency: LeniencyOut | None = Field(
        None,
        description="自查从宽、被查从严：系统推导的依据及领导认定（核查属实或部分属实时适用；未启用该功能时为空）",
    )

    @staticmethod
    def resolve_leniency(obj: Any, context: Any) -> dict[str, Any] | None:
        # One provider call for all of the clue's subjects, kept on the clue (the subjects were
        # prefetched from it, so obj.clue is that same instance): a fixed number of queries.
        clue = obj.clue
        if not hasattr(clue, "_leniency_answers"):
            answers: dict[int, dict[str, Any]] = {}
            for provide in hooks.CLUE_SUBJECT_LENIENCY:
                answers.update(provide(actor(context["request"]), clue, list(clue.subjects.all())))
            clue._leniency_answers = answers
        return clue._leniency_answers.get(obj.pk)

    @staticmethod
    def resolve_result_label(obj: Any) -> str:
        return _display(obj, "result")

    @staticmethod
    def resolve_finding_categories(obj: Any) -> list[str]:
        return [c.code for c in obj.finding_categories.all()]

    @staticmethod
    def resolve_xingtai_label(obj: Any) -> str:
        return XINGTAI_LABELS.get(obj.xingtai or 0, "")


class RequestOut(Schema):
    id: int = Field(description="审批事项ID")
    kind: str = Field(description="事项代码：disposition/closure/extension")
    kind_label: str = Field(description="事项名称")
    disposition: str = Field(description="拟处置方式代码")
    disposition_label: str = Field(description="拟处置方式名称")
    new_deadline: dt.date | None = Field(description="申请延期至")
    reason: str = Field(description="理由")
    requested_by: ClueUserRef = Field(description="申请人")
    requested_at: dt.datetime = Field(description="申请时间")
    decision: str = Field(description="审批结果代码：空为待审批，approved 同意，rejected 退回")
    decision_label: str = Field(description="审批结果名称")
    decided_by: ClueUserRef | None = Field(description="审批人")
    decided_at: dt.datetime | None = Field(description="审批时间")
    comment: str = Field(description="审批意见")

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_disposition_label(obj: Any) -> str:
        return _display(obj, "disposition")

    @staticmethod
    def resolve_decision_label(obj: Any) -> str:
        return obj.get_decision_display()


class EventOut(Schema):
    id: int = Field(description="记录ID")
    at: dt.datetime = Field(description="时间")
    actor: ClueUserRef | None = Field(description="操作人")
    action: str = Field(description="操作代码")
    action_label: str = Field(description="操作名称")
    from_status: str = Field(description="原状态代码；非状态变化为空")
    from_status_label: str = Field(description="原状态名称")
    to_status: str = Field(description="新状态代码；非状态变化为空")
    to_status_label: str = Field(description="新状态名称")
    note: str = Field(description="说明")
    data: dict[str, Any] = Field(description="其他记录内容")

    @staticmethod
    def resolve_action_label(obj: Any) -> str:
        return _event_label(obj.action)

    @staticmethod
    def resolve_from_status_label(obj: Any) -> str:
        return _status_label(obj.from_status) if obj.from_status else ""

    @staticmethod
    def resolve_to_status_label(obj: Any) -> str:
        return _status_label(obj.to_status) if obj.to_status else ""


class SupervisionOut(Schema):
    id: int = Field(description="督办ID")
    level: str = Field(description="督办等级代码")
    level_label: str = Field(description="督办等级名称")
    reason: str = Field(description="督办事由")
    note: str = Field(description="督办要求")
    report_by: dt.date | None = Field(description="进展报告期限")
    supervisor: ClueUserRef = Field(description="督办人")
    created_at: dt.datetime = Field(description="督办时间")

    @staticmethod
    def resolve_level_label(obj: Any) -> str:
        return obj.get_level_display()


class TransferOut(Schema):
    id: int = Field(description="移交ID")
    target: str = Field(description="移交对象类别代码")
    target_label: str = Field(description="移交对象类别名称")
    receiver: str = Field(description="接收单位")
    transferred_on: dt.date = Field(description="移交日期")
    due_on: dt.date = Field(description="移交期限（受理后5个工作日）")
    late: bool = Field(description="是否超期移交")
    reason: str = Field(description="移交理由")
    outcome: str = Field(description="接收单位办理结果")
    outcome_result: str = Field(description="结果认定代码")
    outcome_result_label: str = Field(description="结果认定名称")
    outcome_on: dt.date | None = Field(description="结果反馈日期")
    created_by: ClueUserRef = Field(description="移交人")

    @staticmethod
    def resolve_target_label(obj: Any) -> str:
        return obj.get_target_display()

    @staticmethod
    def resolve_outcome_result_label(obj: Any) -> str:
        return _display(obj, "outcome_result")


class FeedbackOut(Schema):
    id: int = Field(description="反馈ID")
    method: str = Field(description="反馈方式代码")
    method_label: str = Field(description="反馈方式名称")
    fed_back_on: dt.date = Field(description="反馈日期")
    content: str = Field(description="反馈内容")
    opinion: str = Field(description="举报人意见代码；未表态为空")
    opinion_label: str = Field(description="举报人意见名称")
    recorded_by: ClueUserRef = Field(description="录入人")
    recorded_at: dt.datetime = Field(description="录入时间")

    @staticmethod
    def resolve_method_label(obj: Any) -> str:
        return obj.get_method_display()

    @staticmethod
    def resolve_opinion_label(obj: Any) -> str:
        return _display(obj, "opinion")


class DeadlineChangeOut(Schema):
    id: int = Field(description="记录ID")
    old_deadline: dt.date | None = Field(description="原时限")
    new_deadline: dt.date = Field(description="新时限")
    reason: str = Field(description="变更原因")
    changed_by: ClueUserRef = Field(description="操作人")
    changed_at: dt.datetime = Field(description="变更时间")


class AttachmentOut(Schema):
    id: int = Field(description="附件ID")
    original_name: str = Field(description="文件名")
    content_type: str = Field(description="按内容识别的文件类型")
    size: int = Field(description="大小（字节）")
    sha256: str = Field(description="SHA-256 摘要")
    uploaded_by: ClueUserRef = Field(description="上传人")
    uploaded_at: dt.datetime = Field(description="上传时间")
    download_url: str = Field(description="下载地址（每次下载均记入审计日志）")

    @staticmethod
    def resolve_download_url(obj: Any) -> str:
        return reverse("api:clue_attachment", kwargs={"attachment_id": obj.pk})


class ActionOut(Schema):
    name: str = Field(description="操作代码（clues.workflow）")
    label: str = Field(description="操作名称")
    endpoint: str | None = Field(description="执行该操作的接口地址；针对被反映人的操作为空")


class ClueDetail(ClueItem):
    content: str = Field(description="反映问题内容")
    external_ref: str = Field(description="外部编号，如12337平台编号")
    reporting_mode: str = Field(description="举报方式代码")
    reporting_mode_label: str = Field(description="举报方式名称")
    reporter_reachable: bool = Field(description="举报人是否可联系（身份信息须经专门接口查看）")
    assigned_on: dt.date | None = Field(description="交办日期")
    org_aware_at: dt.datetime | None = Field(description="组织掌握时间")
    case_proposed_on: dt.date | None = Field(description="拟立案日期")
    case_filed_on: dt.date | None = Field(description="立案日期")
    feedback_due: dt.date | None = Field(description="反馈期限")
    merged_into: ClueRef | None = Field(description="并入的线索（重复件）")
    created_by: ClueUserRef = Field(description="登记人")
    created_at: dt.datetime = Field(description="登记时间")
    updated_at: dt.datetime = Field(description="最后修改时间")
    subjects: list[SubjectOut] = Field(description="被反映人及其核查结论、处理措施")
    viewers: list[ClueUserRef] = Field(description="重要线索的知悉人")
    requests: list[RequestOut] = Field(description="审批事项")
    events: list[EventOut] = Field(description="办理记录（时间线）")
    supervisions: list[SupervisionOut] = Field(description="督办")
    transfers: list[TransferOut] = Field(description="移交")
    feedbacks: list[FeedbackOut] = Field(description="反馈举报人")
    deadline_changes: list[DeadlineChangeOut] = Field(description="时限变更记录")
    attachments: list[AttachmentOut] = Field(description="附件（仅元数据）")
    actions: list[ActionOut] = Field(description="当前用户现在可以执行的操作")

    @staticmethod
    def resolve_reporting_mode_label(obj: Any) -> str:
        return obj.get_reporting_mode_display()

    @staticmethod
    def resolve_merged_into(obj: Any, context: Any) -> Any:
        # the clue merged into is named only to someone who may see it
        merged = obj.merged_into
        if merged is None or not workflow.may_see(actor(context["request"]), merged):
            return None
        return merged

    @staticmethod
    def resolve_viewers(obj: Any) -> list[Any]:
        return [v.user for v in obj.viewers.all()]

    @staticmethod
    def resolve_actions(obj: Any, context: Any) -> list[dict[str, Any]]:
        detail_url = reverse("api:clue_detail", kwargs={"clue_id": obj.pk})
        return [
            {
                "name": a.name,
                "label": a.label,
                "endpoint": (
                    f"{detail_url}/{ACTION_PATHS[a.name]}".rstrip("/") if a.name in ACTION_PATHS else None
                ),
            }
            for a in workflow.available(actor(context["request"]), obj)
        ]


class ReporterOut(Schema):
    reporting_mode: str = Field(description="举报方式代码")
    reporting_mode_label: str = Field(description="举报方式名称")
    name: str = Field(description="举报人姓名")
    phone: str = Field(description="联系电话")
    id_number: str = Field(description="身份证号")
    address: str = Field(description="联系地址")


class DuplicateOut(Schema):
    clue: ClueItem = Field(description="疑似重复的线索")
    score: float = Field(description="文本相似度（0–1）")
