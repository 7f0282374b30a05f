"""Forms of the unit and roster pages. They only parse and check input; org.actions writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from zhengdun.accounts import permissions
from zhengdun.core.widgets import DateInput
from zhengdun.org.models import Person, Unit

if TYPE_CHECKING:
    from zhengdun.accounts.models import User

# What users type for a date: the browser's date picker sends ISO, people type the others.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"]


class _LoadedUnits(forms.models.ModelChoiceIterator):
    """Options from the units the field already loaded, not from a second query."""

    def __iter__(self) -> Iterator[Any]:
        field = cast("UnitChoiceField", self.field)  # the iterator of UnitChoiceField only
        if field.units is None:  # queryset assigned directly: the ordinary way
            yield from super().__iter__()
            return
        if field.empty_label is not None:
            yield ("", field.empty_label)
        for pk, name, depth in field.units:
            yield (pk, field.indented(name, depth))


class UnitChoiceField(forms.ModelChoiceField):
    """A unit select that shows the tree by indenting each unit under its parent. The units
    are read once (set_queryset), as (id, name, depth) rows: a model instance for each of a
    city's 150 units cost ~2 ms on every page with a unit filter."""

    iterator = _LoadedUnits

    def __init__(self, queryset: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(queryset.order_by("path"), **kwargs)
        self.base_depth = 0
        self.units: list[tuple[int, str, int]] | None = None

    # django-stubs declare `queryset` but not ModelChoiceField's private property accessors
    # _get_queryset/_set_queryset, which Django has and this override extends
    def _set_queryset(self, queryset: Any) -> None:
        super()._set_queryset(queryset)  # type: ignore[misc]  # see above: missing from the stubs
        self.units = None  # loaded again only by set_queryset

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)  # type: ignore[attr-defined]  # see above

    def set_queryset(self, queryset: QuerySet[Unit], rows: list[tuple[int, str, int]] | None = None) -> None:
        """Choose from queryset; rows are its (id, name, depth) in path order when the caller read
        them already (core.db.read_together)."""
        self.queryset = queryset.order_by("path")
        # after the assignment, which resets it
        self.units = (
            list(rows) if rows is not None else list(self.queryset.values_list("pk", "name", "depth"))
        )
        self.base_depth = min((depth for _pk, _name, depth in self.units), default=0)

    def indented(self, name: str, depth: int) -> str:
        return "\u3000" * max(depth - self.base_depth, 0) + name

    def label_from_instance(self, obj: Unit) -> str:
        return self.indented(obj.name, obj.depth)


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show an action's ValidationError beside the fields it names, the rest above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class UnitForm(forms.Form):
    parent = UnitChoiceField(Unit.objects.none(), label="上级单位", empty_label="请选择上级单位")
    name = forms.CharField(label="单位名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=40, required=False)
    type = forms.ChoiceField(label="单位类型", choices=[("", "请选择")] + list(Unit.Type.choices))
    code = forms.CharField(label="单位编码", max_length=32, help_text="全市唯一，如 C370211-FY")
    region_code = forms.CharField(
        label="行政区划代码",
        # Longer than 6 so that a wrong value reaches the action's message, which says what is wrong.
        max_length=12,
        required=False,
        help_text="6位数字；留空则沿用上级单位的区划代码",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    sort_order = forms.IntegerField(label="排序", min_value=0, max_value=999999, initial=0, required=False)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: User, instance: Unit | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "parent": instance.parent_id,
                "name": instance.name,
                "short_name": instance.short_name,
                "type": instance.type,
                "code": instance.code,
                "region_code": instance.region_code,
                "sort_order": instance.sort_order,
                "is_active": instance.is_active,
                "version": instance.version,
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        parent_field: UnitChoiceField = self.fields["parent"]  # type: ignore[assignment]
        parents = permissions.scope(user, "org.change_unit", Unit.objects.all())
        if instance is not None and instance.parent_id is not None:
            # Keeping the current parent is always allowed, even one above the user's grant.
            parents = parents | Unit.objects.filter(pk=instance.parent_id)
        parent_field.set_queryset(parents)
        if instance is not None and instance.parent_id is None:
            # The root stays the root: it has no parent to choose.
            del self.fields["parent"]

    def clean_sort_order(self) -> int:
        return self.cleaned_data.get("sort_order") or 0

    def clean_version(self) -> int | None:
        version = self.cleaned_data.get("version")
        if self.instance is not None and version is None:
            raise ValidationError("缺少版本号，请刷新页面后重试")
        return version

    def action_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class PersonForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=Person.Gender.choices, widget=forms.RadioSelect)
    id_number = forms.CharField(
        label="身份证号",
        max_length=40,
        help_text="18位，末位可为X；全角数字可直接输入",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    police_no = forms.CharField(label="警号/工号", max_length=32)
    unit = UnitChoiceField(Unit.objects.none(), label="所在单位", empty_label="请选择单位")
    position = forms.CharField(label="职务", max_length=60, required=False)
    rank = forms.CharField(label="职级", max_length=40, required=False)
    is_party_member = forms.BooleanField(label="中共党员", required=False, initial=True)
    status = forms.ChoiceField(label="状态", choices=Person.Status.choices)
    started_on = forms.DateField(
        label="任职起始日期",
        input_formats=DATE_INPUT_FORMATS,
        required=False,
        help_text="在现单位任职的起始日期，如 2021-06-02；留空为今天",
        widget=DateInput(),
        error_messages={"invalid": "日期格式不正确，请按 2021-06-02 填写"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: User, instance: Person | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "gender": instance.gender,
                "police_no": instance.police_no,
                "unit": instance.unit_id,
                "position": instance.position,
                "rank": instance.rank,
                "is_party_member": instance.is_party_member,
                "status": instance.status,
                "version": instance.version,
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        unit_field: UnitChoiceField = self.fields["unit"]  # type: ignore[assignment]
        unit_field.set_queryset(permissions.scope(user, "org.change_person", Unit.objects.all()))
        if instance is None:
            del self.fields["status"]
            del self.fields["version"]
        else:
            del self.fields["started_on"]
            id_field = self.fields["id_number"]
            id_field.required = False
            id_field.help_text = f"当前：{instance.id_masked or '未登记'}。不修改请留空"

    def clean_version(self) -> int:
        version = self.cleaned_data.get("version")
        if version is None:
            raise ValidationError("缺少版本号，请刷新页面后重试")
        return version

    def action_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if self.instance is not None:
            data["id_number"] = data.get("id_number") or None
        return data


class PersonFilterForm(forms.Form):
    """The roster's filter bar. Every field is optional; an invalid one empties the list."""

    PARTY_CHOICES = [("", "全部"), ("yes", "中共党员"), ("no", "非中共党员")]

    q = forms.CharField(label="关键字", required=False, max_length=60)
    unit = UnitChoiceField(
        Unit.objects.none(), label="单位（含下级）", required=False, empty_label="全部单位"
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部")] + list(Person.Status.choices)
    )
    party = forms.ChoiceField(label="政治面貌", required=False, choices=PARTY_CHOICES)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: UnitChoiceField = self.fields["unit"]  # type: ignore[assignment]
        unit_field.set_queryset(permissions.scope(user, "org.view_person", Unit.objects.all()))
        unit_field.error_messages["invalid_choice"] = "所选单位不存在或不在您的查看范围内"

    def filter(self, queryset: QuerySet[Person]) -> QuerySet[Person]:
        data = self.cleaned_data
        if data.get("unit"):
            queryset = queryset.filter(unit__path__startswith=data["unit"].path)
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("party") == "yes":
            queryset = queryset.filter(is_party_member=True)
        elif data.get("party") == "no":
            queryset = queryset.filter(is_party_member=False)
        if data.get("q"):
            queryset = queryset.search(data["q"])  # type: ignore[attr-defined]
        return queryset
