"""Request schemas of the clue API (clues.api): the ledger's filters and each action's body.

Every string is SafeText (core.api): the OpenAPI schema declares the control-character rule as a
pattern and the validation refuses the same characters, with a Chinese message naming the field.
"""

# No "from __future__ import annotations": django-ninja and pydantic read these at runtime.

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from zhengdun.core.api import MAX_ID, PageIn, SafeText

__all__ = [
    "AssignIn",
    "CaseIn",
    "ClearedIn",
    "ClueFilters",
    "ClueIn",
    "CluePatch",
    "CodeList",
    "CommentIn",
    "DecideExtensionIn",
    "ExtensionIn",
    "FeedbackIn",
    "IdList",
    "MeasureIn",
    "MergeIn",
    "ProposeIn",
    "ReasonIn",
    "ReporterIn",
    "ResultIn",
    "SubjectIn",
    "SubmitClosureIn",
    "SuperviseIn",
    "TransferIn",
    "TransferOutcomeIn",
    "ViewersIn",
]

IdList = list[Annotated[int, Field(ge=1, le=MAX_ID)]]
# what core.api.safe_text(max_length=20) builds, spelled as a type so mypy reads it as one
CodeList = list[Annotated[SafeText, Field(max_length=20)]]

# The codes a request may carry, spelled out: a Literal built from X.values at runtime is no
# type to mypy. tests/test_api_conventions.py holds each to its model's choices, so they cannot
# drift apart; the OpenAPI schema is the same enum of strings either way.
DispositionCode = Literal["TH", "CH", "ZC", "LJ"]  # Disposition
ResultCode = Literal["true", "partly", "false", "unverifiable"]  # Result
MeasureCode = Literal[  # MeasureKind
    "talk_reminder",
    "criticism",
    "order_inspection",
    "circulated_criticism",
    "admonition",
    "party_warning",
    "party_serious_warning",
    "party_removal",
    "party_probation",
    "party_expulsion",
    "gov_warning",
    "gov_demerit",
    "gov_major_demerit",
    "gov_demotion",
    "gov_dismissal_post",
    "gov_expulsion",
    "org_suspension",
    "org_adjustment",
    "org_resignation",
    "org_removal",
    "org_demotion",
    "judicial_referral",
]
ReportingModeCode = Literal["real_name", "anonymous"]  # ReportingMode
SensitivityCode = Literal["normal", "important"]  # Sensitivity
TransferTarget = Literal["discipline", "higher", "other_region", "other_dept"]  # Transfer.Target
FeedbackMethod = Literal["phone", "sms", "in_person", "letter", "portal"]  # Feedback.Method
FeedbackOpinion = Literal["satisfied", "basically", "unsatisfied", ""]  # Feedback.Opinion
SupervisionCode = Literal["general", "key", "listed"]
SortCode = Literal[  # filters.SORTS
    "-received_on",
    "received_on",
    "number",
    "-number",
    "deadline",
    "-deadline",
    "closed_on",
    "-closed_on",
    "-id",
]


def _id(description: str) -> Any:
    return Field(ge=1, le=MAX_ID, description=description)


def _opt_id(description: str) -> Any:
    return Field(None, ge=1, le=MAX_ID, description=description)


# --- filters ---------------------------------------------------------------------------------


