"""The append-only, hash-chained audit trail (审计日志)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone


class Entry(models.Model):
    """One audited event. `hash` covers every stored field and the previous entry's hash, so
    altering or removing any stored entry breaks the chain at that point (verify_chain)."""

    seq = models.PositiveBigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("操作", max_length=60, db_index=True)
    object_type = models.CharField("对象类型", max_length=60, blank=True, db_index=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    ip = models.CharField("来源地址", max_length=64, blank=True)
    success = models.BooleanField("成功", default=True)
    data = models.JSONField("详情", default=dict, blank=True)
    algorithm = models.CharField(max_length=10, default="sha256")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "审计日志"
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"]), models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class ChainHead(models.Model):
    """A single row holding the last sequence number and hash. Writers lock it, so entries are
    chained in one order even with several processes and hosts."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "审计链头"

    def __str__(self) -> str:
        return f"head #{self.seq}"


# A run neither finished nor heard from for this long is taken as abandoned (its server process
# or worker died): shown as 已中断, and it no longer blocks a new run.
ABANDONED_AFTER = dt.timedelta(hours=1)


class VerificationRun(models.Model):
    """One press of "校验日志链": the whole-chain check (chain.check_chain), run in the
    background because it takes about a minute per million entries.

    At most one run is in progress at a time, enforced by the database (a partial unique index
    on `in_progress`), so two presses at once start one run. A run that ends — intact, broken or
    crashed — leaves its outcome here and one audit entry; one whose process died stays
    unfinished and is shown as abandoned after ABANDONED_AFTER.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "等待开始"
        RUNNING = "running", "正在校验"
        INTACT = "intact", "完整"
        BROKEN = "broken", "不完整"
        FAILED = "failed", "校验出错"

    OPEN_STATES = frozenset({Status.PENDING, Status.RUNNING})
    TERMINAL_STATES = frozenset({Status.INTACT, Status.BROKEN, Status.FAILED})
    BADGES = {
        Status.PENDING: "grey",
        Status.RUNNING: "blue",
        Status.INTACT: "green",
        Status.BROKEN: "red",
        Status.FAILED: "red",
    }

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发起人",
    )
    requested_ip = models.CharField("发起地址", max_length=64, blank=True)
    requested_at = models.DateTimeField("发起时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    # True until the run ends or is given up as abandoned; unique among True rows.
    in_progress = models.BooleanField("进行中", default=True)
    entries_checked = models.PositiveBigIntegerField("已校验条数", default=0)
    last_seq = models.PositiveBigIntegerField("链尾序号", null=True, blank=True)
    last_hash = models.CharField("链尾哈希", max_length=64, blank=True)
    first_broken_seq = models.PositiveBigIntegerField("首个断裂条目", null=True, blank=True)
    message = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "日志链校验"
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["in_progress"],
                condition=models.Q(in_progress=True),
                name="audit_one_verification_in_progress",
            )
        ]

    def __str__(self) -> str:
        return f"日志链校验 #{self.pk}"

    @property
    def ok(self) -> bool | None:
        """None while unfinished; True for an intact chain; False for a broken one or a crash."""
        if self.status in self.OPEN_STATES:
            return None
        return self.status == self.Status.INTACT

    @property
    def abandoned(self) -> bool:
        if self.status not in self.OPEN_STATES:
            return False
        return (self.started_at or self.requested_at) < timezone.now() - ABANDONED_AFTER

    @property
    def in_flight(self) -> bool:
        """Still expected to finish: the page keeps polling while this is true."""
        return self.status in self.OPEN_STATES and not self.abandoned

    @property
    def state_label(self) -> str:
        return "已中断" if self.abandoned else self.get_status_display()

    @property
    def badge(self) -> str:
        return "grey" if self.abandoned else self.BADGES[self.Status(self.status)]

    @property
    def duration(self) -> str:
        """How long the check took, for the page ("用时 57 秒")."""
        if self.started_at is None or self.finished_at is None:
            return ""
        seconds = (self.finished_at - self.started_at).total_seconds()
        if seconds < 1:
            return "不到 1 秒"
        minutes, secs = divmod(round(seconds), 60)
        return f"{minutes} 分 {secs} 秒" if minutes else f"{secs} 秒"
