"""Self-reports (自查事项报告) of the 自查自纠 lever, and the campaigns they are filed in.

A campaign (教育整顿) has its stages and one self-report window; at most one campaign is active.
An officer files a report about themself — alone, or through their unit's discipline staff —
as a draft, then submits it: the submission is timestamped and from then on immutable. A
correction is a new version (n+1) that names the version it corrects; the old one stays as it
was submitted. The current version of a person's report in a campaign is the latest submitted
one; one draft (a first report or a correction) may exist beside it.

Reviews (核实情况) are kept apart from the items, so an item never changes after submission while
its check, outcome and any conversion into a clue are recorded later. Every change goes through
selfreports.actions; `save()` refuses to touch a submitted report or its items.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from zhengdun.core.errors import ConflictError
from zhengdun.core.models import StoredFile
from zhengdun.selfreports import leniency

if TYPE_CHECKING:
    # accounts.permissions.scope hands request.user as it is (an anonymous caller holds no grant)
    from django.contrib.auth.models import AnonymousUser

    from zhengdun.accounts.models import User

IMMUTABLE = "已提交的自查报告不能修改；如需更正，请提交更正版本"


class ImmutableError(ConflictError):
    """A submitted self-report, or a part of it, was about to be changed or removed. A
    ConflictError, so every front door shows it like any change that came too late."""


class WindowState(models.TextChoices):
    NOT_OPEN = "not_open", "未开始"
    OPEN = "open", "进行中"
    CLOSED = "closed", "已截止"


WINDOW_COLOURS = {WindowState.NOT_OPEN: "grey", WindowState.OPEN: "blue", WindowState.CLOSED: "red"}


class Campaign(models.Model):
    """An education-rectification campaign (教育整顿) with its self-report window. Several may
    exist; at most one is active (the one officers file in)."""

    name = models.CharField("名称", max_length=100)
    unit = models.ForeignKey("org.Unit", verbose_name="组织单位", on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField("当前进行", default=False)
    report_opens_at = models.DateTimeField("自查报告开始时间")
    report_closes_at = models.DateTimeField("自查报告截止时间")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    # scoping facts (accounts.permissions.scope): a campaign belongs to its organising unit
    scope_units = ("unit",)

    class Meta:
        verbose_name = "教育整顿"
        verbose_name_plural = "教育整顿"
        ordering = ["-report_opens_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_campaign"
            ),
            models.CheckConstraint(
                condition=Q(report_closes_at__gt=F("report_opens_at")), name="campaign_window_in_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def active(cls) -> Campaign | None:
        """The campaign officers file in now, if any."""
        return cls.objects.filter(is_active=True).first()

    def window_state(self, now: dt.datetime | None = None) -> WindowState:
        """未开始 before the window opens, 进行中 until it closes (the closing moment included),
        已截止 after: a report submitted then is late (逾期)."""
        now = now or timezone.now()
        if now < self.report_opens_at:
            return WindowState.NOT_OPEN
        if now <= self.report_closes_at:
            return WindowState.OPEN
        return WindowState.CLOSED

    def is_late(self, at: dt.datetime) -> bool:
        return at > self.report_closes_at

    def current_stage(self, today: dt.date | None = None) -> CampaignStage | None:
        today = today or timezone.localdate()
        return self.stages.filter(starts_on__lte=today, ends_on__gte=today).first()


class Stage(models.TextChoices):
    """The three stages (三个环节) of domain.md §1, in their order."""

    STUDY = "study", "学习教育"
    RECTIFY = "rectify", "查纠整改"
    SUMMARY = "summary", "总结提升"


STAGE_ORDER = [Stage.STUDY, Stage.RECTIFY, Stage.SUMMARY]


class CampaignStage(models.Model):
    """One stage of a campaign with its dates; the stages follow each other in order."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField("环节", max_length=10, choices=Stage.choices)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")

    class Meta:
        verbose_name = "教育整顿环节"
        verbose_name_plural = "教育整顿环节"
        ordering = ["campaign_id", "starts_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "stage"], name="unique_campaign_stage"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="stage_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.get_stage_display()}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"


REPORT_STATUS_COLOURS: dict[str, str] = {ReportStatus.DRAFT: "grey", ReportStatus.SUBMITTED: "green"}


class SelfReportQuerySet(models.QuerySet["SelfReport"]):
    def submitted(self) -> SelfReportQuerySet:
        return self.filter(status=ReportStatus.SUBMITTED)

    def drafts(self) -> SelfReportQuerySet:
        return self.filter(status=ReportStatus.DRAFT)

    def current(self) -> SelfReportQuerySet:
        """Submitted versions no later submitted version corrects: one per person and campaign."""
        later = SelfReport.objects.filter(previous=OuterRef("pk"), status=ReportStatus.SUBMITTED)
        return self.filter(status=ReportStatus.SUBMITTED).exclude(Exists(later))


