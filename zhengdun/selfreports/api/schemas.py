"""Request and response schemas of the self-report API (selfreports.api), and the conversions
from records to their JSON (what a caller sees follows the pages: 核实情况 are not shown to the
officer reported about).

Requests carry SafeText (core.api): the schema declares the control-character rule and the
validation applies it; ids are bounded by MAX_ID. The actions check everything again.
"""

# No "from __future__ import annotations": django-ninja and pydantic read these at runtime.

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from zhengdun.accounts.models import User
from zhengdun.clues.api.schemas import LeniencyDecisionOut as LeniencyDecisionOut  # re-exported
from zhengdun.clues.api.schemas import LeniencyOut as LeniencyOut  # re-exported
from zhengdun.core.api import MAX_ID, PageIn, PageOut, SafeText
from zhengdun.selfreports.actions import MAX_ITEMS, MAX_RELATED_PERSONS, NOTE_MAX, REASON_MAX
from zhengdun.selfreports.actions.common import AMOUNT_MAX, is_current
from zhengdun.selfreports.models import (
    DESCRIPTION_MAX,
    SelfReport,
    SelfReportItem,
)
from zhengdun.selfreports.views.common import item_views, shows_reviews

# The codes a request may carry, spelled out: a Literal built from X.values at runtime is no
# type to mypy. tests/test_api_codes.py holds each to its model's choices, so they cannot drift
# apart; the OpenAPI schema is the same enum of strings either way.
StageCode = Literal["study", "rectify", "summary"]  # Stage
RelationCode = Literal["relative_business", "lawyer", "party", "intermediary", "other"]  # Relation
OutcomeCode = Literal[  # Outcome
    "exempt",
    "not_sanctioned",
    "lighter",
    "mitigated",
    "criticism",
    "talk_reminder",
    "order_inspection",
    "admonition",
    "referred",
    "other",
]
Gj2Code = Literal["", "self", "spouse_children", "other_relative"]  # "" or Gj2Subtype
BasisCode = Literal["before", "during_unknown", "truthful", "none", "concealed"]  # leniency.Basis
VERSION_HELP = "读取时的版本号；已被他人修改时返回409，不做任何修改"
REVISION_HELP = "读取草稿时的 revision；草稿已被他人修改或已提交时返回409"


# --- campaigns -------------------------------------------------------------------------------


class CampaignStageIn(Schema):
    stage: StageCode = Field(description="环节：study 学习教育，rectify 查纠整改，summary 总结提升")
    starts_on: dt.date = Field(description="开始日期")
    ends_on: dt.date = Field(description="结束日期")


class CampaignStageOut(CampaignStageIn):
    stage_label: str = Field(description="环节名称")


class CampaignIn(Schema):
    name: SafeText = Field(min_length=1, max_length=100, description="教育整顿名称")
    unit_id: int = Field(ge=1, le=MAX_ID, description="组织单位ID（须在您的管理范围内）")
    report_opens_at: dt.datetime = Field(description="自查报告开始时间（不带时区时按北京时间）")
    report_closes_at: dt.datetime = Field(description="自查报告截止时间，晚于开始时间")
    stages: list[CampaignStageIn] | None = Field(
        None, max_length=3, description="各环节及日期；缺省表示不设置/不修改"
    )


class CampaignPatch(CampaignIn):
    version: int = Field(ge=0, le=MAX_ID, description=VERSION_HELP)


class CampaignOut(Schema):
    id: int = Field(description="教育整顿ID")
    name: str = Field(description="名称")
    unit_id: int = Field(description="组织单位ID")
    unit_name: str = Field(description="组织单位名称")
    report_opens_at: dt.datetime = Field(description="自查报告开始时间")
    report_closes_at: dt.datetime = Field(description="自查报告截止时间")
    is_active: bool = Field(description="是否为当前进行的教育整顿")
    window_state: str = Field(description="填报窗口：not_open 未开始，open 进行中，closed 已截止")
    window_label: str = Field(description="填报窗口状态名称")
    stages: list[CampaignStageOut] = Field(description="各环节")
    version: int = Field(description="版本号（乐观锁）")


