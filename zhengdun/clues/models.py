"""Problem clues (问题线索) and everything recorded while handling them.

States, dispositions, results and measures are declared here with their Chinese labels and badge
colours; the allowed transitions live in clues.workflow; every change goes through clues.actions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from zhengdun.core import crypto
from zhengdun.core.models import StoredFile


class Channel(models.Model):
    """A source channel (线索来源). A configurable list; the seed loads the usual ones."""

    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=40)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "线索来源"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A problem category: the national 六大顽瘴痼疾 (GJ1–GJ6) and local items added by a unit."""

    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=80)
    is_national = models.BooleanField("全国统一", default=False)
    unit = models.ForeignKey(
        "org.Unit", verbose_name="设立单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "问题类别"
        ordering = ["-is_national", "sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class DeadlineRule(models.Model):
    """How long a handling unit has once a clue is assigned. The most specific rule wins:
    source + category, then source, then category, then the default (both empty)."""

    channel = models.ForeignKey(
        Channel, verbose_name="线索来源", null=True, blank=True, on_delete=models.CASCADE
    )
    category = models.ForeignKey(
        Category, verbose_name="问题类别", null=True, blank=True, on_delete=models.CASCADE
    )
    days = models.PositiveSmallIntegerField("办理时限（天）")
    working_days = models.BooleanField("按工作日计算", default=True)

    class Meta:
        verbose_name = "办理时限规则"
        constraints = [models.UniqueConstraint(fields=["channel", "category"], name="unique_deadline_rule")]

    def __str__(self) -> str:
        unit = "个工作日" if self.working_days else "天"
        return f"{self.channel or '任意来源'} / {self.category or '任意类别'}: {self.days}{unit}"


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

STATUS_COLOURS = {
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


class ClueQuerySet(models.QuerySet["Clue"]):
    def open(self) -> ClueQuerySet:
        return self.filter(status__in=OPEN_STATES)

    def overdue(self, today: dt.date) -> ClueQuerySet:
        return self.filter(status__in=OPEN_STATES, deadline__lt=today)

    def near_due(self, today: dt.date, until: dt.date) -> ClueQuerySet:
        return self.filter(status__in=OPEN_STATES, deadline__gte=today, deadline__lte=until)


def _recused_clue_ids(user: Any) -> list[int]:
    """The clues naming the user's own roster person as a subject (回避): a handful at most, so
    a literal list every plan handles well. Read afresh on every call — never cached, as a
    clue naming the user may be registered at any moment."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return []
    return list(ClueSubject.objects.filter(person_id=person_id).values_list("clue_id", flat=True))


class Clue(models.Model):
    """A problem clue (问题线索): an allegation about one or more officers, from one channel."""

    number = models.CharField("线索编号", max_length=32, unique=True)
    channel = models.ForeignKey(Channel, verbose_name="线索来源", on_delete=models.PROTECT)
    received_on = models.DateField("受理日期", db_index=True)
    external_ref = models.CharField("外部编号", max_length=64, blank=True, help_text="如12337平台编号")
    reporting_mode = models.CharField("举报方式", max_length=12, choices=ReportingMode.choices)
    # Reporter identity (name, phone, ID, address) as encrypted JSON; shown only to holders of
    # clues.view_reporter and every view audited.
    reporter_cipher = models.TextField(blank=True, default="", editable=False)
    reporter_reachable = models.BooleanField("可联系举报人", default=False)
    summary = models.CharField("反映问题摘要", max_length=200)
    content = models.TextField("反映问题内容", blank=True)
    categories = models.ManyToManyField(Category, verbose_name="问题类别", blank=True, related_name="clues")
    # The categories as registered: what the organisation knew at receipt. A category added during
    # verification is a matter it learned of later (自查从宽: 主动交代 of a matter not yet known).
    categories_at_receipt = models.JSONField("受理时问题类别", default=list, blank=True, editable=False)
    sensitivity = models.CharField(
        "密级", max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL, db_index=True
    )

    owner_unit = models.ForeignKey(
        "org.Unit", verbose_name="受理单位", on_delete=models.PROTECT, related_name="owned_clues"
    )
    handling_unit = models.ForeignKey(
        "org.Unit",
        verbose_name="承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_clues",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField("状态", max_length=24, choices=Status.choices, default=Status.REGISTERED)
    disposition = models.CharField("处置方式", max_length=2, choices=Disposition.choices, blank=True)
    assigned_on = models.DateField("交办日期", null=True, blank=True)
    deadline = models.DateField("办理时限", null=True, blank=True)
    supervision_level = models.CharField(
        "督办等级", max_length=10, choices=SupervisionLevel.choices, default=SupervisionLevel.NONE, blank=True
    )
    org_aware_at = models.DateTimeField(
        "组织掌握时间", null=True, blank=True, help_text="首次谈话函询/初核开始"
    )
    case_proposed_on = models.DateField("拟立案日期", null=True, blank=True)
    case_filed_on = models.DateField("立案日期", null=True, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    feedback_due = models.DateField("反馈期限", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入线索",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ClueQuerySet.as_manager()

    class Meta:
        verbose_name = "问题线索"
        verbose_name_plural = "问题线索"
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_ref"], condition=~Q(external_ref=""), name="unique_external_ref"
            )
        ]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["handling_unit", "status"]),
            models.Index(fields=["owner_unit", "status"]),
            models.Index(fields=["channel", "received_on"]),
            # the ledger sorted by deadline (keyset-friendly with the id tiebreak)
            models.Index(fields=["deadline", "id"], name="clues_clue_deadline_id"),
            models.Index(fields=["received_on", "id"], name="clues_clue_received_id"),
            # the ledger's commonest view: one status, newest first
            models.Index(fields=["status", "received_on", "id"], name="clues_clue_status_received"),
            # the 重要 clues, few: scope() excludes those a user may not see by id from this alone
            models.Index(fields=["id"], condition=Q(sensitivity="important"), name="clues_clue_important"),
        ]

    def __str__(self) -> str:
        return self.number

    # --- scoping facts (read by accounts.permissions.scope) ---------------------------------
    # A clue belongs to the unit handling it; the unit that received it keeps sight of it too.
    scope_units = ("handling_unit", "owner_unit")

    @classmethod
    def scope_exclude(cls, user: Any, permission: str) -> Q | None:
        # 回避: never a clue in which the user is a subject. 重要: only the named viewers.
        # Both name clues by id, so a count over an index reads no clue row. The 重要 clues
        # hidden from the user come from the partial index on their ids; each database gets
        # the form it plans well (measured at 1M clues): SQLite builds `id IN (subquery)` once
        # and probes it, but answers a correlated EXISTS by reading each clue's row (50 ms vs
        # 18 ms for a capped count); PostgreSQL plans EXISTS as an anti-join, but charged
        # `NOT IN (subquery)` to every probe of a nested loop and merged against all million
        # ids instead (150 ms vs 5 ms for a name found 257 times).
        user_id = getattr(user, "pk", None)
        if connection.vendor == "postgresql":
            viewing = ClueViewer.objects.filter(clue_id=OuterRef("pk"), user_id=user_id)
            hidden = Clue.objects.filter(pk=OuterRef("pk"), sensitivity=Sensitivity.IMPORTANT)
            exclude = Q(Exists(hidden.exclude(Exists(viewing))))
        else:
            viewed = ClueViewer.objects.filter(user_id=user_id).values("clue_id")
            hidden = Clue.objects.filter(sensitivity=Sensitivity.IMPORTANT).exclude(pk__in=viewed)
            exclude = Q(pk__in=hidden.values("pk"))
        recused = _recused_clue_ids(user)
        if recused:
            exclude |= Q(pk__in=recused)
        return exclude

    # --- facts ------------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def status_colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "grey")

    def reporter(self) -> dict[str, str]:
        """Decrypted reporter identity. Callers go through actions.reveal_reporter (audited)."""
        import json

        return json.loads(crypto.decrypt(self.reporter_cipher)) if self.reporter_cipher else {}

    def deadline_flag(self, today: dt.date | None = None) -> str:
        """ "overdue" (red), "near" (yellow) or "" — from clues.deadlines, one home for the rule."""
        from zhengdun.clues.deadlines import flag_for

        return flag_for(self, today or timezone.localdate())


class ClueViewer(models.Model):
    """A person named to see a 重要 clue."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="viewers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "重要线索知悉人"
        constraints = [models.UniqueConstraint(fields=["clue", "user"], name="unique_clue_viewer")]

    def __str__(self) -> str:
        return f"{self.clue} · {self.user}"


class ClueSubject(models.Model):
    """A person a clue is about (被反映人): from the roster, or named in free text when the
    report does not identify them. Result and handling are per subject."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="subjects")
    person = models.ForeignKey(
        "org.Person",
        verbose_name="干警",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clue_subjects",
    )
    name = models.CharField("姓名", max_length=50, db_index=True)
    unit_text = models.CharField("单位", max_length=100, blank=True)
    position = models.CharField("职务", max_length=60, blank=True)
    result = models.CharField("核查结论", max_length=12, choices=Result.choices, blank=True)
    result_note = models.TextField("核查情况", blank=True)
    xingtai = models.PositiveSmallIntegerField("四种形态", null=True, blank=True)
    # 查实金额: the sum the verification established, where money is involved; compared with a
    # self-report's amount to tell a full disclosure from 避重就轻 (selfreports.leniency)
    verified_amount = models.DecimalField(
        "查实金额（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    # 查实问题类别: the categories of what was substantiated for this subject, when they differ from
    # the clue's (a verification may establish a matter the report never named); empty = the clue's
    finding_categories = models.ManyToManyField(
        Category, verbose_name="查实问题类别", blank=True, related_name="findings"
    )
    cleared = models.BooleanField("澄清正名", default=False)

    class Meta:
        verbose_name = "被反映人"
        ordering = ["clue_id", "id"]

    def __str__(self) -> str:
        return self.name


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


class Measure(models.Model):
    """One handling measure decided for one subject."""

    subject = models.ForeignKey(ClueSubject, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField("处理措施", max_length=24, choices=MeasureKind.choices)
    decided_on = models.DateField("决定日期")
    effective_until = models.DateField("影响期至", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "处理措施"
        ordering = ["subject_id", "decided_on", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def xingtai(self) -> int:
        return MEASURE_XINGTAI[self.kind]


class Request(models.Model):
    """Something a handler asks a leader to approve: a disposition, closing the clue, or more
    time. At most one is pending per clue and kind."""

    class Kind(models.TextChoices):
        DISPOSITION = "disposition", "处置方式审批"
        CLOSURE = "closure", "办结审批"
        EXTENSION = "extension", "延期审批"

    class Decision(models.TextChoices):
        PENDING = "", "待审批"
        APPROVED = "approved", "同意"
        REJECTED = "rejected", "退回"

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField("事项", max_length=12, choices=Kind.choices)
    disposition = models.CharField("拟处置方式", max_length=2, choices=Disposition.choices, blank=True)
    new_deadline = models.DateField("申请延期至", null=True, blank=True)
    reason = models.TextField("理由")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField("审批结果", max_length=10, choices=Decision.choices, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = "审批事项"
        ordering = ["clue_id", "-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clue", "kind"], condition=Q(decision=""), name="one_pending_request_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.clue} {self.get_kind_display()}"


class Event(models.Model):
    """The clue's timeline: every transition and recorded step, in order."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField("操作", max_length=40)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    note = models.TextField("说明", blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "办理记录"
        ordering = ["clue_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.clue} {self.action}"


class DeadlineChange(models.Model):
    """History of a clue's deadline: set at assignment, moved by approved extensions."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="deadline_changes")
    old_deadline = models.DateField(null=True, blank=True)
    new_deadline = models.DateField()
    reason = models.CharField(max_length=200)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "时限变更"
        ordering = ["clue_id", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.clue}: {self.old_deadline} → {self.new_deadline}"


class Supervision(models.Model):
    """A 督办 on a clue: level, reason, note and who supervises."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="supervisions")
    level = models.CharField("督办等级", max_length=10, choices=SupervisionLevel.choices)
    reason = models.CharField("督办事由", max_length=40)
    note = models.TextField("督办要求", blank=True)
    report_by = models.DateField("进展报告期限", null=True, blank=True)
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "督办"
        ordering = ["clue_id", "-created_at"]

    def __str__(self) -> str:
        return f"{self.clue} {self.get_level_display()}"


class Transfer(models.Model):
    """A 移交/转办 to a body outside this system (纪委监委, a higher level, another region)."""

    class Target(models.TextChoices):
        DISCIPLINE = "discipline", "纪委监委"
        HIGHER = "higher", "上级机关"
        OTHER_REGION = "other_region", "其他地区"
        OTHER_DEPT = "other_dept", "其他部门"

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="transfers")
    target = models.CharField("移交对象类别", max_length=16, choices=Target.choices)
    receiver = models.CharField("接收单位", max_length=100)
    transferred_on = models.DateField("移交日期")
    due_on = models.DateField("移交期限")
    reason = models.TextField("移交理由")
    outcome = models.TextField("办理结果", blank=True)
    outcome_result = models.CharField("结果认定", max_length=12, choices=Result.choices, blank=True)
    outcome_on = models.DateField("结果反馈日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "移交"
        ordering = ["clue_id", "-transferred_on"]

    def __str__(self) -> str:
        return f"{self.clue} → {self.receiver}"

    @property
    def late(self) -> bool:
        return self.transferred_on > self.due_on


class Feedback(models.Model):
    """The reply to the reporter (反馈) and any follow-up visit (回访)."""

    class Method(models.TextChoices):
        PHONE = "phone", "电话"
        SMS = "sms", "短信"
        IN_PERSON = "in_person", "当面"
        LETTER = "letter", "书面"
        PORTAL = "portal", "门户网站"

    class Opinion(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        BASICALLY = "basically", "基本满意"
        UNSATISFIED = "unsatisfied", "不满意"
        UNKNOWN = "", "未表态"

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="feedbacks")
    method = models.CharField("反馈方式", max_length=10, choices=Method.choices)
    fed_back_on = models.DateField("反馈日期")
    content = models.TextField("反馈内容")
    opinion = models.CharField("举报人意见", max_length=12, choices=Opinion.choices, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "反馈"
        ordering = ["clue_id", "fed_back_on", "id"]

    def __str__(self) -> str:
        return f"{self.clue} {self.fed_back_on}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is the content hash: no user-chosen path component ever reaches disk.
    return f"clues/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(StoredFile):
    """A file attached to a clue; type sniffed from content, size-limited, stored by hash."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)

    class Meta:
        verbose_name = "附件"
        ordering = ["clue_id", "uploaded_at", "id"]


class SearchText(models.Model):
    """The bigram form of a clue's searchable text (clues.search). SQLite mirrors it into an
    FTS5 table by trigger; PostgreSQL indexes to_tsvector('simple', bigrams) with GIN."""

    clue = models.OneToOneField(Clue, on_delete=models.CASCADE, primary_key=True, related_name="search_text")
    bigrams = models.TextField()

    class Meta:
        verbose_name = "检索索引"

    def __str__(self) -> str:
        return str(self.clue_id)


class NumberSequence(models.Model):
    """Serial numbers for clue numbers, one counter per prefix (region code + year)."""

    prefix = models.CharField(max_length=24, unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "编号序列"

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


class Notification(models.Model):
    """An in-app notice to a user: a clue near due or overdue. Raised once per clue, user,
    threshold and deadline, so a moved deadline can warn again."""

    class Kind(models.TextChoices):
        NEAR_DUE = "near_due", "临期"
        OVERDUE = "overdue", "逾期"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    deadline = models.DateField()
    message = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "提醒"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "clue", "kind", "deadline"], name="notify_once_per_threshold"
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.message
