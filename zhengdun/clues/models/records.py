"""What is recorded while a clue is handled: measures, approval requests, the timeline, deadline
history, 督办, 移交, 反馈, attachments, the search text and the number counters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from zhengdun.clues.models.choices import MEASURE_XINGTAI, Disposition, MeasureKind, Result, SupervisionLevel
from zhengdun.clues.models.clue import Clue, ClueSubject
from zhengdun.core.models import StoredFile


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
