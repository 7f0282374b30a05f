"""The states, dispositions, results and measures of a clue, with their Chinese labels and badge
colours. The allowed transitions live in clues.workflow."""

from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    REGISTERED = "registered", "已登记"
    ASSIGNED = "assigned", "已交办"
    DISPOSITION_PENDING = "disposition_pending", "处置待审批"
    HANDLING = "handling", "办理中"
    ON_HOLD = "on_hold", "暂存待查"
    CLOSURE_PENDING = "closure_pending", "办结待审批"
    CLOSED = "closed", "已办结"
    FED_BACK = "fed_back", "已反馈"
    ARCHIVED = "archived", "已归档"
    TRANSFERRED = "transferred", "已移交"
    MERGED = "merged", "已并件"


# Open = the handling clock runs; a deadline can be overdue only in these.
OPEN_STATES = frozenset(
    {
        Status.REGISTERED,
        Status.ASSIGNED,
        Status.DISPOSITION_PENDING,
        Status.HANDLING,
        Status.CLOSURE_PENDING,
    }
)
DONE_STATES = frozenset({Status.CLOSED, Status.FED_BACK, Status.ARCHIVED, Status.TRANSFERRED})
TERMINAL_STATES = frozenset({Status.ARCHIVED, Status.MERGED})

# keyed by the stored status (a str), so a model field's value looks it up
STATUS_COLOURS: dict[str, str] = {
    Status.REGISTERED: "grey",
    Status.ASSIGNED: "blue",
    Status.DISPOSITION_PENDING: "blue",
    Status.HANDLING: "blue",
    Status.ON_HOLD: "grey",
    Status.CLOSURE_PENDING: "blue",
    Status.CLOSED: "green",
    Status.FED_BACK: "green",
    Status.ARCHIVED: "grey",
    Status.TRANSFERRED: "green",
    Status.MERGED: "grey",
}


class Disposition(models.TextChoices):
    TALK_INQUIRY = "TH", "谈话函询"
    PRELIMINARY_CHECK = "CH", "初步核实"
    HOLD = "ZC", "暂存待查"
    CLOSE = "LJ", "予以了结"


class Result(models.TextChoices):
    TRUE = "true", "属实"
    PARTLY_TRUE = "partly", "部分属实"
    FALSE = "false", "不属实"
    UNVERIFIABLE = "unverifiable", "无法查实"


SUBSTANTIATED = frozenset({Result.TRUE, Result.PARTLY_TRUE})


class SupervisionLevel(models.TextChoices):
    NONE = "", "未督办"
    GENERAL = "general", "一般督办"
    KEY = "key", "重点督办"
    LISTED = "listed", "挂牌督办"


class ReportingMode(models.TextChoices):
    REAL_NAME = "real_name", "实名"
    ANONYMOUS = "anonymous", "匿名"


class Sensitivity(models.TextChoices):
    NORMAL = "normal", "普通"
    IMPORTANT = "important", "重要"


class MeasureKind(models.TextChoices):
    """Handling measures (处理措施). The 形态 each falls in is MEASURE_XINGTAI below."""

    # 第一种形态
    TALK_REMINDER = "talk_reminder", "谈话提醒"
    CRITICISM = "criticism", "批评教育"
    ORDER_INSPECTION = "order_inspection", "责令检查"
    CIRCULATED_CRITICISM = "circulated_criticism", "通报批评"
    ADMONITION = "admonition", "诫勉"
    # 党纪处分
    PARTY_WARNING = "party_warning", "警告（党纪）"
    PARTY_SERIOUS_WARNING = "party_serious_warning", "严重警告"
    PARTY_REMOVAL_FROM_POST = "party_removal", "撤销党内职务"
    PARTY_PROBATION = "party_probation", "留党察看"
    PARTY_EXPULSION = "party_expulsion", "开除党籍"
    # 政务处分
    GOV_WARNING = "gov_warning", "警告（政务）"
    GOV_DEMERIT = "gov_demerit", "记过"
    GOV_MAJOR_DEMERIT = "gov_major_demerit", "记大过"
    GOV_DEMOTION = "gov_demotion", "降级"
    GOV_DISMISSAL_FROM_POST = "gov_dismissal_post", "撤职"
    GOV_EXPULSION = "gov_expulsion", "开除"
    # 组织处理
    ORG_SUSPENSION = "org_suspension", "停职检查"
    ORG_ADJUSTMENT = "org_adjustment", "调整职务"
    ORG_ORDERED_RESIGNATION = "org_resignation", "责令辞职"
    ORG_REMOVAL = "org_removal", "免职"
    ORG_DEMOTION = "org_demotion", "降职"
    # 第四种形态
    JUDICIAL_REFERRAL = "judicial_referral", "移送司法机关"


# domain.md §3.4: the 形态 of each measure; a subject's 形态 is the most severe of theirs.
MEASURE_XINGTAI: dict[str, int] = {
    MeasureKind.TALK_REMINDER: 1,
    MeasureKind.CRITICISM: 1,
    MeasureKind.ORDER_INSPECTION: 1,
    MeasureKind.CIRCULATED_CRITICISM: 1,
    MeasureKind.ADMONITION: 1,
    MeasureKind.PARTY_WARNING: 2,
    MeasureKind.PARTY_SERIOUS_WARNING: 2,
    MeasureKind.GOV_WARNING: 2,
    MeasureKind.GOV_DEMERIT: 2,
    MeasureKind.GOV_MAJOR_DEMERIT: 2,
    MeasureKind.ORG_SUSPENSION: 2,
    MeasureKind.ORG_ADJUSTMENT: 2,
    MeasureKind.ORG_ORDERED_RESIGNATION: 2,
    MeasureKind.ORG_REMOVAL: 2,
    MeasureKind.PARTY_REMOVAL_FROM_POST: 3,
    MeasureKind.PARTY_PROBATION: 3,
    MeasureKind.PARTY_EXPULSION: 3,
    MeasureKind.GOV_DEMOTION: 3,
    MeasureKind.GOV_DISMISSAL_FROM_POST: 3,
    MeasureKind.GOV_EXPULSION: 3,
    MeasureKind.ORG_DEMOTION: 3,
    MeasureKind.JUDICIAL_REFERRAL: 4,
}

# The Chinese names of the four 形态, shown beside a subject and on each measure.
XINGTAI_LABELS = {1: "第一种形态", 2: "第二种形态", 3: "第三种形态", 4: "第四种形态"}

MEASURE_GROUPS: dict[str, tuple[str, ...]] = {
    "第一种形态": ("talk_reminder", "criticism", "order_inspection", "circulated_criticism", "admonition"),
    "党纪处分": (
        "party_warning",
        "party_serious_warning",
        "party_removal",
        "party_probation",
        "party_expulsion",
    ),
    "政务处分": (
        "gov_warning",
        "gov_demerit",
        "gov_major_demerit",
        "gov_demotion",
        "gov_dismissal_post",
        "gov_expulsion",
    ),
    "组织处理": ("org_suspension", "org_adjustment", "org_resignation", "org_removal", "org_demotion"),
    "移送司法": ("judicial_referral",),
}
