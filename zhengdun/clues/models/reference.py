"""Reference lists of clues: source channels, problem categories and deadline rules (基础设置)."""

from __future__ import annotations

from django.db import models


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


def category_label(code: str, name: str, is_national: bool, *, short: bool = False) -> str:
    """How a person sees a category — the one rule (issue #11: "OTHER" showed on the pages).

    A national category keeps its number beside its name ("GJ2 违规经商办企业…"; short: "GJ2");
    any other (其他违纪违法问题, a unit's local items) is its Chinese name alone: its code is an
    interface code for data exchange and the API, never a label."""
    if is_national:
        return code if short else f"{code} {name}"
    return name


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

    @property
    def label(self) -> str:
        """The category as pages and exports show it: "GJ2 违规经商办企业…", "其他违纪违法问题"."""
        return category_label(self.code, self.name, self.is_national)

    @property
    def short_label(self) -> str:
        """Where room is short: the national number ("GJ2"), else the name."""
        return category_label(self.code, self.name, self.is_national, short=True)

    @property
    def shown_code(self) -> str:
        """The code shown in a tag beside the name: the national number, else nothing."""
        return self.code if self.is_national else ""


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