class ClueFilters(PageIn):
    unit: int | None = _opt_id("单位ID：该单位及其下级单位承办或受理的线索")
    channel: SafeText | None = Field(None, max_length=20, description="线索来源代码")
    category: SafeText | None = Field(None, max_length=20, description="问题类别代码")
    status: SafeText | None = Field(
        None, max_length=200, description="状态代码，多个用逗号分隔；open 表示所有在办状态"
    )
    disposition: DispositionCode | None = Field(None, description="处置方式代码")
    result: ResultCode | None = Field(None, description="任一被反映人的核查结论")
    xingtai: int | None = Field(None, ge=1, le=4, description="任一被反映人的形态：1–4")
    flag: Literal["overdue", "near"] | None = Field(
        None, description="时限标记：overdue 逾期，near 临期（逾期的线索用 flag=overdue 筛选）"
    )
    supervision: Literal["general", "key", "listed", "any"] | None = Field(
        None, description="督办等级；any 表示所有督办线索"
    )
    pending: bool | None = Field(None, description="true：有待审批事项的线索")
    received_from: dt.date | None = Field(None, description="受理日期起（含）")
    received_to: dt.date | None = Field(None, description="受理日期止（含）")
    closed_from: dt.date | None = Field(None, description="办结日期起（含）")
    closed_to: dt.date | None = Field(None, description="办结日期止（含）")
    subject: SafeText | None = Field(
        None, max_length=50, description="被反映人姓名（包含）或警号（完全一致）"
    )
    q: SafeText | None = Field(
        None, max_length=200, description="全文检索摘要、内容和被反映人姓名；两个字的词也可检索"
    )
    sort: SortCode | None = Field(None, description="排序方式，缺省按受理日期从新到旧")


# --- input -----------------------------------------------------------------------------------


class SubjectIn(Schema):
    person_id: int | None = _opt_id("名册中的干警ID（须在您可查看的范围内）；与姓名二选一")
    name: SafeText = Field("", max_length=50, description="姓名（未识别身份时填写）")
    unit_text: SafeText = Field("", max_length=100, description="单位（未识别身份时填写）")
    position: SafeText = Field("", max_length=60, description="职务（未识别身份时填写）")


class ReporterIn(Schema):
    name: SafeText = Field("", max_length=50, description="举报人姓名；实名举报必填")
    phone: SafeText = Field("", max_length=40, description="联系电话")
    id_number: SafeText = Field("", max_length=40, description="身份证号")
    address: SafeText = Field("", max_length=200, description="联系地址")


class ClueIn(Schema):
    owner_unit_id: int = _id("受理单位ID（须为您可登记线索的单位）")
    channel: SafeText = Field(min_length=1, max_length=20, description="线索来源代码，见 /clues/reference")
    received_on: dt.date = Field(description="受理日期，不晚于今天")
    reporting_mode: ReportingModeCode = Field(description="举报方式：real_name 实名，anonymous 匿名")
    summary: SafeText = Field(max_length=200, description="反映问题摘要")
    content: SafeText = Field("", max_length=20000, description="反映问题内容")
    categories: CodeList = Field([], max_length=20, description="问题类别代码，可多选")
    subjects: list[SubjectIn] = Field(max_length=50, description="被反映人，至少一名")
    reporter: ReporterIn | None = Field(None, description="举报人身份（加密保存，仅授权角色经审计可查看）")
    external_ref: SafeText = Field("", max_length=64, description="外部编号（同一来源不可重复）")
    sensitivity: SensitivityCode = Field("normal", description="密级：normal 普通，important 重要")
    viewer_ids: IdList = Field([], max_length=50, description="重要线索的知悉人用户ID（登记人自动列入）")


class CluePatch(Schema):
    version: int = Field(ge=0, le=MAX_ID, description="读取时的版本号；已被他人修改时返回409")
    channel: SafeText | None = Field(None, min_length=1, max_length=20, description="线索来源代码")
    received_on: dt.date | None = Field(None, description="受理日期")
    external_ref: SafeText | None = Field(None, max_length=64, description="外部编号")
    reporting_mode: ReportingModeCode | None = Field(None, description="举报方式")
    summary: SafeText | None = Field(None, max_length=200, description="反映问题摘要")
    content: SafeText | None = Field(None, max_length=20000, description="反映问题内容")
    sensitivity: SensitivityCode | None = Field(None, description="密级")
    categories: CodeList | None = Field(None, max_length=20, description="问题类别代码（整体替换）")


