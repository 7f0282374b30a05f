"""Forms of the rectification pages (问题清单, 登记问题, a problem's page). They parse and keep what
was typed; rectification.actions checks again and writes. An action's ValidationError is keyed
by the same field names as these forms, so its messages land beside the field they name.

Choices are limited to what the user may see or act on: the unit selects to the user's subtree
for the permission at hand, the person pickers to the roster people the user may see (the same
set the actions accept).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues.forms import FastSelect, TolerantDateField
from zhengdun.clues.models import Category
from zhengdun.core.text import query_term
from zhengdun.org.forms import UnitChoiceField
from zhengdun.org.models import Person, PersonQuerySet, Unit
from zhengdun.rectification import actions
from zhengdun.rectification.models import Milestone, Problem, ProblemSource, Reopening
from zhengdun.rectification.status import ProblemStatus

FieldT = TypeVar("FieldT", bound=forms.Field)

PICK_LIMIT = 20
FLAG_CHOICES = [("", "全部"), ("overdue", "逾期"), ("near", "临期")]
OPEN = "open"
STATUS_CHOICES = [("", "全部状态"), (OPEN, "未销号（全部在办）"), *ProblemStatus.choices]
# 久未报告: open problems without a progress report for this many days (the home page card too)
QUIET_DAYS = 14
QUIET_CHOICES = [("", "全部"), ("1", f"超过{QUIET_DAYS}天未报告进展")]


def field_of(form: forms.BaseForm, name: str, kind: type[FieldT]) -> FieldT:
    """form.fields[name] as the kind of field it was declared as (the stubs type every entry of
    form.fields as a plain Field), to set its queryset or choices."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field


def show_required(field: forms.Field) -> None:
    """Mark a field the form leaves optional (the action says what is missing, in Chinese) with
    the required asterisk: `shown_required` is read by the field templates, not by Django."""
    field.shown_required = True  # type: ignore[attr-defined]  # our own template hint, see above


class CategoryChoiceField(forms.ModelChoiceField):
    """A category shown by its label: the code as on the battle map's columns (GJ1 违反防止干预司法“三个规定”)."""

    def label_from_instance(self, obj: Category) -> str:
        return obj.label


# --- picking a person from the roster -----------------------------------------------------------


def pickable_people(user: User) -> PersonQuerySet:
    """Serving roster people the user may see: whom the actions accept as leader, person or owner."""
    visible = permissions.scope(user, "org.view_person", Person.objects.select_related("unit"))
    return visible.filter(status=Person.Status.ACTIVE)


def find_people(user: User, term: str) -> list[Person]:
    """Up to PICK_LIMIT + 1 pickable people whose name contains term or whose police number is term
    (one more than shown, to tell the picker there are more)."""
    term = query_term(term, 40)
    if not term:
        return []
    return list(pickable_people(user).search(term).order_by("name", "pk")[: PICK_LIMIT + 1])


def _person_label(person: Person) -> SafeString:
    parts = [person.unit.name, person.position, person.police_no]
    return format_html(
        '{} <span class="muted small">{}</span>', person.name, " · ".join(p for p in parts if p)
    )


def pick_options(
    name: str, picked: Person | None, found: list[Person], *, searched: bool, term: str
) -> SafeString:
    """The radio list of a person picker: the picked person first (checked), then the matches."""
    rows = []
    if picked is not None:
        rows.append(
            format_html(
                '<label class="pick picked"><input type="radio" name="{}" value="{}" checked> {}</label>',
                name,
                picked.pk,
                _person_label(picked),
            )
        )
    shown = [p for p in found[:PICK_LIMIT] if picked is None or p.pk != picked.pk]
    rows.extend(
        format_html(
            '<label class="pick"><input type="radio" name="{}" value="{}"> {}</label>',
            name,
            p.pk,
            _person_label(p),
        )
        for p in shown
    )
    if searched and not found:
        rows.append(format_html('<span class="muted small">没有找到“{}”</span>', term))
    elif len(found) > PICK_LIMIT:
        rows.append(
            format_html('<span class="muted small">只列出前{}名，请输入更完整的姓名或警号</span>', PICK_LIMIT)
        )
    elif picked is None and not searched:
        rows.append(mark_safe('<span class="muted small">输入姓名或警号查找后选择</span>'))
    return SafeString("".join(rows))


def _split(value: Any) -> tuple[str, str]:
    if isinstance(value, tuple):
        return str(value[0] or ""), str(value[1] or "")
    if isinstance(value, Person):
        return str(value.pk), ""
    return ("" if value is None else str(value)), ""


