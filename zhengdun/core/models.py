"""Shared reference data: the working-day calendar's overrides."""

from django.db import models


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
