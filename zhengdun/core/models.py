"""Shared models: the working-day calendar's overrides, and the fields every stored file keeps."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class CalendarOverride(models.Model):
    """One day whose working status differs from what the `holidays` library says — the
    State Council publishes each year's schedule (放假调休) late in the previous year, and an
    office must be able to enter it before the library catches up."""

    day = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    note = models.CharField("说明", max_length=60, blank=True)

    class Meta:
        verbose_name = "工作日历调整"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {'上班' if self.is_workday else '休息'}"


class StoredFile(models.Model):
    """What every uploaded file keeps beside its bytes (core.files checks and serves them): the
    name the user gave, the type sniffed from its content, its size and hash, who and when. Each
    concrete model adds its owner and a `file` field stored under the content hash."""

    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=80)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name
