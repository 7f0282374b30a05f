"""Request and response schemas of the clue API (clues.api).

Every code travels with its Chinese label ("status": "handling", "status_label": "办理中"). The
reporter's identity has no field here except in ReporterOut, which only the audited reveal
endpoint returns.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import field_validator

from zhengdun.clues.filters import SORTS
from zhengdun.clues.models import (
    Disposition,
    Feedback,
    MeasureKind,
    ReportingMode,
    Result,
    Sensitivity,
    Transfer,
)

# Largest id accepted in a path or body: beyond any real table, small enough for every database.
MAX_ID = 2**31 - 1
IdList = list[Annotated[int, Field(ge=1, le=MAX_ID)]]

DispositionCode = Literal[tuple(Disposition.values)]  # type: ignore[valid-type]
ResultCode = Literal[tuple(Result.values)]  # type: ignore[valid-type]
MeasureCode = Literal[tuple(MeasureKind.values)]  # type: ignore[valid-type]
ReportingModeCode = Literal[tuple(ReportingMode.values)]  # type: ignore[valid-type]
SensitivityCode = Literal[tuple(Sensitivity.values)]  # type: ignore[valid-type]
TransferTarget = Literal[tuple(Transfer.Target.values)]  # type: ignore[valid-type]
FeedbackMethod = Literal[tuple(Feedback.Method.values)]  # type: ignore[valid-type]
FeedbackOpinion = Literal[tuple(Feedback.Opinion.values)]  # type: ignore[valid-type]
SupervisionCode = Literal["general", "key", "listed"]
SortCode = Literal[tuple(SORTS)]  # type: ignore[valid-type]


def check_text(value: str) -> str:
    """Refuse characters no text field may hold: NUL and lone surrogates cannot be stored
    (PostgreSQL rejects NUL, UTF-8 cannot encode a surrogate), other control characters are
    never typed by a person."""
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cs" or (category == "Cc" and ch not in "\t\n\r"):
            raise ValueError("包含不允许的控制字符")
    return value


class _Checked(Schema):
    @field_validator("*", mode="after")
    @classmethod
    def _no_control_chars(cls, value: Any) -> Any:
        if isinstance(value, str):
            return check_text(value)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, str):
                    check_text(item)
        return value


def _id(description: str) -> Any:
    return Field(ge=1, le=MAX_ID, description=description)


def _opt_id(description: str) -> Any:
    return Field(None, ge=1, le=MAX_ID, description=description)


# --- references ------------------------------------------------------------------------------


class CodeLabel(Schema):
    code: str = Field(description="代码")
    label: str = Field(description="中文名称")


class ClueUnitRef(Schema):
    id: int = Field(description="单位ID")
    name: str = Field(description="单位名称")


class ClueUserRef(Schema):
    id: int = Field(description="用户ID")
    name: str = Field(description="姓名（或用户名）")


class ClueRef(Schema):
    id: int = Field(description="线索ID")
    number: str = Field(description="线索编号")


class CategoryRef(Schema):
    code: str = Field(description="类别代码，如 GJ2")
    name: str = Field(description="类别名称")


class StatusRef(CodeLabel):
    colour: str = Field(description="徽标颜色：red/yellow/green/blue/grey")


class CategoryItem(CategoryRef):
    is_national: bool = Field(description="是否全国统一类别（六大顽瘴痼疾）")


class MeasureKindRef(CodeLabel):
    xingtai: int = Field(description="所属“四种形态”：1–4")
    group: str = Field(description="措施类别，如“党纪处分”")


class XingtaiRef(Schema):
    code: int = Field(description="形态：1–4")
    label: str = Field(description="中文名称，如“第一种形态”")


class ReferenceOut(Schema):
    channels: list[CodeLabel] = Field(description="线索来源（启用的）")
    categories: list[CategoryItem] = Field(description="问题类别（启用的）")
    statuses: list[StatusRef] = Field(description="线索状态")
    dispositions: list[CodeLabel] = Field(description="处置方式")
    results: list[CodeLabel] = Field(description="核查结论")
    measure_kinds: list[MeasureKindRef] = Field(description="处理措施及其形态")
    xingtai: list[XingtaiRef] = Field(description="四种形态")
    supervision_levels: list[CodeLabel] = Field(description="督办等级")
    supervision_reasons: list[str] = Field(description="督办事由（取值即名称）")
    transfer_targets: list[CodeLabel] = Field(description="移交对象类别")
    feedback_methods: list[CodeLabel] = Field(description="反馈方式")
    feedback_opinions: list[CodeLabel] = Field(description="举报人意见")
    reporting_modes: list[CodeLabel] = Field(description="举报方式")
    sensitivities: list[CodeLabel] = Field(description="密级")
    sorts: list[CodeLabel] = Field(description="台账排序方式")


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
    categories: list[CategoryRef] = Field(description="问题类别")
    subject_names: list[str] = Field(description="被反映人姓名")
    version: int = Field(description="版本号（乐观锁），修改时须原样提交")


class ClueListOut(Schema):
    items: list[ClueItem] = Field(description="本页线索")
    count: int = Field(description="符合条件的线索数；超过上限时为上限值")
    count_capped: bool = Field(description="为 true 时实际数量超过 count（计数上限，页面显示为“1000+”）")
    limit: int = Field(description="每页条数")
    offset: int = Field(description="跳过的条数")


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


class SupervisionOut(Schema):
    id: int = Field(description="督办ID")
    level: str = Field(description="督办等级代码")
    level_label: str = Field(description="督办等级名称")
    reason: str = Field(description="督办事由")
    note: str = Field(description="督办要求")
    report_by: dt.date | None = Field(description="进展报告期限")
    supervisor: ClueUserRef = Field(description="督办人")
    created_at: dt.datetime = Field(description="督办时间")


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


# --- filters ---------------------------------------------------------------------------------


class ClueFilters(_Checked):
    unit: int | None = _opt_id("单位ID：该单位及其下级单位承办或受理的线索")
    channel: str | None = Field(None, max_length=20, description="线索来源代码")
    category: str | None = Field(None, max_length=20, description="问题类别代码")
    status: str | None = Field(
        None, max_length=200, description="状态代码，多个用逗号分隔；open 表示所有在办状态"
    )
    disposition: DispositionCode | None = Field(None, description="处置方式代码")
    result: ResultCode | None = Field(None, description="任一被反映人的核查结论")
    xingtai: int | None = Field(None, ge=1, le=4, description="任一被反映人的形态：1–4")
    flag: Literal["overdue", "near"] | None = Field(None, description="overdue 逾期，near 临期")
    supervision: Literal["general", "key", "listed", "any"] | None = Field(
        None, description="督办等级；any 表示所有督办线索"
    )
    pending: bool | None = Field(None, description="true：有待审批事项的线索")
    received_from: dt.date | None = Field(None, description="受理日期起（含）")
    received_to: dt.date | None = Field(None, description="受理日期止（含）")
    closed_from: dt.date | None = Field(None, description="办结日期起（含）")
    closed_to: dt.date | None = Field(None, description="办结日期止（含）")
    subject: str | None = Field(None, max_length=50, description="被反映人姓名（包含）或警号（完全一致）")
    q: str | None = Field(
        None, max_length=200, description="全文检索摘要、内容和被反映人姓名；两个字的词也可检索"
    )
    sort: SortCode | None = Field(None, description="排序方式，缺省按受理日期从新到旧")
    limit: int = Field(50, ge=1, le=200, description="每页条数，1–200")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")


# --- input -----------------------------------------------------------------------------------


class SubjectIn(_Checked):
    person_id: int | None = _opt_id("名册中的干警ID（须在您可查看的范围内）；与姓名二选一")
    name: str = Field("", max_length=50, description="姓名（未识别身份时填写）")
    unit_text: str = Field("", max_length=100, description="单位（未识别身份时填写）")
    position: str = Field("", max_length=60, description="职务（未识别身份时填写）")


class ReporterIn(_Checked):
    name: str = Field("", max_length=50, description="举报人姓名；实名举报必填")
    phone: str = Field("", max_length=40, description="联系电话")
    id_number: str = Field("", max_length=40, description="身份证号")
    address: str = Field("", max_length=200, description="联系地址")


class ClueIn(_Checked):
    owner_unit_id: int = _id("受理单位ID（须为您可登记线索的单位）")
    channel: str = Field(min_length=1, max_length=20, description="线索来源代码，见 /clues/reference")
    received_on: dt.date = Field(description="受理日期，不晚于今天")
    reporting_mode: ReportingModeCode = Field(description="举报方式：real_name 实名，anonymous 匿名")
    summary: str = Field(max_length=200, description="反映问题摘要")
    content: str = Field("", max_length=20000, description="反映问题内容")
    categories: list[str] = Field([], max_length=20, description="问题类别代码，可多选")
    subjects: list[SubjectIn] = Field(max_length=50, description="被反映人，至少一名")
    reporter: ReporterIn | None = Field(None, description="举报人身份（加密保存，仅授权角色经审计可查看）")
    external_ref: str = Field("", max_length=64, description="外部编号（同一来源不可重复）")
    sensitivity: SensitivityCode = Field("normal", description="密级：normal 普通，important 重要")
    viewer_ids: IdList = Field([], max_length=50, description="重要线索的知悉人用户ID（登记人自动列入）")


class CluePatch(_Checked):
    version: int = Field(ge=0, le=MAX_ID, description="读取时的版本号；已被他人修改时返回409")
    channel: str | None = Field(None, min_length=1, max_length=20, description="线索来源代码")
    received_on: dt.date | None = Field(None, description="受理日期")
    external_ref: str | None = Field(None, max_length=64, description="外部编号")
    reporting_mode: ReportingModeCode | None = Field(None, description="举报方式")
    summary: str | None = Field(None, max_length=200, description="反映问题摘要")
    content: str | None = Field(None, max_length=20000, description="反映问题内容")
    sensitivity: SensitivityCode | None = Field(None, description="密级")
    categories: list[str] | None = Field(None, max_length=20, description="问题类别代码（整体替换）")


class AssignIn(_Checked):
    unit_id: int = _id("承办单位ID")
    handler_id: int | None = _opt_id("承办人用户ID（须为承办单位的单位承办人）")
    deadline: dt.date | None = Field(None, description="办理时限；缺省按时限规则计算")
    note: str = Field("", max_length=2000, description="交办意见")


class ReasonIn(_Checked):
    reason: str = Field(max_length=2000, description="理由")


class CommentIn(_Checked):
    comment: str = Field("", max_length=2000, description="审批意见")


class ProposeIn(_Checked):
    disposition: DispositionCode = Field(
        description="拟处置方式：TH 谈话函询，CH 初步核实，ZC 暂存待查，LJ 予以了结"
    )
    reason: str = Field(max_length=2000, description="处置理由")


class SubmitClosureIn(_Checked):
    reason: str = Field(max_length=5000, description="办结报告")


class FeedbackIn(_Checked):
    method: FeedbackMethod = Field(description="反馈方式")
    fed_back_on: dt.date = Field(description="反馈日期")
    content: str = Field(max_length=5000, description="反馈内容")
    opinion: FeedbackOpinion = Field("", description="举报人意见")


class TransferIn(_Checked):
    target: TransferTarget = Field(description="移交对象类别")
    receiver: str = Field(max_length=100, description="接收单位")
    reason: str = Field(max_length=2000, description="移交理由")
    transferred_on: dt.date | None = Field(None, description="移交日期，缺省为今天")


class TransferOutcomeIn(_Checked):
    outcome: str = Field(max_length=5000, description="接收单位的办理结果")
    outcome_result: ResultCode | Literal[""] = Field("", description="结果认定")
    outcome_on: dt.date | None = Field(None, description="结果反馈日期，缺省为今天")


class MergeIn(_Checked):
    into_id: int = _id("并入的线索ID（同一问题的在办线索）")
    reason: str = Field("", max_length=2000, description="说明")


class ExtensionIn(_Checked):
    new_deadline: dt.date = Field(description="申请延期至")
    reason: str = Field(max_length=2000, description="延期理由")


class DecideExtensionIn(_Checked):
    approve: bool = Field(description="true 同意，false 不同意")
    comment: str = Field("", max_length=2000, description="审批意见；不同意时必填")


class SuperviseIn(_Checked):
    level: SupervisionCode = Field(description="督办等级：general 一般，key 重点，listed 挂牌")
    reason: str = Field(max_length=40, description="督办事由，见 /clues/reference 的 supervision_reasons")
    note: str = Field("", max_length=2000, description="督办要求")
    report_by: dt.date | None = Field(None, description="进展报告期限")


class CaseIn(_Checked):
    proposed_on: dt.date | None = Field(None, description="拟立案日期")
    filed_on: dt.date | None = Field(None, description="立案日期")


class ViewersIn(_Checked):
    user_ids: IdList = Field(max_length=50, description="知悉人用户ID（整体替换）")


class ResultIn(_Checked):
    result: ResultCode = Field(description="核查结论")
    note: str = Field("", max_length=5000, description="核查情况")
    verified_amount: Decimal | None = Field(
        None, ge=0, lt=Decimal("1e12"), decimal_places=2, description="查实金额（元），仅属实或部分属实时填写"
    )
    finding_categories: list[str] = Field(
        [], max_length=20, description="查实问题类别代码（与线索问题类别不同时填写），可多选"
    )


class MeasureIn(_Checked):
    kind: MeasureCode = Field(description="处理措施代码，见 /clues/reference")
    decided_on: dt.date = Field(description="决定日期")
    note: str = Field("", max_length=200, description="说明")


class ClearedIn(_Checked):
    cleared: bool = Field(description="true 澄清正名，false 撤销")
    note: str = Field("", max_length=2000, description="说明")
