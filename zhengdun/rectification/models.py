"""顽瘴痼疾专项整治: the three lists (问题清单/任务清单/责任清单), the back-scheduled plan (倒排工期),
progress reports, close-off (对账销号) and reopening, and the institutions built (建章立制).

Rows change only through rectification.actions. The status of a problem is derived
(rectification.status) from the facts stored here — closed_on, relapsed, reported, complete and
the deadline — which the actions keep current in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from zhengdun.clues.models import Category, Clue
from zhengdun.core.models import StoredFile
from zhengdun.org.models import Person, Unit
from zhengdun.rectification.status import ProblemStatus, derive, facts_of

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django_stubs_ext import WithAnnotations

    from zhengdun.accounts.models import User
    from zhengdun.rectification.status import StatusAnnotation


class ProblemSource(models.TextChoices):
    SELF_CHECK = "self_check", "自查"
    INSPECTION = "inspection", "明察暗访"
    PUBLIC = "public", "群众反映"
    SUPERIOR = "superior", "上级通报"
    CLUE = "clue", "线索办理"
    PATROL = "patrol", "巡视巡察"
    OPINION = "opinion", "征求意见"


class MilestoneTemplate(models.Model):
    """The steps a problem's plan is made of, per category (one without a category is the
    default for categories that have none)."""

    name = models.CharField("模板名称", max_length=60)
    category = models.OneToOneField(
        Category,
        verbose_name="适用问题类别",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="milestone_template",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # Shown on the template list (views.templates): its steps' working days in all; never stored.
    total: int

    class Meta:
        verbose_name = "工期模板"
        verbose_name_plural = "工期模板"
        ordering = ["category__sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class TemplateStep(models.Model):
    template = models.ForeignKey(MilestoneTemplate, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("节点名称", max_length=40)
    workdays = models.PositiveSmallIntegerField("工期（工作日）")

    class Meta:
        verbose_name = "模板节点"
        ordering = ["template_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="rect_template_step_position")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.workdays}个工作日）"


class ProblemQuerySet(models.QuerySet["Problem"]):
    def with_status(self, today: dt.date) -> QuerySet[WithAnnotations[Problem, StatusAnnotation]]:
        from zhengdun.rectification.status import annotate_status

        return annotate_status(self, today)


class Problem(models.Model):
    """An item of the 问题清单 with its 五定: problem, measures, deadline, responsibility, standard."""

    number = models.CharField("问题编号", max_length=24, unique=True)
    title = models.CharField("问题名称", max_length=200)
    category = models.ForeignKey(
        Category, verbose_name="问题类别", on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("问题来源", max_length=12, choices=ProblemSource.choices)
    description = models.TextField("问题描述")
    responsible_unit = models.ForeignKey(
        Unit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="rectification_problems"
    )
    responsible_leader = models.ForeignKey(
        Person, verbose_name="责任领导", on_delete=models.PROTECT, related_name="+"
    )
    responsible_person = models.ForeignKey(
        Person, verbose_name="责任人", on_delete=models.PROTECT, related_name="+"
    )
    measures = models.TextField("整改措施")
    standard = models.TextField("整改标准（验收标准）")
    deadline = models.DateField("整改时限")
    template = models.ForeignKey(
        MilestoneTemplate, verbose_name="工期模板", null=True, blank=True, on_delete=models.SET_NULL
    )
    # where it was found: the link back (the other side shows the problems made from it)
    source_clue = models.ForeignKey(
        Clue,
        verbose_name="来源线索",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectification_problems",
    )
    source_selfreport_item = models.ForeignKey(
        "selfreports.SelfReportItem",
        verbose_name="来源自查事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectification_problems",
    )
    # facts the status is derived from (rectification.status), kept current by the actions
    round = models.PositiveSmallIntegerField("整改轮次", default=1, editable=False)
    progress = models.DecimalField(
        "整改进度", max_digits=4, decimal_places=1, default=Decimal("0"), editable=False
    )
    reported = models.BooleanField(default=False, editable=False)
    complete = models.BooleanField(default=False, editable=False)
    completed_on = models.DateField("整改完成日期", null=True, blank=True, editable=False)
    relapsed = models.BooleanField(default=False, editable=False)
    closed_on = models.DateField("销号日期", null=True, blank=True, editable=False)
    plan_fits = models.BooleanField("工期可行", default=True, editable=False)
    plan_shortfall = models.PositiveSmallIntegerField(default=0, editable=False)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ProblemQuerySet.as_manager()

    scope_units = ("responsible_unit",)

    # Shown on the list pages, set by rectification.filters.decorate; never stored.
    status_value: str
    status_label: str
    status_colour: str
    flag: str
    flag_label: str
    flag_colour: str

    class Meta:
        verbose_name = "整改问题"
        verbose_name_plural = "问题清单"
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["responsible_unit", "deadline"]),
            models.Index(fields=["category", "deadline"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def status_on(self, today: dt.date) -> ProblemStatus:
        return derive(facts_of(self), today)

    @property
    def status(self) -> ProblemStatus:
        return self.status_on(timezone.localdate())


class Task(models.Model):
    """An item of the 任务清单: one piece of the problem's rectification, with its owner (the
    责任清单), deadline and weight in the problem's progress."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="tasks")
    round = models.PositiveSmallIntegerField("整改轮次", default=1)
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField("任务名称", max_length=200)
    owner = models.ForeignKey(Person, verbose_name="任务责任人", on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField("完成时限")
    weight = models.PositiveSmallIntegerField("权重", default=1)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "整改任务"
        verbose_name_plural = "任务清单"
        ordering = ["problem_id", "round", "position", "id"]

    def __str__(self) -> str:
        return self.title


class ProgressReport(models.Model):
    """A task's progress as reported: immutable; the task carries the latest percentage."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports")
    percent = models.PositiveSmallIntegerField("完成进度（%）")
    previous_percent = models.PositiveSmallIntegerField(default=0)
    narrative = models.TextField("进展情况")
    reason = models.CharField("进度回退原因", max_length=500, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now)

    # The report's task among those the problem page already loaded (views.problem_detail).
    task_row: Task

    class Meta:
        verbose_name = "进展报告"
        ordering = ["task_id", "reported_at", "id"]

    def __str__(self) -> str:
        return f"{self.percent}%"


def evidence_path(instance: StoredFile, filename: str) -> str:
    return f"rectification/evidence/{instance.sha256[:2]}/{instance.sha256}"


def document_path(instance: StoredFile, filename: str) -> str:
    return f"rectification/documents/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(StoredFile):
    """佐证材料: backing a progress report or a close-off (exactly one of the two)."""

    report = models.ForeignKey(
        ProgressReport, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    close_off = models.ForeignKey(
        "CloseOff", null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(upload_to=evidence_path, max_length=200)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(report__isnull=False, close_off__isnull=True)
                | models.Q(report__isnull=True, close_off__isnull=False),
                name="rect_evidence_one_owner",
            )
        ]


class Milestone(models.Model):
    """A scheduled step of the problem's current plan (倒排工期)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("节点名称", max_length=40)
    workdays = models.PositiveSmallIntegerField("工期（工作日）")
    start = models.DateField("开始日期")
    end = models.DateField("完成日期")
    done_on = models.DateField("实际完成日期", null=True, blank=True)

    class Meta:
        verbose_name = "工期节点"
        ordering = ["problem_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["problem", "position"], name="rect_milestone_position")
        ]

    def __str__(self) -> str:
        return self.name


# the length of a plan change's reason as stored (the page's prefix and the reason given)
PLAN_REASON_MAX = 200


class PlanChange(models.Model):
    """A recomputation of the plan: why, and what moved by how much (schedule.Move.as_dict)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="plan_changes")
    reason = models.CharField("调整原因", max_length=PLAN_REASON_MAX)
    moves = models.JSONField(default=list)
    fits = models.BooleanField(default=True)
    shortfall = models.PositiveSmallIntegerField(default=0)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "工期调整"
        ordering = ["problem_id", "-changed_at", "-id"]

    def __str__(self) -> str:
        return self.reason


class CloseOff(models.Model):
    """对账销号: the office checked the result against the standard and closed the problem."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="close_offs")
    round = models.PositiveSmallIntegerField("整改轮次")
    check_note = models.TextField("对照验收标准核查情况")
    closed_on = models.DateField("销号日期")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "销号记录"
        ordering = ["problem_id", "decided_at", "id"]

    def __str__(self) -> str:
        return f"第{self.round}轮销号 {self.closed_on}"


class Reopening(models.Model):
    """A closed problem opened again (反弹回潮 / 回头看): a new round with its own tasks."""

    class Kind(models.TextChoices):
        RELAPSE = "relapse", "反弹回潮"
        REVIEW = "review", "回头看"

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="reopenings")
    kind = models.CharField("重新启动原因类别", max_length=8, choices=Kind.choices)
    reason = models.TextField("原因")
    round = models.PositiveSmallIntegerField("新整改轮次")
    old_deadline = models.DateField()
    new_deadline = models.DateField("新整改时限")
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reopened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "重新整改"
        ordering = ["problem_id", "reopened_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（第{self.round}轮）"


class Institution(models.Model):
    """建章立制: a rule or institution produced by the rectification, and the problems it addresses."""

    title = models.CharField("制度名称", max_length=200)
    doc_number = models.CharField("文号", max_length=60, blank=True)
    issuing_unit = models.ForeignKey(
        Unit, verbose_name="制定单位", on_delete=models.PROTECT, related_name="institutions"
    )
    issued_on = models.DateField("印发日期")
    scope = models.TextField("适用范围")
    problems = models.ManyToManyField(
        Problem, verbose_name="针对问题", blank=True, related_name="institutions"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_units = ("issuing_unit",)

    # Shown on the pages, set by the views (never stored): the link to the institution's page
    # and the visible problems it addresses (views.institutions.LinkedProblem rows).
    url: str
    linked: list[Any]

    class Meta:
        verbose_name = "制度成果"
        verbose_name_plural = "建章立制"
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_extra(cls, user: User, permission: str) -> models.Q | None:
        """Also the institutions that address a problem of the user's units: a county sees the
        city's rule written for its problems, not only the rules its own units issued."""
        if permission != "rectification.view":
            return None
        from zhengdun.accounts import permissions

        paths = permissions.unit_paths_for(user, permission)
        if not paths:
            return None
        linked = Institution.problems.through.objects.filter(
            problem__responsible_unit__in=permissions.units_under(paths)
        ).values("institution_id")
        return models.Q(pk__in=linked)


class InstitutionDocument(StoredFile):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=document_path, max_length=200)

    class Meta:
        verbose_name = "制度文件"
        ordering = ["institution_id", "id"]