class PersonPickWidget(forms.Widget):
    """A search box (<name>_q) and a radio list (<name>): htmx refreshes the list as one types;
    without JavaScript the form is posted with the search text and the field resolves it (one
    match is taken, several come back as choices)."""

    def __init__(self, attrs: Any = None) -> None:
        super().__init__(attrs)
        self.user: User | None = None
        self.found: list[Person] = []
        self.searched = False

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str]:
        picked = str(data.get(name, "") or "").strip()[:12]
        term = query_term(data.get(f"{name}_q", "") or "", 40)
        return picked, term

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_q" not in data

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        picked_id, term = _split(value)
        picked = None
        if picked_id.isdigit() and self.user is not None:
            picked = pickable_people(self.user).filter(pk=int(picked_id)).first()
        options = pick_options(name, picked, self.found, searched=self.searched, term=term)
        vals = json.dumps({"field": name})
        return format_html(
            '<div class="person-pick" id="pick-{name}">'
            '<input type="search" name="{name}_q" id="id_{name}" value="{term}" maxlength="40" '
            'placeholder="输入姓名或警号查找" autocomplete="off" '
            'hx-get="{url}" hx-trigger="input changed delay:400ms, keyup[key==\'Enter\']" '
            # innerHTML: inside a form that swaps outerHTML (添加任务, 修改五定, 重新整改) htmx would
            # inherit that and replace the list itself, so the next search found no target
            'hx-target="#pick-{name}-list" hx-swap="innerHTML" hx-include="#pick-{name}" hx-vals=\'{vals}\' '
            "hx-on:keydown=\"if (event.key === 'Enter') event.preventDefault()\">"
            '<div class="pick-list" id="pick-{name}-list">{options}</div></div>',
            name=name,
            term=term,
            url=reverse("rectification:people"),
            vals=vals,
            options=options,
        )


class PersonField(forms.Field):
    """A roster person the user may see, picked with PersonPickWidget."""

    widget = PersonPickWidget

    def __init__(self, *, label: str, **kwargs: Any) -> None:
        super().__init__(label=label, **kwargs)
        self.user: User | None = None

    def set_user(self, user: User) -> None:
        self.user = user
        self.widget.user = user

    def _user(self) -> User:
        if self.user is None:
            raise ImproperlyConfigured("PersonField needs set_user() before it cleans")
        return self.user

    def prepare_value(self, value: Any) -> Any:
        return value.pk if isinstance(value, Person) else value

    def clean(self, value: Any) -> Person | None:
        picked_id, term = _split(value)
        people = pickable_people(self._user())
        if picked_id:
            person = people.filter(pk=int(picked_id)).first() if picked_id.isdigit() else None
            if person is None:
                raise ValidationError(f"{self.label}须从您可查看的在职干警中选择")
            return person
        if term:
            found = find_people(self._user(), term)
            widget = self.widget
            if not isinstance(widget, PersonPickWidget):
                raise TypeError("PersonField needs its PersonPickWidget")
            widget.found, widget.searched = found, True
            if len(found) == 1:
                return found[0]
            if not found:
                raise ValidationError(f"没有找到“{term}”，请重新输入{self.label}的姓名或警号")
            raise ValidationError(f"找到多名干警，请在列表中选择{self.label}")
        if self.required:
            raise ValidationError(f"请选择{self.label}")
        return None


def _people_fields(form: forms.Form, user: User) -> None:
    for f in form.fields.values():
        if isinstance(f, PersonField):
            f.set_user(user)


def _required(label: str, verb: str = "填写") -> dict[str, str]:
    return {"required": f"请{verb}{label}"}


def _text(label: str, max_length: int, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        error_messages={"required": f"请填写{label}", "max_length": f"{label}不能超过{max_length}个字"},
        **kwargs,
    )


def _area(label: str, rows: int = 3, **kwargs: Any) -> forms.CharField:
    return _text(label, 5000, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (佐证材料); each is checked by content in the action."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


# FILES_FIELD: a field named `files`, like BaseForm.files (the uploads). The form's metaclass
# moves declared fields into base_fields, so self.files stays the uploads; the stubs see a clash.
def _files(label: str = "佐证材料", help_text: str = "") -> MultipleFileField:
    return MultipleFileField(
        label=label, help_text=help_text or "可多选；PDF、图片、Word、Excel 等，单个文件不超过限额"
    )


def _version() -> forms.IntegerField:
    return forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": "缺少版本号，请刷新页面后重试"}
    )


# --- the list ------------------------------------------------------------------------------------


