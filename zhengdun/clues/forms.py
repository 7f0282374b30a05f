"""Forms of the ledger and the registration page. They parse and check input; clues.actions
writes and clues.filters narrows. Choices are limited to what the user may see or act on."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.safestring import SafeString

from zhengdun.accounts import permissions
from zhengdun.accounts.models import RoleAssignment, User
from zhengdun.accounts.roles import roles_with
from zhengdun.clues import filters
from zhengdun.clues.models import (
    Category,
    Channel,
    Disposition,
    ReportingMode,
    Result,
    Sensitivity,
    Status,
    SupervisionLevel,
)
from zhengdun.core.dates import parse_date
from zhengdun.core.db import read_together
from zhengdun.core.widgets import DateInput
from zhengdun.org.forms import UnitChoiceField
from zhengdun.org.models import Person, Unit

XINGTAI_CHOICES = [("1", "第一种形态"), ("2", "第二种形态"), ("3", "第三种形态"), ("4", "第四种形态")]
FLAG_CHOICES = [("overdue", "逾期"), ("near", "临期")]
MAX_SUBJECTS = 20


class TolerantDateField(forms.DateField):
    """A date typed as 2021-06-02, 2021.6.2, 2021年6月2日 or with full-width digits."""

    widget = DateInput

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        try:
            return parse_date(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from None

    def prepare_value(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date) else value


def _escape(value: Any) -> str:
    """conditional_escape without its lazy-string wrapper (~4× faster here): text already marked
    safe is kept, anything else escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


class FastSelect(forms.Select):
    """A select rendered in Python straight from its choices. Django's template-rendered options
    cost about a millisecond each, and even its option dictionaries (optgroups, one attrs copy
    per option) cost ~5 ms for a city's unit select of 150 units on every ledger page."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        wanted = set(self.format_value(value))
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        parts: list[str] = []
        # like Django's Select: a single select marks only the first matching option
        state = {"selected": False}

        def option(option_value: Any, label: Any) -> str:
            text = str(option_value)
            chosen = text in wanted and (self.allow_multiple_selected or not state["selected"])
            state["selected"] |= chosen
            mark = " selected" if chosen else ""
            return f'<option value="{_escape(text)}"{mark}>{_escape(label)}</option>'

        for option_value, label in self.choices:
            if isinstance(label, list | tuple):
                inner = "".join(option(v, sub) for v, sub in label)
                parts.append(f'<optgroup label="{_escape(option_value)}">{inner}</optgroup>')
            else:
                # as Django's Select: a top-level None is the empty value
                parts.append(option("" if option_value is None else option_value, label))
        return SafeString(f'<select name="{_escape(name)}"{flatatt(final_attrs)}>{"".join(parts)}</select>')


class FastSelectMultiple(FastSelect, forms.SelectMultiple):
    pass


class FastTextInput(forms.TextInput):
    """A text input rendered in Python, as Django's template would render it (~0.3 ms each
    through the template engine; a filter bar has six)."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        text = self.format_value(value)
        shown = "" if text is None else f' value="{_escape(text)}"'
        kind = _escape(final_attrs.pop("type", self.input_type))
        return SafeString(f'<input type="{kind}" name="{_escape(name)}"{shown}{flatatt(final_attrs)}>')


class _NamedChoices(forms.models.ModelChoiceIterator):
    field: NamedChoiceField  # the only field that iterates this way

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        loaded = self.field.loaded
        yield from loaded if loaded is not None else self.queryset.values_list("pk", "name")


class NamedChoiceField(forms.ModelChoiceField):
    """A model select labelled by the rows' names, its options read as (id, name) pairs rather
    than as a model instance each — from the queryset when rendered, or from pairs the form
    read already (loaded, see core.db.read_together)."""

    iterator = _NamedChoices
    loaded: list[tuple[Any, ...]] | None = None


def _choices(label: str, pairs: Any) -> list[tuple[str, str]]:
    return [("", label), *((str(v), str(t)) for v, t in pairs)]


# --- ledger filters ----------------------------------------------------------------------------


