"""In-app notices to a user about a clue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from zhengdun.clues.models.clue import Clue


class Notification(models.Model):
    """An in-app notice to a user: a clue near due or overdue. Raised once per clue, user,
    threshold and deadline, so a moved deadline can warn again."""

    class Kind(models.TextChoices):
        NEAR_DUE = "near_due", "临期"
        OVERDUE = "overdue", "逾期"
        # raised by clues.notify_events from the timeline; deadline holds the day raised
        ASSIGNED = "assigned", "新交办"
        APPROVAL = "approval", "待审批"
        DECIDED = "decided", "审批结果"
        RETURNED = "returned", "退回"

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
                fields=["user", "clue", "kind", "deadline"],
                condition=models.Q(kind__in=["near_due", "overdue"]),
                name="notify_once_per_threshold",
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.message