def campaign_out(campaign: Any) -> dict[str, Any]:
    state = campaign.window_state()
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "unit_id": campaign.unit_id,
        "unit_name": campaign.unit.name,
        "report_opens_at": campaign.report_opens_at,
        "report_closes_at": campaign.report_closes_at,
        "is_active": campaign.is_active,
        "window_state": state.value,
        "window_label": state.label,
        "stages": [
            {
                "stage": s.stage,
                "stage_label": s.get_stage_display(),
                "starts_on": s.starts_on,
                "ends_on": s.ends_on,
            }
            for s in campaign.stages.order_by("starts_on")
        ],
        "version": campaign.version,
    }


# --- a report --------------------------------------------------------------------------------


class RelatedPersonIn(Schema):
    name: SafeText = Field(min_length=1, max_length=50, description="相关人员姓名")
    relation: RelationCode = Field(description="与本人的关系代码")
    detail: SafeText = Field("", max_length=200, description="说明")


class SelfReportItemIn(Schema):
    category_id: int = Field(ge=1, le=MAX_ID, description="问题类别ID")
    gj2_subtype: Gj2Code = Field(
        "", description="经商办企业主体（仅GJ2类）：self、spouse_children、other_relative"
    )
    description: SafeText = Field(min_length=1, max_length=DESCRIPTION_MAX, description="事项内容")
    period_from: dt.date | None = Field(None, description="起始日期")
    period_to: dt.date | None = Field(None, description="截止日期")
    amount: Decimal | None = Field(None, ge=0, le=AMOUNT_MAX, decimal_places=2, description="涉及金额（元）")
    related_persons: list[RelatedPersonIn] = Field([], max_length=MAX_RELATED_PERSONS, description="相关人员")
    keep_attachments: list[int] | None = Field(
        None, max_length=20, description="保留的附件ID；缺省表示保留该事项现有的全部附件"
    )


class SelfReportDraftItemIn(SelfReportItemIn):
    key: SafeText = Field("", max_length=32, description="事项标识（更正时沿用原事项的标识）；新事项留空")


class SelfReportDraftIn(Schema):
    revision: int = Field(ge=0, le=MAX_ID, description=REVISION_HELP)
    items: list[SelfReportDraftItemIn] = Field(max_length=MAX_ITEMS, description="全部自查事项（整体替换）")
    declares_nothing: bool = Field(False, description="本人无需要报告的事项")
    correction_reason: SafeText = Field(
        "", max_length=REASON_MAX, description="更正理由（第2版起提交时必填）"
    )


class ItemChangeIn(Schema):
    revision: int = Field(ge=0, le=MAX_ID, description=REVISION_HELP)
    item: SelfReportItemIn = Field(description="事项内容")


class RevisionIn(Schema):
    revision: int = Field(ge=0, le=MAX_ID, description=REVISION_HELP)


class RevisionQuery(Schema):
    revision: int = Field(ge=0, le=MAX_ID, description=REVISION_HELP)


class SelfReportStartIn(Schema):
    campaign_id: int | None = Field(None, ge=1, le=MAX_ID, description="教育整顿ID；缺省为当前进行的教育整顿")
    person_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="代为填报的干警ID；缺省为本人的自查报告（我的自查）"
    )


class RelatedPersonOut(Schema):
    name: str
    relation: str
    relation_label: str
    detail: str


class SelfReportAttachmentOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


class ItemReviewOut(Schema):
    check_note: str = Field(description="核实情况")
    outcome: str = Field(description="处理结果代码；空表示尚未核实")
    outcome_label: str = Field(description="处理结果")
    reviewed_by: str | None = Field(description="核实人")
    reviewed_at: dt.datetime | None = Field(description="核实时间")
    converted_clue_id: int | None = Field(description="转化的问题线索ID（您可查看时）")
    version: int = Field(description="版本号，再次核实时提交")