class AssignIn(Schema):
    unit_id: int = _id("承办单位ID")
    handler_id: int | None = _opt_id("承办人用户ID（须为承办单位的单位承办人）")
    deadline: dt.date | None = Field(None, description="办理时限；缺省按时限规则计算")
    note: SafeText = Field("", max_length=2000, description="交办意见")


class ReasonIn(Schema):
    reason: SafeText = Field(max_length=2000, description="理由")


class CommentIn(Schema):
    comment: SafeText = Field("", max_length=2000, description="审批意见")


class ProposeIn(Schema):
    disposition: DispositionCode = Field(
        description="拟处置方式：TH 谈话函询，CH 初步核实，ZC 暂存待查，LJ 予以了结"
    )
    reason: SafeText = Field(max_length=2000, description="处置理由")


class SubmitClosureIn(Schema):
    reason: SafeText = Field(max_length=5000, description="办结报告")


class FeedbackIn(Schema):
    method: FeedbackMethod = Field(description="反馈方式")
    fed_back_on: dt.date = Field(description="反馈日期")
    content: SafeText = Field(max_length=5000, description="反馈内容")
    opinion: FeedbackOpinion = Field("", description="举报人意见")


class TransferIn(Schema):
    target: TransferTarget = Field(description="移交对象类别")
    receiver: SafeText = Field(max_length=100, description="接收单位")
    reason: SafeText = Field(max_length=2000, description="移交理由")
    transferred_on: dt.date | None = Field(None, description="移交日期，缺省为今天")


class TransferOutcomeIn(Schema):
    outcome: SafeText = Field(max_length=5000, description="接收单位的办理结果")
    outcome_result: ResultCode | Literal[""] = Field("", description="结果认定")
    outcome_on: dt.date | None = Field(None, description="结果反馈日期，缺省为今天")


class MergeIn(Schema):
    into_id: int = _id("并入的线索ID（同一问题的在办线索）")
    reason: SafeText = Field("", max_length=2000, description="说明")


class ExtensionIn(Schema):
    new_deadline: dt.date = Field(description="申请延期至")
    reason: SafeText = Field(max_length=2000, description="延期理由")


class DecideExtensionIn(Schema):
    approve: bool = Field(description="true 同意，false 不同意")
    comment: SafeText = Field("", max_length=2000, description="审批意见；不同意时必填")


class SuperviseIn(Schema):
    level: SupervisionCode = Field(description="督办等级：general 一般，key 重点，listed 挂牌")
    reason: SafeText = Field(
        max_length=40, description="督办事由，见 /clues/reference 的 supervision_reasons"
    )
    note: SafeText = Field("", max_length=2000, description="督办要求")
    report_by: dt.date | None = Field(None, description="进展报告期限")


class CaseIn(Schema):
    proposed_on: dt.date | None = Field(None, description="拟立案日期")
    filed_on: dt.date | None = Field(None, description="立案日期")


class ViewersIn(Schema):
    user_ids: IdList = Field(max_length=50, description="知悉人用户ID（整体替换）")


class ResultIn(Schema):
    result: ResultCode = Field(description="核查结论")
    note: SafeText = Field("", max_length=5000, description="核查情况")
    verified_amount: Decimal | None = Field(
        None, ge=0, lt=Decimal("1e12"), decimal_places=2, description="查实金额（元），仅属实或部分属实时填写"
    )
    finding_categories: CodeList = Field(
        [], max_length=20, description="查实问题类别代码（与线索问题类别不同时填写），可多选"
    )


class MeasureIn(Schema):
    kind: MeasureCode = Field(description="处理措施代码，见 /clues/reference")
    decided_on: dt.date = Field(description="决定日期")
    note: SafeText = Field("", max_length=200, description="说明")


class ClearedIn(Schema):
    cleared: bool = Field(description="true 澄清正名，false 撤销")
    note: SafeText = Field("", max_length=2000, description="说明")