class SelfReport(models.Model):
    """One version of an officer's self-report (自查事项报告) in a campaign."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="教育整顿", on_delete=models.PROTECT, related_name="reports"
    )
    person = models.ForeignKey(
        "org.Person", verbose_name="报告人", on_delete=models.PROTECT, related_name="self_reports"
    )
    unit = models.ForeignKey("org.Unit", verbose_name="所在单位", on_delete=models.PROTECT, related_name="+")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveSmallIntegerField("版本", default=1)
    previous = models.ForeignKey(
        "self",
        verbose_name="更正的版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    correction_reason = models.TextField("更正理由", blank=True)
    status = models.CharField("状态", max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    late = models.BooleanField("逾期提交", default=False)
    declares_nothing = models.BooleanField("本人无需要报告的事项", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # the draft's edit guard (two people editing one draft); fixed once submitted
    revision = models.PositiveIntegerField(default=1, editable=False)

    objects = SelfReportQuerySet.as_manager()

    class Meta:
        verbose_name = "自查事项报告"
        verbose_name_plural = "自查事项报告"
        ordering = ["campaign_id", "person_id", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "person"],
                condition=Q(status="draft"),
                name="one_draft_per_person_and_campaign",
            ),
            models.UniqueConstraint(fields=["campaign", "person", "version"], name="unique_report_version"),
            models.CheckConstraint(
                condition=Q(status="draft", submitted_at__isnull=True)
                | Q(status="submitted", submitted_at__isnull=False),
                name="submitted_reports_have_a_time",
            ),
            models.CheckConstraint(
                condition=Q(version=1, previous__isnull=True) | Q(version__gt=1, previous__isnull=False),
                name="corrections_name_their_version",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "unit", "status"]),
            models.Index(fields=["status", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} 自查报告（第{self.version}版）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and self.pk is not None:
            stored = SelfReport.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == ReportStatus.SUBMITTED:
                raise ImmutableError(IMMUTABLE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if SelfReport.objects.filter(pk=self.pk, status=ReportStatus.SUBMITTED).exists():
            raise ImmutableError(IMMUTABLE)
        return super().delete(*args, **kwargs)

    # --- scoping facts (read by accounts.permissions.scope) ---------------------------------
    # A report belongs to the unit the officer served in when filing; everyone sees their own.
    scope_units = ("unit",)

    @classmethod
    def scope_extra(cls, user: User | AnonymousUser, permission: str) -> Q | None:
        person_id = getattr(user, "person_id", None)
        if permission == "selfreports.view" and person_id:
            return Q(person_id=person_id)
        return None

    @classmethod
    def scope_exclude(cls, user: User | AnonymousUser, permission: str) -> Q | None:
        # 回避: nobody reviews their own report, nor files it through the on-behalf path
        person_id = getattr(user, "person_id", None)
        if permission in ("selfreports.review", "selfreports.file") and person_id:
            return Q(person_id=person_id)
        return None

    @property
    def is_submitted(self) -> bool:
        return self.status == ReportStatus.SUBMITTED

    @property
    def is_correction(self) -> bool:
        return self.version > 1

    @property
    def on_behalf(self) -> bool:
        """Filed by someone other than the officer (代为填报)."""
        return getattr(self.filed_by, "person_id", None) != self.person_id

    def status_colour(self) -> str:
        return REPORT_STATUS_COLOURS.get(self.status, "grey")


def _refuse_if_submitted(report_id: int | None) -> None:
    if report_id and SelfReport.objects.filter(pk=report_id, status=ReportStatus.SUBMITTED).exists():
        raise ImmutableError(IMMUTABLE)


def _report_of(item_id: int | None) -> int | None:
    if item_id is None:  # an unsaved row belongs to no stored report yet
        return None
    return SelfReportItem.objects.filter(pk=item_id).values_list("report_id", flat=True).first()


class Gj2Subtype(models.TextChoices):
    """Whose business a GJ2 item is (domain.md §2: statistics keep the two apart)."""

    SELF = "self", "本人"
    SPOUSE_CHILDREN = "spouse_children", "配偶、子女及其配偶"
    OTHER_RELATIVE = "other_relative", "其他亲属"


GJ2_CODE = "GJ2"
DESCRIPTION_MAX = 5000


class SelfReportItem(models.Model):
    """One matter reported (自查事项). `key` follows the matter from version to version, so a
    correction shows what was added, removed or changed, and a matter is converted once."""

    report = models.ForeignKey(SelfReport, on_delete=models.CASCADE, related_name="items")
    seq = models.PositiveSmallIntegerField("序号")
    key = models.CharField("事项标识", max_length=32, db_index=True)
    category = models.ForeignKey(
        "clues.Category", verbose_name="问题类别", on_delete=models.PROTECT, related_name="+"
    )
    gj2_subtype = models.CharField("经商办企业主体", max_length=16, choices=Gj2Subtype.choices, blank=True)
    description = models.TextField("事项内容")
    period_from = models.DateField("起始日期", null=True, blank=True)
    period_to = models.DateField("截止日期", null=True, blank=True)
    amount = models.DecimalField("涉及金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "自查事项"
        verbose_name_plural = "自查事项"
        ordering = ["report_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["report", "seq"], name="unique_item_seq"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="item_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(period_from__isnull=True)
                | Q(period_to__isnull=True)
                | Q(period_to__gte=F("period_from")),
                name="item_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"第{self.seq}项 {self.category}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        _refuse_if_submitted(self.report_id)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        _refuse_if_submitted(self.report_id)
        return super().delete(*args, **kwargs)

    def signature(self) -> tuple[Any, ...]:
        """What the item says, for comparing versions (uses the prefetched related rows)."""
        return (
            self.category_id,
            self.gj2_subtype,
            self.description,
            self.period_from,
            self.period_to,
            self.amount,
            tuple((p.name, p.relation, p.detail) for p in self.related_persons.all()),
            tuple(sorted(a.sha256 for a in self.attachments.all())),
        )


class Relation(models.TextChoices):
    RELATIVE_BUSINESS = "relative_business", "亲属经商办企业"
    LAWYER = "lawyer", "律师"
    PARTY = "party", "案件当事人"
    INTERMEDIARY = "intermediary", "中介"
    OTHER = "other", "其他"


class RelatedPerson(models.Model):
    """Someone an item involves: a relative in business, a lawyer, a party to a case …"""

    item = models.ForeignKey(SelfReportItem, on_delete=models.CASCADE, related_name="related_persons")
    name = models.CharField("姓名", max_length=50)
    relation = models.CharField("关系", max_length=20, choices=Relation.choices)
    detail = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "相关人员"
        verbose_name_plural = "相关人员"
        ordering = ["item_id", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_relation_display()}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        _refuse_if_submitted(_report_of(self.item_id))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        _refuse_if_submitted(_report_of(self.item_id))
        return super().delete(*args, **kwargs)


def attachment_path(instance: SelfReportAttachment, filename: str) -> str:
    # stored under the content hash, like clue attachments: no user-chosen name reaches the disk
    return f"selfreports/{instance.sha256[:2]}/{instance.sha256}"


class SelfReportAttachment(StoredFile):
    """A file backing an item; type sniffed from content, size-limited (core.files)."""

    item = models.ForeignKey(SelfReportItem, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)

    class Meta:
        verbose_name = "自查事项附件"
        verbose_name_plural = "自查事项附件"
        ordering = ["item_id", "id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        _refuse_if_submitted(_report_of(self.item_id))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        _refuse_if_submitted(_report_of(self.item_id))
        return super().delete(*args, **kwargs)


class Outcome(models.TextChoices):
    """How a self-reported matter was dealt with: the light end of domain.md §3.5 (自查从宽)."""

    EXEMPT = "exempt", "免予处分"
    NOT_SANCTIONED = "not_sanctioned", "不予处分"
    LIGHTER = "lighter", "从轻处理"
    MITIGATED = "mitigated", "减轻处理"
    CRITICISM = "criticism", "批评教育"
    TALK_REMINDER = "talk_reminder", "谈话提醒"
    ORDER_INSPECTION = "order_inspection", "责令检查"
    ADMONITION = "admonition", "诫勉"
    REFERRED = "referred", "移送纪委监委"
    OTHER = "other", "其他"


class ItemReview(models.Model):
    """The check of one item (核实情况) and its outcome, and the clue it was turned into. Kept
    apart from the item, which never changes after submission. outcome is empty while an item
    has only been converted into a clue for verification."""

    item = models.OneToOneField(SelfReportItem, on_delete=models.PROTECT, related_name="review")
    check_note = models.TextField("核实情况", blank=True)
    outcome = models.CharField("处理结果", max_length=20, choices=Outcome.choices, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核实人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("核实时间", null=True, blank=True)
    converted_clue = models.ForeignKey(
        "clues.Clue",
        verbose_name="转化线索",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="self_report_items",
    )
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    converted_at = models.DateTimeField("转化时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "自查事项核实情况"
        verbose_name_plural = "自查事项核实情况"
        indexes = [models.Index(fields=["outcome"])]

    def __str__(self) -> str:
        return f"{self.item} · {self.get_outcome_display() or '待认定'}"


class LeniencyDecision(models.Model):
    """The human decision on a substantiated subject's 从宽从严 basis: the system's recommendation
    (selfreports.leniency) confirmed or overridden with a reason, with the evidence it was made
    against. One per clue subject; deciding again replaces it (the audit trail keeps each)."""

    subject = models.OneToOneField(
        "clues.ClueSubject",
        verbose_name="被反映人",
        on_delete=models.CASCADE,
        related_name="leniency_decision",
    )
    clue = models.ForeignKey(
        "clues.Clue", verbose_name="问题线索", on_delete=models.CASCADE, related_name="leniency_decisions"
    )
    recommended = models.CharField("系统建议", max_length=20, choices=leniency.CHOICES)
    evidence = models.JSONField("依据", default=dict)
    summary = models.TextField("依据摘要", blank=True)
    basis = models.CharField("认定", max_length=20, choices=leniency.CHOICES)
    overridden = models.BooleanField("改判", default=False)
    reason = models.TextField("理由", blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("认定时间")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "从宽从严认定"
        verbose_name_plural = "从宽从严认定"
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.get_basis_display()}"