class ProblemFilterForm(forms.Form):
    """The 问题清单 filter bar; cleaned values are the params of views.problems.filter_problems."""

    q = forms.CharField(
        label="问题编号或名称",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "如 ZG2021 或 律师"}),
    )
    unit = UnitChoiceField(
        Unit.objects.none(),
        label="责任单位",
        required=False,
        empty_label="全部单位",
        error_messages={"invalid_choice": "所选单位不在您的查看范围内"},
    )
    category = forms.ModelChoiceField(
        Category.objects.none(), label="问题类别", required=False, empty_label="全部类别"
    )
    source = forms.ChoiceField(
        label="问题来源", required=False, choices=[("", "全部来源"), *ProblemSource.choices]
    )
    status = forms.ChoiceField(label="整改状态", required=False, choices=STATUS_CHOICES)
    flag = forms.ChoiceField(label="时限", required=False, choices=FLAG_CHOICES)
    quiet = forms.ChoiceField(label="进展报告", required=False, choices=QUIET_CHOICES)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = field_of(self, "unit", UnitChoiceField)
        units = Unit.objects.filter(is_active=True).only("id", "name", "path", "depth")
        unit_field.set_queryset(permissions.scope(user, "rectification.view", units))
        field_of(self, "category", forms.ModelChoiceField).queryset = Category.objects.all()
        for f in self.fields.values():
            if type(f.widget) is forms.Select:
                f.widget = FastSelect(attrs=f.widget.attrs, choices=f.widget.choices)

    def params(self) -> dict[str, Any]:
        """Cleaned values as filter params (the unit as a Unit, other models as ids)."""
        values: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            values[name] = value if isinstance(value, Unit) else getattr(value, "pk", value)
        return values


# --- the problem and its 五定 ---------------------------------------------------------------------


