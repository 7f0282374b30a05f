"""The unit tree (单位) and the personnel roster (干警名册)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from zhengdun.core import crypto

# Width of one path segment: a unit's primary key zero-padded, then a dot. Fixed width makes
# "this unit and everything under it" a single indexed prefix query: path LIKE '000012.%'.
PATH_SEGMENT_WIDTH = 6


def path_segment(pk: int) -> str:
    return f"{pk:0{PATH_SEGMENT_WIDTH}d}."


class UnitQuerySet(models.QuerySet["Unit"]):
    def subtree_of(self, unit: Unit) -> UnitQuerySet:
        """The unit and all its descendants (one indexed prefix query)."""
        return self.filter(path__startswith=unit.path)


class Unit(models.Model):
    """A node of the political-legal unit tree: 市 → 县/区 → 法院, 检察院, 公安局 …"""

    class Type(models.TextChoices):
        CITY = "city", "市"
        COUNTY = "county", "县/区"
        PLC = "plc", "政法委"
        OFFICE = "office", "教育整顿办"
        COURT = "court", "法院"
        PROCURATORATE = "procuratorate", "检察院"
        PUBLIC_SECURITY = "public_security", "公安局"
        JUSTICE = "justice", "司法局"
        PRISON = "prison", "监狱"
        REHAB = "rehab", "戒毒所"
        POLICE_STATION = "police_station", "派出所"
        JUDICIAL_OFFICE = "judicial_office", "司法所"
        DETENTION = "detention", "看守所"
        DISCIPLINE = "discipline", "纪委监委"
        OTHER = "other", "其他"

    # Area nodes group units; the others are organisations that employ officers.
    AREA_TYPES = frozenset({Type.CITY, Type.COUNTY})

    name = models.CharField("单位名称", max_length=100)
    short_name = models.CharField("简称", max_length=40, blank=True)
    type = models.CharField("单位类型", max_length=20, choices=Type.choices)
    code = models.CharField("单位编码", max_length=32, unique=True)
    region_code = models.CharField(
        "行政区划代码", max_length=6, blank=True, help_text="6位行政区划代码，用于线索编号"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnitQuerySet.as_manager()

    # scoping facts read by accounts.permissions.scope()
    scope_units = ("pk",)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_area(self) -> bool:
        return self.type in self.AREA_TYPES

    def ancestors(self) -> UnitQuerySet:
        """The chain from the root down to the parent, in order."""
        width = PATH_SEGMENT_WIDTH + 1
        prefixes = [self.path[: i * width] for i in range(1, self.depth + 1)]
        return Unit.objects.filter(path__in=prefixes).order_by("depth")

    def region_code_effective(self) -> str:
        """The nearest region code up the tree (a police station uses its county's)."""
        if self.region_code:
            return self.region_code
        for unit in reversed(list(self.ancestors())):
            if unit.region_code:
                return unit.region_code
        return "000000"


class PersonQuerySet(models.QuerySet["Person"]):
    def search(self, term: str) -> PersonQuerySet:
        term = term.strip()
        if not term:
            return self
        q = Q(name__contains=term) | Q(police_no__iexact=term)
        digest = crypto.id_number_digest_or_none(term)
        if digest:
            q |= Q(id_digest=digest)
        return self.filter(q)


class Person(models.Model):
    """An officer (干警) on the roster. The ID-card number is stored encrypted; only its masked
    form and a keyed digest (for uniqueness and exact lookup) are stored in the clear."""

    class Gender(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    class Status(models.TextChoices):
        ACTIVE = "active", "在职"
        TRANSFERRED = "transferred", "调离"
        RETIRED = "retired", "退休"
        RESIGNED = "resigned", "辞职"

    name = models.CharField("姓名", max_length=50, db_index=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    id_cipher = models.TextField("身份证号（密文）", editable=False, default="")
    id_digest = models.CharField(max_length=64, unique=True, null=True, editable=False)
    id_masked = models.CharField("身份证号", max_length=18, editable=False, default="")
    police_no = models.CharField("警号/工号", max_length=32, unique=True)
    unit = models.ForeignKey(Unit, verbose_name="所在单位", on_delete=models.PROTECT, related_name="people")
    position = models.CharField("职务", max_length=60, blank=True)
    rank = models.CharField("职级", max_length=40, blank=True)
    is_party_member = models.BooleanField("中共党员", default=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.ACTIVE)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    scope_units = ("unit",)

    class Meta:
        verbose_name = "干警"
        verbose_name_plural = "干警"
        ordering = ["unit__path", "name"]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.police_no}）"

    def id_number(self) -> str:
        """The full ID-card number. Callers must hold org.view_id_number and audit the view."""
        return crypto.decrypt(self.id_cipher) if self.id_cipher else ""


class Posting(models.Model):
    """One stretch of a person's service in a unit, so moving a person keeps their history."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="postings")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="postings")
    position = models.CharField("职务", max_length=60, blank=True)
    started_on = models.DateField("起始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "任职经历"
        ordering = ["person_id", "-started_on", "-id"]

    def __str__(self) -> str:
        return f"{self.person.name} @ {self.unit.name}"