class SelfReportItemOut(Schema):
    id: int
    key: str = Field(description="事项标识，各版本间同一事项相同")
    seq: int = Field(description="序号")
    category_id: int
    category_code: str
    category_name: str
    gj2_subtype: str
    description: str
    period_from: dt.date | None
    period_to: dt.date | None
    amount: Decimal | None = Field(description="涉及金额（元）")
    related_persons: list[RelatedPersonOut]
    attachments: list[SelfReportAttachmentOut]
    review: ItemReviewOut | None = Field(description="核实情况；本人及无核实权限者不显示")


class SelfReportRowOut(Schema):
    id: int
    campaign_id: int
    campaign_name: str
    person_id: int
    person_name: str
    unit_id: int
    unit_name: str
    version: int = Field(description="第几版；大于1为更正")
    status: str = Field(description="draft 草稿，submitted 已提交")
    status_label: str
    revision: int = Field(description="草稿的修改次数（保存、提交时原样提交）")
    declares_nothing: bool = Field(description="本人无需要报告的事项")
    correction_reason: str
    submitted_at: dt.datetime | None
    late: bool = Field(description="逾期提交")
    on_behalf: bool = Field(description="代为填报")
    filed_by: str | None = Field(description="填报人")
    previous_id: int | None = Field(description="所更正的上一版ID")


class SelfReportOut(SelfReportRowOut):
    is_current: bool = Field(description="是否为当前有效的已提交版本")
    items: list[SelfReportItemOut]


class SelfReportPage(PageOut):
    items: list[SelfReportRowOut]


class SelfReportFilters(PageIn):
    campaign: int | None = Field(None, ge=1, le=MAX_ID, description="教育整顿ID；缺省为全部")
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="单位ID，含全部下级单位")
    category: int | None = Field(None, ge=1, le=MAX_ID, description="含该类别事项的报告")
    late: bool | None = Field(None, description="true 仅逾期提交，false 仅按时提交")
    reviewed: Literal["pending", "done"] | None = Field(
        None, description="pending 有未核实事项，done 已全部核实"
    )
    outcome: OutcomeCode | None = Field(None, description="含该处理结果事项的报告")
    q: SafeText | None = Field(None, max_length=40, description="姓名（包含）或警号（完全一致）")
    status: Literal["current", "draft"] | None = Field(
        None, description="current 当前版本（缺省），draft 草稿"
    )


class MineOut(Schema):
    campaign: CampaignOut | None = Field(description="当前进行的教育整顿")
    current: SelfReportOut | None = Field(description="当前有效的已提交版本")
    draft: SelfReportOut | None = Field(description="未提交的草稿")
    versions: list[SelfReportRowOut] = Field(description="本次教育整顿中的全部版本")


def _review_out(user: User, review: Any, visible_clues: set[int]) -> dict[str, Any]:
    return {
        "check_note": review.check_note,
        "outcome": review.outcome,
        "outcome_label": review.get_outcome_display() if review.outcome else "",
        "reviewed_by": str(review.reviewed_by) if review.reviewed_by_id else None,
        "reviewed_at": review.reviewed_at,
        "converted_clue_id": review.converted_clue_id if review.converted_clue_id in visible_clues else None,
        "version": review.version,
    }


def item_out(item: SelfReportItem, review: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": item.pk,
        "key": item.key,
        "seq": item.seq,
        "category_id": item.category_id,
        "category_code": item.category.code,
        "category_name": item.category.name,
        "gj2_subtype": item.gj2_subtype,
        "description": item.description,
        "period_from": item.period_from,
        "period_to": item.period_to,
        "amount": item.amount,
        "related_persons": [
            {
                "name": p.name,
                "relation": p.relation,
                "relation_label": p.get_relation_display(),
                "detail": p.detail,
            }
            for p in item.related_persons.all()
        ],
        "attachments": [
            {
                "id": a.pk,
                "original_name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "uploaded_at": a.uploaded_at,
            }
            for a in item.attachments.all()
        ],
        "review": review,
    }


def report_row(report: SelfReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "campaign_id": report.campaign_id,
        "campaign_name": report.campaign.name,
        "person_id": report.person_id,
        "person_name": report.person.name,
        "unit_id": report.unit_id,
        "unit_name": report.unit.name,
        "version": report.version,
        "status": report.status,
        "status_label": report.get_status_display(),
        "revision": report.revision,
        "declares_nothing": report.declares_nothing,
        "correction_reason": report.correction_reason,
        "submitted_at": report.submitted_at,
        "late": report.late,
        "on_behalf": report.on_behalf,
        "filed_by": str(report.filed_by) if report.filed_by_id else None,
        "previous_id": report.previous_id,
    }