class ProblemForm(forms.Form):
    """登记问题 and 修改五定: what the problem is, what is done about it, by when, by whom, and how
    it is checked (定问题、定措施、定时限、定责任人、定验收标准)."""

    title = _text("问题名称", 200)
    category = CategoryChoiceField(
        Category.objects.none(),
        label="问题类别",
        empty_label="请选择问题类别",
        widget=FastSelect,
        error_messages={"required": "请选择问题类别", "invalid_choice": "请从列表中选择问题类别"},
    )
    source = forms.ChoiceField(
        label="问题来源",
        choices=[("", "请选择问题来源"), *ProblemSource.choices],
        widget=FastSelect,
        error_messages={"required": "请选择问题来源", "invalid_choice": "请从列表中选择问题来源"},
    )
    description = _area("问题描述", rows=4)
    responsible_unit = UnitChoiceField(
        Unit.objects.none(),
        label="责任单位",
        empty_label="请选择责任单位",
        widget=FastSelect,
        error_messages={"required": "请选择责任单位", "invalid_choice": "责任单位须是您有权管理的单位"},
    )
    responsible_leader = PersonField(label="责任领导")
    responsible_person = PersonField(label="责任人")
    measures = _area("整改措施", rows=4)
    standard = _area("整改标准", rows=3, help_text="对账销号时据此验收")
    deadline = TolerantDateField(
        label="整改时限",
        help_text="须晚于今天；按工期模板从此日倒排各节点",
        error_messages={"required": "请填写整改时限"},
    )

    def __init__(self, *args: Any, user: User, fixed_source: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        units = Unit.objects.filter(is_active=True).only("id", "name", "path", "depth", "parent_id")
        unit_field = field_of(self, "responsible_unit", UnitChoiceField)
        unit_field.set_queryset(permissions.scope(user, "rectification.register", units))
        field_of(self, "category", CategoryChoiceField).queryset = Category.objects.filter(is_active=True)
        self.fields["title"].widget.attrs["size"] = 60
        _people_fields(self, user)
        home = getattr(user, "unit", None)
        if not self.is_bound and not self.initial.get("responsible_unit") and home is not None:
            # staff of one unit register their own unit's problems; others choose
            if permissions.unit_paths_for(user, "rectification.register") == [home.path]:
                self.initial["responsible_unit"] = home.pk
        self.fixed_source = fixed_source
        if fixed_source:
            # made from a clue or a self-report item: the action sets the source from the link
            self.fields["source"].required = False
            self.fields["source"].disabled = True
            self.initial["source"] = fixed_source

    def action_data(self) -> dict[str, Any]:
        """The cleaned 五定 as rectification.actions takes them (ids for rows)."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "category": data["category"].pk,
            "source": self.fixed_source or data["source"],
            "description": data["description"],
            "responsible_unit": data["responsible_unit"].pk,
            "responsible_leader": data["responsible_leader"].pk,
            "responsible_person": data["responsible_person"].pk,
            "measures": data["measures"],
            "standard": data["standard"],
            "deadline": data["deadline"],
        }


class ProblemEditForm(ProblemForm):
    """修改五定: a changed deadline needs a reason (the plan is scheduled again from it)."""

    reason = forms.CharField(
        label="调整原因",
        max_length=200,
        required=False,
        help_text="修改整改时限时必填（至少4个字）",
        error_messages={"max_length": "调整原因不能超过200个字"},
    )
    version = _version()

    def __init__(self, *args: Any, problem: Problem, **kwargs: Any) -> None:
        if "initial" not in kwargs and not args:
            kwargs["initial"] = {
                **actions.wuding_of(problem),
                "deadline": problem.deadline,
                "version": problem.version,
            }
        super().__init__(*args, **kwargs)
        self.problem = problem
        if problem.source_clue_id or problem.source_selfreport_item_id:
            self.fixed_source = problem.source
            self.fields["source"].required = False
            self.fields["source"].disabled = True
            self.initial["source"] = problem.source

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        deadline = data.get("deadline")
        if deadline and deadline != self.problem.deadline and len((data.get("reason") or "").strip()) < 4:
            self.add_error("reason", "修改整改时限须说明调整原因（至少4个字）")
        return data


# --- the plan (倒排工期) ----------------------------------------------------------------------------


class PlanForm(forms.Form):
    """Working days of each milestone (workdays_<position>) and why they change."""

    reason = _text("调整原因", 200)
    version = _version()

    def __init__(self, *args: Any, milestones: list[Milestone], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.milestones = milestones
        for m in milestones:
            self.fields[f"workdays_{m.position}"] = forms.CharField(
                label=f"“{m.name}”的工期",
                max_length=4,
                initial=m.workdays,
                error_messages={"required": f"请填写“{m.name}”的工期"},
                widget=forms.TextInput(attrs={"size": 4, "inputmode": "numeric"}),
            )

    def rows(self) -> list[tuple[Milestone, forms.BoundField]]:
        return [(m, self[f"workdays_{m.position}"]) for m in self.milestones]

    def durations(self) -> dict[int, Any]:
        return {m.position: self.cleaned_data[f"workdays_{m.position}"] for m in self.milestones}


class MilestoneDoneForm(forms.Form):
    done_on = TolerantDateField(label="实际完成日期", error_messages={"required": "请填写实际完成日期"})


# --- tasks and progress --------------------------------------------------------------------------


class TaskForm(forms.Form):
    """A task of the 任务清单: owner (the 责任清单), deadline and weight in the problem's progress."""

    title = _text("任务名称", 200)
    owner = PersonField(label="任务责任人")
    deadline = TolerantDateField(label="完成时限", error_messages={"required": "请填写完成时限"})
    weight = forms.CharField(
        label="权重",
        max_length=4,
        initial=1,
        help_text="1–100；问题进度按权重加权",
        error_messages={"required": "请填写权重"},
        widget=forms.TextInput(attrs={"size": 4, "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _people_fields(self, user)


class ReportForm(forms.Form):
    """A task's progress: percent, what was done, why it went back (when it did); files apart."""

    percent = forms.CharField(
        label="完成进度（%）",
        max_length=4,
        error_messages={"required": "请填写完成进度"},
        widget=forms.TextInput(attrs={"size": 4, "inputmode": "numeric"}),
    )
    narrative = _area("进展情况", rows=3)
    reason = forms.CharField(
        label="进度回退原因",
        max_length=500,
        required=False,
        help_text="完成进度低于上次报告时必填",
        error_messages={"max_length": "进度回退原因不能超过500个字"},
    )
    files = _files()  # type: ignore[assignment]  # see FILES_FIELD
    version = _version()


class CloseOffForm(forms.Form):
    """对账销号: the check against the standard; the evidence files come apart (request.FILES)."""

    check_note = _area("对照验收标准核查情况", rows=4)
    files = _files(help_text="销号须上传佐证材料（至少一个文件）")  # type: ignore[assignment]  # see FILES_FIELD
    version = _version()


class ReopenForm(forms.Form):
    """重新整改 (反弹回潮 / 回头看): a new round with a new deadline and its first task."""

    kind = forms.ChoiceField(
        label="原因类别",
        choices=Reopening.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择重新整改的原因类别", "invalid_choice": "请选择反弹回潮或回头看"},
    )
    reason = _area("原因", rows=3)
    new_deadline = TolerantDateField(label="新整改时限", error_messages={"required": "请填写新整改时限"})
    task_title = _text("整改任务", 200)
    task_owner = PersonField(label="任务责任人")
    version = _version()

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _people_fields(self, user)
