"""The clue itself (问题线索), its named viewers (重要) and its subjects (被反映人)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from zhengdun.clues.models.choices import (
    OPEN_STATES,
    STATUS_COLOURS,
    Disposition,
    ReportingMode,
    Result,
    Sensitivity,
    Status,
    SupervisionLevel,
)
from zhengdun.clues.models.reference import Category, Channel
from zhengdun.core import crypto

if TYPE_CHECKING:
    # only a type here: the user model is reached through settings.AUTH_USER_MODEL at runtime
    from zhengdun.accounts.models import User


class ClueQuerySet(models.QuerySet["Clue"]):
    def open(self) -> ClueQuerySet:
        return self.filter(status__in=OPEN_STATES)

    def overdue(self, today: dt.date) -> ClueQuerySet:
        return self.filter(status__in=OPEN_STATES, deadline__lt=today)

    def near_due(self, today: dt.date, until: dt.date) -> ClueQuerySet:
        return self.filter(status__in=OPEN_STATES, deadline__gte=today, deadline__lte=until)


def _recused_clue_ids(user: User) -> list[int]:
    """The clues naming the user's own roster person as a subject (回避): a handful at most, so
    a literal list every plan handles well. Read afresh on every call — never cached, as a
    clue naming the user may be registered at any moment."""
    if not user.person_id:
        return []
    return list(ClueSubject.objects.filter(person_id=user.person_id).values_list("clue_id", flat=True))


class Clue(models.Model):
    """A problem clue (问题线索): an allegation about one or more officers, from one channel."""

    number = models.CharField("线索编号", max_length=32, unique=True)
    channel = models.ForeignKey(Channel, verbose_name="线索来源", on_delete=models.PROTECT)
    received_on = models.DateField("受理日期", db_index=True)
    external_ref = models.CharField(
        "外部编号", max_length=64, blank=True, db_index=True, help_text="如12337平台编号"
    )  # indexed: 全文检索 finds a clue by it (clues.search.number_condition)
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
    def scope_exclude(cls, user: User, permission: str) -> Q | None:
        # 回避: never a clue in which the user is a subject. 重要: only the named viewers.
        # Both name clues by id, so a count over an index reads no clue row. The 重要 clues
        # hidden from the user come from the partial index on their ids; each database gets
        # the form it plans well (measured at 1M clues): SQLite builds `id IN (subquery)` once
        # and probes it, but answers a correlated EXISTS by reading each clue's row (50 ms vs
        # 18 ms for a capped count); PostgreSQL plans EXISTS as an anti-join, but charged
        # `NOT IN (subquery)` to every probe of a nested loop and merged against all million
        # ids instead (150 ms vs 5 ms for a name found 257 times).
        user_id = user.pk
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