def report_out(user: User, report: SelfReport) -> dict[str, Any]:
    """A report with its items as `user` may see it (reviews only for those the page shows them
    to; a converted clue's id only when the user may open that clue)."""
    views, _ = item_views(user, report, with_reviews=shows_reviews(user, report))
    visible = {
        v.review.converted_clue_id
        for v in views
        if v.clue_visible and v.review is not None and v.review.converted_clue_id is not None
    }
    items = [item_out(v.item, _review_out(user, v.review, visible) if v.review else None) for v in views]
    return {**report_row(report), "is_current": report.is_submitted and is_current(report), "items": items}


# --- review ------------------------------------------------------------------------------------


class ItemReviewIn(Schema):
    check_note: SafeText = Field(min_length=1, max_length=NOTE_MAX, description="核实情况")
    outcome: OutcomeCode = Field(description="处理结果代码")
    version: int = Field(0, ge=0, le=MAX_ID, description="核实情况的版本号；首次核实为0。" + VERSION_HELP)


class ConvertOut(Schema):
    clue_id: int = Field(description="问题线索ID")
    clue_number: str = Field(description="线索编号")


# --- leniency ------------------------------------------------------------------------------------


class LeniencyDecisionIn(Schema):
    basis: BasisCode = Field(description="认定的依据代码")
    reason: SafeText = Field("", max_length=2000, description="理由；与系统建议不同时必填（至少4个字）")
    version: int = Field(0, ge=0, le=MAX_ID, description="认定的版本号；首次认定为0。" + VERSION_HELP)


# LeniencyOut and LeniencyDecisionOut live with the clue API's schemas: the clue detail answer
# carries them on each subject (filled through core.hooks.CLUE_SUBJECT_LENIENCY).


def decision_out(decision: Any) -> dict[str, Any]:
    return {
        "basis": decision.basis,
        "basis_label": decision.get_basis_display(),
        "recommended": decision.recommended,
        "overridden": decision.overridden,
        "reason": decision.reason,
        "decided_by": str(decision.decided_by),
        "decided_at": decision.decided_at,
        "version": decision.version,
    }


# --- statistics ----------------------------------------------------------------------------------


class SelfReportStatsQuery(Schema):
    campaign: int | None = Field(
        None, ge=1, le=MAX_ID, description="教育整顿ID；缺省为当前进行的（或最近的）"
    )
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="统计的单位ID；缺省为您查看范围的最上级单位")


class UnitFigures(Schema):
    unit_id: int
    unit_name: str
    reports: int = Field(description="提交自查报告的人数（当前版本）")
    items: int = Field(description="报告的事项数")
    late: int = Field(description="逾期提交的人数")


class CategoryFigures(Schema):
    category_id: int
    category_code: str
    category_name: str
    items: int
    reports: int


class BasisFigures(Schema):
    basis: str
    basis_label: str
    recommended: int = Field(description="系统建议为该依据的被反映人数")
    decided: int = Field(description="认定为该依据的被反映人数")


class LeniencyFigures(Schema):
    total: int = Field(description="核查属实或部分属实的被反映人数")
    self_reported: int = Field(description="其中自查报告在先的人数")
    share: str = Field(description="自查报告在先的比例")
    overridden: int = Field(description="改判数")
    pending: int = Field(description="尚未认定数")
    by_basis: list[BasisFigures]


class SelfReportStatsOut(Schema):
    campaign_id: int
    campaign_name: str
    unit_id: int
    unit_name: str
    total: UnitFigures = Field(description="该单位（含下级）合计")
    units: list[UnitFigures] = Field(description="各直接下级单位（含其下级）")
    categories: list[CategoryFigures] = Field(description="按问题类别")
    leniency: LeniencyFigures = Field(description="自查从宽、被查从严情况")
