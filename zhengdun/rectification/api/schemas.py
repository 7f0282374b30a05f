"""Request and response schemas of the rectification API (rectification.api).

Every code travels with its Chinese label ("status": "overdue", "status_label": "逾期"). Every
string a request carries is SafeText: its OpenAPI schema declares the control-character rule
as a pattern and its validator applies the same rule (core.text), so what the schema allows
and what the API accepts agree. Dates are bounded (2000-01-01 … 2099-12-31): the working-day
calendar and the charts work within those years, and a deadline in year 9999 is a typing error.

Every class is named Rect…: the OpenAPI components are named by class, and a second router's
ReferenceOut or FileOut would silently replace the first's in the schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from zhengdun.core.api import MAX_ID, PageIn, PageOut, SafeText
from zhengdun.rectification import schedule

FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
MAX_FILES = 10

# The models' choices spelled out, so that mypy takes them as types (a Literal built from
# X.values at run time is none); tests/test_api_codes.py holds them to the models' values.
SourceCode = Literal[  # ProblemSource
    "self_check", "inspection", "public", "superior", "clue", "patrol", "opinion"
]
StatusFilter = Literal[  # ProblemStatus, and open: every problem not closed off
    "not_started", "in_progress", "awaiting", "closed", "overdue", "relapsed", "open"
]
ReopenKind = Literal["relapse", "review"]  # Reopening.Kind
FlagCode = Literal["overdue", "near"]
SortCode = Literal["deadline", "-deadline", "number", "-number", "progress", "-progress"]
IdList = list[Annotated[int, Field(ge=1, le=MAX_ID)]]


def text(max_length: int, description: str, *, required: bool = True, default: str = "") -> Any:
    """A SafeText field: required ones need at least one character (the action checks it is
    not only blanks and says so in Chinese)."""
    if required:
        return Field(min_length=1, max_length=max_length, description=description)
    return Field(default, max_length=max_length, description=description)


def day(description: str, default: Any = ...) -> Any:
    return Field(default, ge=FIRST_DAY, le=LAST_DAY, description=description)


def an_id(description: str, default: Any = ...) -> Any:
    return Field(default, ge=1, le=MAX_ID, description=description)


# --- shared pieces of answers -------------------------------------------------------------------


class RectRef(Schema):
    id: int = Field(description="ID")
    name: str = Field(description="名称或姓名")


class RectCategoryRef(Schema):
    id: int = Field(description="问题类别ID")
    code: str = Field(description="问题类别代码，如 GJ1")
    name: str = Field(description="问题类别名称")


class RectNumberRef(Schema):
    id: int = Field(description="ID")
    number: str = Field(description="编号")


class RectFileOut(Schema):
    id: int = Field(description="文件ID")
    original_name: str = Field(description="原文件名")
    content_type: str = Field(description="按内容识别的文件类型")
    size: int = Field(description="字节数")
    sha256: str = Field(description="SHA-256 摘要")
    uploaded_by: RectRef | None = Field(description="上传人")
    uploaded_at: dt.datetime = Field(description="上传时间")
    download_url: str = Field(description="下载地址（每次下载记入审计日志）")


# --- reference data -----------------------------------------------------------------------------


class RectCodeLabel(Schema):
    code: str
    label: str


class RectStatusRef(Schema):
    code: str
    label: str
    colour: str = Field(description="页面上的颜色：grey/blue/teal/green/red/orange")


class RectCategoryOut(Schema):
    id: int
    code: str
    name: str
    is_national: bool = Field(description="是否全国统一类别（GJ1–GJ6）")


class RectReferenceOut(Schema):
    statuses: list[RectStatusRef] = Field(description="整改状态（由系统推导，不可直接设置）")
    flags: list[RectCodeLabel] = Field(description="时限预警：near 临期，overdue 逾期")
    sources: list[RectCodeLabel] = Field(description="问题来源")
    categories: list[RectCategoryOut] = Field(description="问题类别")
    reopen_kinds: list[RectCodeLabel] = Field(description="重新整改的原因类别")
    sorts: list[RectCodeLabel] = Field(description="问题清单的排序方式")
    bar_states: list[RectStatusRef] = Field(description="甘特图节点状态")


# --- the problem list ----------------------------------------------------------------------------


class RectProblemFilters(PageIn):
    q: SafeText | None = Field(None, max_length=100, description="问题编号或名称（包含）")
    unit: int | None = an_id("责任单位ID：该单位及其全部下级单位的问题（须在您的查看范围内）", None)
    category: SafeText | None = Field(None, max_length=20, description="问题类别代码，如 GJ1")
    source: SourceCode | None = Field(None, description="问题来源代码")
    status: StatusFilter | None = Field(None, description="整改状态代码；open 表示所有未销号的问题")
    flag: FlagCode | None = Field(None, description="时限预警：overdue 逾期，near 临期")
    quiet: bool | None = Field(None, description="true：未销号且14天以上没有进展报告的问题（久未报告）")
    sort: SortCode | None = Field(None, description="排序，缺省按整改时限从近到远")


class RectProblemItem(Schema):
    id: int = Field(description="问题ID")
    number: str = Field(description="问题编号")
    title: str = Field(description="问题名称")
    category: RectCategoryRef = Field(description="问题类别")
    source: str = Field(description="问题来源代码")
    source_label: str = Field(description="问题来源")
    responsible_unit: RectRef = Field(description="责任单位")
    responsible_leader: RectRef = Field(description="责任领导")
    responsible_person: RectRef = Field(description="责任人")
    deadline: dt.date = Field(description="整改时限")
    progress: float = Field(description="整改进度（%），本轮任务按权重的加权平均")
    status: str = Field(description="整改状态代码（推导得出）")
    status_label: str = Field(description="整改状态")
    status_colour: str = Field(description="状态颜色")
    flag: str = Field(description="时限预警：overdue 逾期，near 临期，空表示无")
    flag_label: str = Field(description="时限预警名称")
    round: int = Field(description="整改轮次（重新整改后加一）")
    plan_fits: bool = Field(description="工期是否可行；否则为工期不足")
    plan_shortfall: int = Field(description="工期不足的工作日数")
    closed_on: dt.date | None = Field(description="销号日期")
    version: int = Field(description="版本号（乐观锁），修改时须原样提交")


class RectProblemListOut(PageOut):
    items: list[RectProblemItem]


class RectMilestoneOut(Schema):
    id: int = Field(description="节点ID")
    position: int = Field(description="顺序，从0开始")
    name: str = Field(description="节点名称")
    workdays: int = Field(description="工期（工作日）")
    start: dt.date = Field(description="开始日期")
    end: dt.date = Field(description="完成日期")
    done_on: dt.date | None = Field(description="实际完成日期")


class RectMoveOut(Schema):
    name: str = Field(description="节点名称")
    old_start: str | None = Field(description="原开始日期")
    old_end: str | None = Field(description="原完成日期")
    new_start: str | None = Field(description="新开始日期")
    new_end: str | None = Field(description="新完成日期")
    start_shift: int = Field(description="开始日期移动的工作日数（正数为推迟）")
    end_shift: int = Field(description="完成日期移动的工作日数（正数为推迟）")


class RectPlanChangeOut(Schema):
    id: int
    reason: str = Field(description="调整原因")
    moves: list[RectMoveOut] = Field(description="移动的节点；首次制定计划时为空")
    fits: bool = Field(description="调整后工期是否可行")
    shortfall: int = Field(description="调整后工期不足的工作日数")
    changed_by: RectRef | None
    changed_at: dt.datetime


class RectReportOut(Schema):
    id: int = Field(description="进展报告ID")
    percent: int = Field(description="完成进度（%）")
    previous_percent: int = Field(description="此前的进度（%）")
    narrative: str = Field(description="进展情况")
    reason: str = Field(description="进度回退原因")
    reported_by: RectRef | None
    reported_at: dt.datetime
    evidence: list[RectFileOut] = Field(description="佐证材料")


class RectTaskOut(Schema):
    id: int = Field(description="任务ID")
    round: int = Field(description="所属整改轮次")
    position: int
    title: str = Field(description="任务名称")
    owner: RectRef = Field(description="任务责任人")
    deadline: dt.date = Field(description="完成时限")
    weight: int = Field(description="权重")
    progress: int = Field(description="最新进度（%）")
    version: int = Field(description="版本号，报告进展时须原样提交")
    reports: list[RectReportOut] = Field(description="进展报告，新的在前")


class RectCloseOffOut(Schema):
    id: int
    round: int = Field(description="整改轮次")
    check_note: str = Field(description="对照验收标准核查情况")
    closed_on: dt.date = Field(description="销号日期")
    decided_by: RectRef | None
    decided_at: dt.datetime
    evidence: list[RectFileOut] = Field(description="佐证材料")


class RectReopeningOut(Schema):
    id: int
    kind: str = Field(description="原因类别代码")
    kind_label: str = Field(description="原因类别：反弹回潮 / 回头看")
    reason: str
    round: int = Field(description="新整改轮次")
    old_deadline: dt.date
    new_deadline: dt.date
    reopened_by: RectRef | None
    reopened_at: dt.datetime


class RectInstitutionRef(Schema):
    id: int
    title: str = Field(description="制度名称")
    doc_number: str = Field(description="文号")
    issuing_unit: RectRef


class RectRightsOut(Schema):
    edit: bool = Field(description="可修改五定、调整工期、添加任务")
    report: bool = Field(description="可报告进展、标记节点完成")
    close_off: bool = Field(description="现在可对账销号")
    reopen: bool = Field(description="可重新整改")


class RectProblemDetail(RectProblemItem):
    description: str = Field(description="问题描述")
    measures: str = Field(description="整改措施")
    standard: str = Field(description="整改标准（验收标准）")
    completed_on: dt.date | None = Field(description="整改完成日期（全部任务达到100%之日）")
    source_clue: RectNumberRef | None = Field(description="来源线索（仅在您可查看时给出）")
    source_selfreport_item: int | None = Field(description="来源自查事项ID（仅在您可查看时给出）")
    template: str | None = Field(description="制定计划所用的工期模板")
    created_by: RectRef | None
    created_at: dt.datetime
    updated_at: dt.datetime
    milestones: list[RectMilestoneOut] = Field(description="本轮的工期节点（倒排工期）")
    plan_changes: list[RectPlanChangeOut] = Field(description="工期计划的制定与调整，新的在前")
    tasks: list[RectTaskOut] = Field(description="任务清单（各轮次）")
    close_offs: list[RectCloseOffOut] = Field(description="历次对账销号")
    reopenings: list[RectReopeningOut] = Field(description="历次重新整改")
    institutions: list[RectInstitutionRef] = Field(description="针对本问题的制度成果（建章立制）")
    rights: RectRightsOut = Field(description="当前用户现在可以执行的操作")
    close_off_blockers: list[str] = Field(description="当前用户现在不能销号的原因（有销号权时给出）")


# --- problem input ------------------------------------------------------------------------------


class RectProblemIn(Schema):
    title: SafeText = text(200, "问题名称")
    category: SafeText = text(20, "问题类别代码，如 GJ1")
    source: SourceCode = Field(description="问题来源；由线索或自查事项生成时自动取“线索办理”“自查”")
    description: SafeText = text(5000, "问题描述")
    responsible_unit_id: int = an_id("责任单位ID（须为您有权登记问题的单位）")
    responsible_leader_id: int = an_id("责任领导（名册干警ID）")
    responsible_person_id: int = an_id("责任人（名册干警ID）")
    measures: SafeText = text(5000, "整改措施")
    standard: SafeText = text(5000, "整改标准（验收标准）")
    deadline: dt.date = day("整改时限，须晚于今天；按工期模板从此日倒排各节点")
    source_subject_id: int | None = an_id("由线索生成：核查属实或部分属实的被反映人ID", None)
    source_item_id: int | None = an_id("由自查生成：已提交的自查事项ID", None)


class RectProblemPatch(Schema):
    version: int = Field(ge=0, le=MAX_ID, description="读取时的版本号；已被他人修改时返回409")
    reason: SafeText = text(200, "调整整改时限的原因（调整时限时必填，至少4个字）", required=False)
    title: SafeText | None = Field(None, min_length=1, max_length=200, description="问题名称")
    category: SafeText | None = Field(None, min_length=1, max_length=20, description="问题类别代码")
    source: SourceCode | None = Field(None, description="问题来源")
    description: SafeText | None = Field(None, min_length=1, max_length=5000, description="问题描述")
    responsible_unit_id: int | None = an_id("责任单位ID", None)
    responsible_leader_id: int | None = an_id("责任领导ID", None)
    responsible_person_id: int | None = an_id("责任人ID", None)
    measures: SafeText | None = Field(None, min_length=1, max_length=5000, description="整改措施")
    standard: SafeText | None = Field(None, min_length=1, max_length=5000, description="整改标准")
    deadline: dt.date | None = day("整改时限；调整时须说明原因，工期计划随之重新倒排", None)


# --- plan, tasks, progress ------------------------------------------------------------------------


class RectDuration(Schema):
    position: int = Field(ge=0, le=schedule.MAX_STEPS, description="节点顺序（见 milestones.position）")
    workdays: int = Field(ge=1, le=schedule.MAX_STEP_WORKDAYS, description="工期（工作日）")


class RectPlanIn(Schema):
    version: int = Field(ge=0, le=MAX_ID, description="问题读取时的版本号")
    reason: SafeText = text(200, "调整原因")
    workdays: list[RectDuration] = Field(
        min_length=1, max_length=schedule.MAX_STEPS, description="要调整的节点工期"
    )


class RectPlanOut(Schema):
    fits: bool = Field(description="工期是否可行")
    shortfall: int = Field(description="工期不足的工作日数")
    milestones: list[RectMilestoneOut]


class RectMilestoneDoneIn(Schema):
    done_on: dt.date = day("实际完成日期，不晚于今天")


class RectTaskIn(Schema):
    title: SafeText = text(200, "任务名称")
    owner_id: int = an_id("任务责任人（名册干警ID）")
    deadline: dt.date = day("完成时限：晚于今天，不晚于问题的整改时限")
    weight: int = Field(1, ge=1, le=100, description="权重，1–100")


class RectReportForm(Schema):
    percent: int = Field(ge=0, le=100, description="完成进度（%），0–100")
    narrative: SafeText = text(5000, "进展情况")
    reason: SafeText = text(500, "进度低于上次报告时的回退原因（至少4个字）", required=False)
    version: int = Field(ge=0, le=MAX_ID, description="任务读取时的版本号；已被他人更新时返回409")


class RectCloseOffForm(Schema):
    check_note: SafeText = text(5000, "对照验收标准核查情况")
    version: int = Field(ge=0, le=MAX_ID, description="问题读取时的版本号")


class RectReopenIn(Schema):
    kind: ReopenKind = Field(description="relapse 反弹回潮，review 回头看")
    reason: SafeText = text(5000, "原因（至少4个字）")
    new_deadline: dt.date = day("新整改时限，须晚于今天")
    task_title: SafeText = text(200, "新一轮的第一项整改任务")
    task_owner_id: int | None = an_id("任务责任人（名册干警ID），缺省为问题的责任人", None)
    version: int = Field(ge=0, le=MAX_ID, description="问题读取时的版本号")


# --- 建章立制 ---------------------------------------------------------------------------------------


class RectInstitutionFilters(PageIn):
    q: SafeText | None = Field(None, max_length=100, description="制度名称、文号或适用范围（包含）")
    unit: int | None = an_id("制定单位ID：该单位及其下级单位（须在您的查看范围内）", None)
    category: SafeText | None = Field(None, max_length=20, description="针对问题的类别代码")
    issued_from: dt.date | None = day("印发日期起（含）", None)
    issued_to: dt.date | None = day("印发日期止（含）", None)


class RectLinkedProblem(Schema):
    id: int
    number: str
    title: str
    status: str
    status_label: str


class RectInstitutionOut(Schema):
    id: int = Field(description="制度ID")
    title: str = Field(description="制度名称")
    doc_number: str = Field(description="文号")
    issuing_unit: RectRef = Field(description="制定单位")
    issued_on: dt.date = Field(description="印发日期")
    scope: str = Field(description="适用范围")
    problems: list[RectLinkedProblem] = Field(description="针对的问题（仅列出您可查看的）")
    documents: list[RectFileOut] = Field(description="制度文件")
    created_by: RectRef | None
    created_at: dt.datetime
    can_link: bool = Field(description="当前用户可修改针对的问题")


class RectInstitutionListOut(PageOut):
    items: list[RectInstitutionOut]


class RectInstitutionForm(Schema):
    title: SafeText = text(200, "制度名称")
    doc_number: SafeText = text(60, "文号", required=False)
    issuing_unit_id: int = an_id("制定单位ID（须为您有权登记制度的单位）")
    issued_on: dt.date = day("印发日期，不晚于今天")
    scope: SafeText = text(5000, "适用范围")
    problem_ids: IdList = Field([], max_length=200, description="针对的问题ID（须为您可查看的问题）")


class RectLinkIn(Schema):
    problem_ids: IdList = Field(
        max_length=200, description="针对的问题ID（整体替换；您看不到的关联保持不变）"
    )


# --- 工期模板 ---------------------------------------------------------------------------------------


class RectStepIO(Schema):
    name: SafeText = text(40, "节点名称")
    workdays: int = Field(ge=1, le=schedule.MAX_STEP_WORKDAYS, description="工期（工作日）")


class RectTemplateOut(Schema):
    id: int
    name: str = Field(description="模板名称")
    category: RectCategoryRef | None = Field(description="适用问题类别；空为默认模板")
    steps: list[RectStepIO]
    total_workdays: int = Field(description="总工期（工作日）")
    used: int = Field(description="使用该模板制定计划的问题数")
    version: int


class RectTemplateIn(Schema):
    name: SafeText = text(60, "模板名称")
    category: SafeText | None = Field(
        None, min_length=1, max_length=20, description="问题类别代码；空为默认模板"
    )
    steps: list[RectStepIO] = Field(min_length=1, max_length=schedule.MAX_STEPS, description="节点，按顺序")


class RectTemplatePatch(RectTemplateIn):
    version: int = Field(ge=0, le=MAX_ID, description="读取时的版本号；已被他人修改时返回409")


# --- 挂图作战 ---------------------------------------------------------------------------------------


class RectMapFilters(Schema):
    category: SafeText | None = Field(None, max_length=20, description="问题类别代码")
    county: int | None = an_id("县区ID（须在您的查看范围内）", None)
    city_only: bool | None = Field(None, description="true：只看市直单位（不属于任何县区的单位）")


class RectGanttFilters(RectMapFilters):
    unit: int | None = an_id("单位ID；缺省为有问题的第一个单位", None)


class RectMarkCount(Schema):
    code: str = Field(description="标记：各整改状态，或 near 临期")
    label: str
    colour: str
    count: int


class RectChip(Schema):
    id: int = Field(description="问题ID")
    number: str
    title: str
    status: str
    status_label: str
    mark: str = Field(description="图上的标记（临期问题为 near）")
    deadline: dt.date


class RectMatrixRow(Schema):
    unit: RectRef
    group: str = Field(description="所属县区（或“市直单位”）")
    total: int
    overdue: int
    cells: list[list[RectChip]] = Field(description="与 columns 一一对应：该单位该类别的问题，最紧急的在前")
    counts: list[dict[str, int]] = Field(description="与 columns 一一对应：按标记计数")


class RectMatrixOut(Schema):
    columns: list[RectCategoryRef]
    rows: list[RectMatrixRow]
    legend: list[RectMarkCount]
    total: int


class RectBarOut(Schema):
    name: str
    start: dt.date
    end: dt.date
    done_on: dt.date | None
    state: str = Field(
        description="done 已完成，overdue 逾期，active 进行中，planned 未开始，closed 未标记完成"
    )
    state_label: str


class RectGanttPlan(Schema):
    problem: RectNumberRef
    title: str
    deadline: dt.date
    status: str
    status_label: str
    mark: str
    bars: list[RectBarOut]


class RectGanttOut(Schema):
    unit: RectRef | None = Field(description="所看的单位；范围内没有问题时为空")
    units: list[RectRef] = Field(description="范围内有问题的单位（可选的 unit）")
    start: dt.date | None
    end: dt.date | None
    today: dt.date
    plans: list[RectGanttPlan]


class RectStandingOut(Schema):
    rank: int | None = Field(description="名次；没有问题的县区不排名")
    county: RectRef | None = Field(description="县区；市直单位与合计为空")
    name: str
    total: int = Field(description="问题总数")
    closed: int = Field(description="已销号")
    due: int = Field(description="应完成")
    on_time: int = Field(description="按期完成")
    overdue: int
    relapsed: int
    completion_rate: str = Field(description="销号率，如 50.0%；无问题为 —")
    on_time_rate: str = Field(description="按期完成率；无应完成问题为 —")


class RectRankingOut(Schema):
    counties: list[RectStandingOut]
    city: RectStandingOut = Field(description="市直单位（不参与排名）")
    total: RectStandingOut = Field(description="合计")
    note: str = Field(description="按期完成率的口径")