class LedgerFilterForm(forms.Form):
    """The ledger's filter bar; its cleaned values are the params of filters.filter_ledger."""

    q = forms.CharField(label="全文检索", max_length=100, required=False)
    unit = UnitChoiceField(
        Unit.objects.none(),
        label="单位",
        required=False,
        empty_label="全部单位",
        error_messages={"invalid_choice": "所选单位不在您的查看范围内"},
    )
    channel = NamedChoiceField(Channel.objects.none(), label="来源", required=False, empty_label="全部来源")
    category = NamedChoiceField(
        Category.objects.none(), label="问题类别", required=False, empty_label="全部类别"
    )
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[
            ("", "全部状态"),
            (filters.OPEN, "未办结（各办理环节）"),
            # the home page's 待办理 card links here
            (f"{Status.ASSIGNED},{Status.HANDLING}", "待办理（已交办、办理中）"),
            *Status.choices,
        ],
    )
    disposition = forms.ChoiceField(
        label="处置方式", required=False, choices=_choices("全部", Disposition.choices)
    )
    result = forms.ChoiceField(label="核查结论", required=False, choices=_choices("全部", Result.choices))
    xingtai = forms.ChoiceField(label="四种形态", required=False, choices=_choices("全部", XINGTAI_CHOICES))
    flag = forms.ChoiceField(label="时限", required=False, choices=_choices("全部", FLAG_CHOICES))
    supervision = forms.ChoiceField(
        label="督办",
        required=False,
        choices=[("", "全部"), (filters.ANY_SUPERVISION, "已督办（任意等级）")]
        + [(v, t) for v, t in SupervisionLevel.choices if v],
    )
    pending = forms.ChoiceField(label="待审批", required=False, choices=[("", "全部"), ("1", "有待审批事项")])
    received_from = TolerantDateField(label="受理日期自", required=False)
    received_to = TolerantDateField(label="至", required=False)
    closed_from = TolerantDateField(label="办结日期自", required=False)
    closed_to = TolerantDateField(label="至", required=False)
    subject = forms.CharField(label="被反映人", max_length=50, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = cast(UnitChoiceField, self.fields["unit"])
        channel_field = cast(NamedChoiceField, self.fields["channel"])
        category_field = cast(NamedChoiceField, self.fields["category"])
        units = permissions.scope(user, "clues.view", Unit.objects.filter(is_active=True))
        channel_field.queryset = Channel.objects.all()
        category_field.queryset = Category.objects.all()
        # the three option lists in one round trip
        unit_rows, channel_field.loaded, category_field.loaded = read_together(
            units.order_by("path").values_list("pk", "name", "depth"),
            channel_field.queryset.values_list("pk", "name"),
            category_field.queryset.values_list("pk", "name"),
        )
        unit_field.set_queryset(units, rows=unit_rows)
        for name in ("q", "subject"):
            self.fields[name].widget.attrs["type"] = "search"
        self.fields["q"].widget.attrs.update(
            {"placeholder": "摘要、内容、被反映人，如 经商 茶楼", "class": "wide"}
        )
        self.fields["subject"].widget.attrs["placeholder"] = "姓名或警号"
        for f in self.fields.values():
            if type(f.widget) is forms.Select:
                f.widget = FastSelect(attrs=f.widget.attrs, choices=f.widget.choices)
            elif type(f.widget) is forms.TextInput:
                f.widget = FastTextInput(attrs=f.widget.attrs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for start, end, label in (
            ("received_from", "received_to", "受理日期"),
            ("closed_from", "closed_to", "办结日期"),
        ):
            if data.get(start) and data.get(end) and data[start] > data[end]:
                self.add_error(end, f"{label}的结束日期不能早于开始日期")
        return data

    def params(self) -> dict[str, Any]:
        """Cleaned values as filter_ledger params (ids for model choices)."""
        values: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            values[name] = value.pk if hasattr(value, "pk") else value
        return values


# --- registration ------------------------------------------------------------------------------


class ViewerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        unit = obj.unit.name if obj.unit is not None else ""
        return f"{obj}（{unit}）" if unit else str(obj)


def viewer_candidates(user: User) -> QuerySet[User]:
    """Users who may be named to see a 重要 clue: active accounts holding clues.view on a unit
    inside the actor's own clues.view subtree."""
    paths = permissions.unit_paths_for(user, "clues.view")
    if not paths:
        return User.objects.none()
    inside = Q(pk__in=[])
    for path in paths:
        inside |= Q(unit__path__startswith=path)
    grants = RoleAssignment.objects.filter(inside, role__in=roles_with("clues.view"), unit__is_active=True)
    return (
        User.objects.filter(is_active=True, pk__in=grants.values("user_id"))
        .select_related("unit")
        .order_by("unit__path", "username")
    )


def default_owner_unit(user: User, allowed: QuerySet[Unit]) -> Unit | None:
    """The unit a clue is registered under by default: the user's home unit or its nearest
    ancestor where the user may register; otherwise the first such unit in tree order."""
    allowed_ids = set(allowed.values_list("pk", flat=True))
    home = getattr(user, "unit", None)
    if home is not None:
        chain = [home, *reversed(list(home.ancestors()))]
        for unit in chain:
            if unit.pk in allowed_ids:
                return unit
    return allowed.order_by("path").first()


class RegisterForm(forms.Form):
    """The registration form, without the subject rows (SubjectRows parses those)."""

    owner_unit = UnitChoiceField(
        Unit.objects.none(),
        label="受理单位",
        empty_label="请选择受理单位",
        widget=FastSelect,
        error_messages={"required": "请选择受理单位", "invalid_choice": "只能在您有登记权限的单位登记线索"},
    )
    channel = forms.ModelChoiceField(
        Channel.objects.none(),
        label="线索来源",
        empty_label="请选择来源",
        widget=FastSelect,
        error_messages={"required": "请选择线索来源", "invalid_choice": "请从列表中选择线索来源"},
    )
    received_on = TolerantDateField(
        label="受理日期",
        error_messages={"required": "请填写受理日期"},
    )
    external_ref = forms.CharField(
        label="外部编号",
        max_length=64,
        required=False,
        help_text="如12337平台编号；同一来源不能重复登记",
        error_messages={"max_length": "外部编号不能超过64个字符"},
    )
    reporting_mode = forms.ChoiceField(
        label="举报方式",
        choices=ReportingMode.choices,
        widget=forms.RadioSelect,
        initial=ReportingMode.REAL_NAME,
        error_messages={"required": "请选择举报方式", "invalid_choice": "请选择实名或匿名"},
    )
    reporter_name = forms.CharField(
        label="举报人姓名", max_length=50, required=False, help_text="实名举报必填"
    )
    reporter_phone = forms.CharField(label="联系电话", max_length=30, required=False)
    reporter_id_number = forms.CharField(label="身份证号", max_length=30, required=False)
    reporter_address = forms.CharField(label="联系地址", max_length=200, required=False)
    categories = forms.ModelMultipleChoiceField(
        Category.objects.none(),
        label="问题类别",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="可多选",
        error_messages={
            "invalid_choice": "请从列表中选择问题类别",
            "invalid_pk_value": "请从列表中选择问题类别",
        },
    )
    summary = forms.CharField(
        label="反映问题摘要",
        max_length=200,
        help_text="200字以内",
        error_messages={"required": "请填写反映问题摘要", "max_length": "反映问题摘要不能超过200个字"},
    )
    # the limit of actions.register_clue and the API schema (20,000 字), checked here first so the
    # page names the field and keeps what was typed (settings.DATA_UPLOAD_MAX_MEMORY_SIZE is above it)
    content = forms.CharField(
        label="反映问题内容",
        required=False,
        max_length=20000,
        help_text="20000字以内",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"max_length": "反映问题内容不能超过20000字（现为%(show_value)d字）"},
    )
    sensitivity = forms.ChoiceField(
        label="密级",
        choices=Sensitivity.choices,
        widget=forms.RadioSelect,
        initial=Sensitivity.NORMAL,
        error_messages={"required": "请选择密级", "invalid_choice": "请选择普通或重要"},
    )
    viewers = ViewerChoiceField(
        User.objects.none(),
        label="知悉人",
        required=False,
        widget=FastSelectMultiple(attrs={"size": 6}),
        help_text="密级为“重要”时，仅登记人和所选人员可以查看（按住 Ctrl 多选）",
        error_messages={
            "invalid_choice": "所选知悉人不在可选范围内",
            "invalid_pk_value": "所选知悉人不在可选范围内",
        },
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        units = Unit.objects.filter(is_active=True).only("id", "name", "path", "depth", "parent_id")
        allowed = permissions.scope(user, "clues.register", units)
        owner_field = cast(UnitChoiceField, self.fields["owner_unit"])
        owner_field.set_queryset(allowed)
        choices: dict[str, QuerySet[Any]] = {
            "channel": Channel.objects.filter(is_active=True),
            "categories": Category.objects.filter(is_active=True),
            "viewers": viewer_candidates(user).exclude(pk=user.pk),
        }
        for name, queryset in choices.items():
            cast(forms.ModelChoiceField, self.fields[name]).queryset = queryset
        self.fields["reporter_id_number"].widget.attrs["autocomplete"] = "off"
        self.fields["summary"].widget.attrs["size"] = 60
        if not self.is_bound:
            default = default_owner_unit(user, allowed)
            self.initial.setdefault("owner_unit", default.pk if default else None)

    # The action checks these again; checking them here as well shows every problem at once
    # instead of one more after the others are fixed.
    def clean_received_on(self) -> dt.date | None:
        day = self.cleaned_data.get("received_on")
        if day is not None and day > timezone.localdate():
            raise ValidationError("受理日期不能晚于今天")
        return day

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            data.get("reporting_mode") == ReportingMode.REAL_NAME
            and not data.get("reporter_name", "").strip()
        ):
            self.add_error("reporter_name", "实名举报须填写举报人姓名")
        return data

    def reporter(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "name": data.get("reporter_name", ""),
            "phone": data.get("reporter_phone", ""),
            "id_number": data.get("reporter_id_number", ""),
            "address": data.get("reporter_address", ""),
        }

    def action_values(self, subjects: list[dict[str, Any]]) -> dict[str, Any]:
        """Keyword arguments for actions.register_clue."""
        data = self.cleaned_data
        return {
            "owner_unit": data["owner_unit"],
            "channel": data["channel"],
            "received_on": data["received_on"],
            "external_ref": data.get("external_ref", ""),
            "reporting_mode": data["reporting_mode"],
            "reporter": self.reporter(),
            "categories": list(data.get("categories") or []),
            "summary": data["summary"],
            "content": data.get("content", ""),
            "sensitivity": data["sensitivity"],
            "viewers": list(data.get("viewers") or []),
            "subjects": subjects,
        }


# --- subject rows --------------------------------------------------------------------------------


@dataclass
class SubjectRow:
    """One 被反映人 row as typed: a picked roster person, or a free-text name/unit/position."""

    index: int
    person_id: int | None = None
    name: str = ""
    unit_text: str = ""
    position: str = ""
    query: str = ""
    person: Person | None = None
    results: list[Person] = field(default_factory=list)
    searched: bool = False

    @property
    def is_blank(self) -> bool:
        return not (self.person_id or self.name or self.unit_text or self.position)

    def action_value(self) -> dict[str, Any]:
        if self.person_id:
            return {"person_id": self.person_id}
        return {"name": self.name, "unit_text": self.unit_text, "position": self.position}


def _text(data: Any, key: str, limit: int) -> str:
    return str(data.get(key, "")).replace("\x00", "").strip()[:limit]


class SubjectRows:
    """The subject rows of the registration form, posted as s-<i>-person/name/unit/position/q
    with s-count rows. Rows can be added, removed and filled by picking a roster person without
    JavaScript (each is a submit button the view handles); htmx only swaps the block."""

    PREFIX = "s"

    def __init__(self, user: User, data: Any = None) -> None:
        self.user = user
        self.rows: list[SubjectRow] = []
        if data is None:
            self.rows = [SubjectRow(0)]
            return
        try:
            count = min(max(int(data.get(f"{self.PREFIX}-count", "1")), 0), MAX_SUBJECTS)
        except ValueError:
            count = 1
        for i in range(count):
            p = f"{self.PREFIX}-{i}-"
            raw_person = _text(data, p + "person", 12)
            self.rows.append(
                SubjectRow(
                    index=i,
                    person_id=int(raw_person) if raw_person.isdigit() else None,
                    name=_text(data, p + "name", 60),
                    unit_text=_text(data, p + "unit", 110),
                    position=_text(data, p + "position", 70),
                    query=_text(data, p + "q", 40),
                )
            )
        if not self.rows:
            self.rows = [SubjectRow(0)]

    # --- row operations (each a submit button of the form) --------------------------------
    def add(self) -> None:
        if len(self.rows) < MAX_SUBJECTS:
            self.rows.append(SubjectRow(len(self.rows)))

    def remove(self, index: int) -> None:
        self.rows = [r for r in self.rows if r.index != index] or [SubjectRow(0)]
        self._renumber()

    def pick(self, index: int, person_id: int) -> None:
        for row in self.rows:
            if row.index == index:
                row.person_id, row.query = person_id, ""

    def unpick(self, index: int) -> None:
        for row in self.rows:
            if row.index == index:
                row.person_id = None

    def find(self, index: int) -> None:
        for row in self.rows:
            if row.index == index:
                row.results = search_people(self.user, row.query)
                row.searched = True

    def _renumber(self) -> None:
        for i, row in enumerate(self.rows):
            row.index = i

    # --- reading --------------------------------------------------------------------------
    def load_people(self) -> None:
        """Attach the picked roster people the user may see (one query for all rows)."""
        ids = [r.person_id for r in self.rows if r.person_id]
        if not ids:
            return
        visible = permissions.scope(self.user, "org.view_person", Person.objects.select_related("unit"))
        people = {p.pk: p for p in visible.filter(pk__in=ids)}
        for row in self.rows:
            row.person = people.get(row.person_id) if row.person_id else None

    def action_values(self) -> list[dict[str, Any]]:
        return [row.action_value() for row in self.rows if not row.is_blank]


def search_people(user: User, term: str, limit: int = 20) -> list[Person]:
    """Roster people the user may see whose name contains term or whose police number is term."""
    term = (term or "").replace("\x00", "").strip()[:40]
    if not term:
        return []
    visible = permissions.scope(user, "org.view_person", Person.objects.select_related("unit"))
    return list(visible.search(term).order_by("name", "pk")[:limit])
