"""Forms of the self-report pages. They parse and keep what was typed; selfreports.actions checks
and writes. An action's ValidationError lands beside the field (or item row) it names."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues.forms import FastSelect
from zhengdun.clues.models import Category
from zhengdun.core.dates import parse_date
from zhengdun.core.widgets import ISO_MINUTE, DateInput, DateTimeInput
from zhengdun.org.forms import UnitChoiceField
from zhengdun.org.models import Unit
from zhengdun.selfreports.actions import MAX_ITEMS, MAX_RELATED_PERSONS, NOTE_MAX, REASON_MAX
from zhengdun.selfreports.models import (
    DESCRIPTION_MAX,
    GJ2_CODE,
    STAGE_ORDER,
    Campaign,
    Gj2Subtype,
    Outcome,
    Relation,
    SelfReport,
    SelfReportAttachment,
    Stage,
)

# --- date and time as typed ------------------------------------------------------------------

_DATETIME = re.compile(r"^(.+?)[ T]+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?$")


def parse_moment(text: Any, *, end_of_day: bool = False) -> dt.datetime:
    """An aware datetime (Asia/Shanghai) from "2021-03-15 08:30", the browser's
    "2021-03-15T08:30", or a date alone (00:00, or 23:59:59 with end_of_day)."""
    value = unicodedata.normalize("NFKC", str(text or "")).strip()
    if not value:
        raise ValueError("请填写日期和时间")
    match = _DATETIME.match(value)
    if match:
        day = parse_date(match.group(1))
        hour, minute, second = int(match.group(2)), int(match.group(3)), int(match.group(4) or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError(f"时间“{value[:20]}”不存在")
        moment = dt.datetime.combine(day, dt.time(hour, minute, second))
    else:
        day = parse_date(value)
        moment = dt.datetime.combine(day, dt.time(23, 59, 59) if end_of_day else dt.time(0, 0))
    return timezone.make_aware(moment)


class MomentField(forms.CharField):
    """A date and time: the browser's picker (core.widgets.DateTimeInput) sends 2021-03-15T08:30;
    typed spellings (2021-03-15 08:30, 2021年3月15日 8:30, a date alone) are still accepted, for a
    browser without the picker and for callers posting by hand."""

    widget = DateTimeInput

    def __init__(self, *args: Any, end_of_day: bool = False, **kwargs: Any) -> None:
        self.end_of_day = end_of_day
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> dt.datetime | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_moment(text, end_of_day=self.end_of_day)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).strftime(ISO_MINUTE)  # the picker's own spelling
        return value


# --- campaigns -------------------------------------------------------------------------------


class CampaignForm(forms.Form):
    name = forms.CharField(
        label="名称",
        max_length=100,
        error_messages={"required": "请填写名称", "max_length": "名称不能超过100个字"},
    )
    unit = UnitChoiceField(
        Unit.objects.none(),
        label="组织单位",
        empty_label="请选择组织单位",
        widget=FastSelect,
        error_messages={"required": "请选择组织单位", "invalid_choice": "只能选择您管理范围内的单位"},
    )
    report_opens_at = MomentField(
        label="自查报告开始时间",
        error_messages={"required": "请填写自查报告开始时间"},
    )
    report_closes_at = MomentField(
        label="自查报告截止时间",
        end_of_day=True,
        help_text="截止后仍可提交，但标记为逾期",
        error_messages={"required": "请填写自查报告截止时间"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(is_active=True).only("id", "name", "path", "depth", "parent_id")
        # the form's copy of the declared UnitChoiceField (Form.fields is typed as plain Fields)
        unit_field = cast(UnitChoiceField, self.fields["unit"])
        unit_field.set_queryset(permissions.scope(user, "selfreports.configure", units))
        self.fields["name"].widget.attrs["size"] = 40

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # Form.clean returns it; its stubs allow None
        opens, closes = data.get("report_opens_at"), data.get("report_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("report_closes_at", "自查报告截止时间须晚于开始时间")
        return data


class StagesForm(forms.Form):
    """The three stages' dates; a stage left empty is not set. The action checks the order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for stage in STAGE_ORDER:
            for part, label in (("starts_on", "开始日期"), ("ends_on", "结束日期")):
                self.fields[f"{stage}_{part}"] = forms.CharField(
                    label=f"{Stage(stage).label}{label}",
                    required=False,
                    max_length=20,
                    widget=DateInput(),
                )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "stage": s.value,
                "label": s.label,
                "starts": self[f"{s.value}_starts_on"],
                "ends": self[f"{s.value}_ends_on"],
            }
            for s in STAGE_ORDER
        ]

    def stages(self) -> list[dict[str, Any]]:
        """The filled stages, as actions.set_stages wants them."""
        chosen = []
        for stage in STAGE_ORDER:
            starts = self.cleaned_data.get(f"{stage}_starts_on", "").strip()
            ends = self.cleaned_data.get(f"{stage}_ends_on", "").strip()
            if starts or ends:
                chosen.append({"stage": stage.value, "starts_on": starts, "ends_on": ends})
        return chosen


# --- the draft -------------------------------------------------------------------------------


class DraftForm(forms.Form):
    declares_nothing = forms.BooleanField(label="本人无需要报告的事项", required=False)
    correction_reason = forms.CharField(
        label="更正理由",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"更正理由不能超过{REASON_MAX}个字"},
    )
    confirm = forms.BooleanField(label="本人确认以上内容真实、完整，提交后不能修改", required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


@dataclass
class RelatedRow:
    index: int
    name: str = ""
    relation: str = ""
    detail: str = ""

    @property
    def is_blank(self) -> bool:
        return not (self.name or self.detail)


@dataclass
class ItemRow:
    """One 事项 row as typed (strings), with its related persons and attachments."""

    index: int
    key: str = ""
    category: str = ""
    gj2_subtype: str = ""
    description: str = ""
    period_from: str = ""
    period_to: str = ""
    amount: str = ""
    related: list[RelatedRow] = field(default_factory=list)
    keep: list[int] = field(default_factory=list)
    uploads: list[Any] = field(default_factory=list)
    attachments: list[SelfReportAttachment] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_blank(self) -> bool:
        return not (
            self.category
            or self.gj2_subtype
            or self.description
            or self.period_from
            or self.period_to
            or self.amount
            or self.uploads
            or self.keep
            or any(not r.is_blank for r in self.related)
        )

    @property
    def next_related(self) -> int:
        return max((r.index for r in self.related), default=-1) + 1

    def action_value(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "category": self.category,
            "gj2_subtype": self.gj2_subtype,
            "description": self.description,
            "period_from": self.period_from,
            "period_to": self.period_to,
            "amount": self.amount,
            "related_persons": [
                {"name": r.name, "relation": r.relation, "detail": r.detail}
                for r in self.related
                if not r.is_blank
            ],
            "keep_attachments": self.keep,
            "uploads": self.uploads,
        }


_ROW = re.compile(r"^i-(\d{1,3})-row$")
_RELATED_ROW = re.compile(r"^i-(\d{1,3})-rp-(\d{1,3})-row$")


def _text(data: Any, key: str, limit: int) -> str:
    return str(data.get(key, ""))[:limit].strip()


class ItemRows:
    """The item rows of the filing form. Each row posts i-<n>-row plus its fields; related
    persons post i-<n>-rp-<m>-row and theirs; files come as i-<n>-files, kept attachments as
    i-<n>-keep. Rows are added and removed by htmx (a fragment appended, an element removed) or,
    without JavaScript, by submit buttons the view handles."""

    def __init__(self, report: SelfReport, data: Any = None, files: Any = None) -> None:
        self.report = report
        self.attachments = {
            a.pk: a for a in SelfReportAttachment.objects.filter(item__report=report).order_by("id")
        }
        self.rows: list[ItemRow] = []
        if data is None:
            self._from_report()
        else:
            self._from_post(data, files)
        self.errors: list[str] = []

    def _from_report(self) -> None:
        items = self.report.items.select_related("category").prefetch_related(
            "related_persons", "attachments"
        )
        for i, item in enumerate(items):
            self.rows.append(
                ItemRow(
                    index=i,
                    key=item.key,
                    category=str(item.category_id),
                    gj2_subtype=item.gj2_subtype,
                    description=item.description,
                    period_from=item.period_from.isoformat() if item.period_from else "",
                    period_to=item.period_to.isoformat() if item.period_to else "",
                    amount="" if item.amount is None else str(item.amount),
                    related=[
                        RelatedRow(m, p.name, p.relation, p.detail)
                        for m, p in enumerate(item.related_persons.all())
                    ],
                    keep=[a.pk for a in item.attachments.all()],
                    attachments=list(item.attachments.all()),
                )
            )
        if not self.rows and not self.report.declares_nothing:
            self.rows.append(ItemRow(0))  # a new report starts with one empty row

    def _from_post(self, data: Any, files: Any) -> None:
        indices = sorted({int(m.group(1)) for k in data if (m := _ROW.match(k))})[: MAX_ITEMS + 1]
        related: dict[int, set[int]] = {}
        for k in data:
            m = _RELATED_ROW.match(k)
            if m:
                related.setdefault(int(m.group(1)), set()).add(int(m.group(2)))
        for i in indices:
            p = f"i-{i}-"
            keep = [
                int(v) for v in data.getlist(p + "keep") if str(v).isdigit() and int(v) in self.attachments
            ]
            row = ItemRow(
                index=i,
                key=_text(data, p + "key", 32),
                category=_text(data, p + "category", 12),
                gj2_subtype=_text(data, p + "gj2_subtype", 20),
                # one over the limit, so the action can say how long it was
                description=str(data.get(p + "description", ""))[: DESCRIPTION_MAX * 2].strip(),
                period_from=_text(data, p + "period_from", 30),
                period_to=_text(data, p + "period_to", 30),
                amount=_text(data, p + "amount", 30),
                keep=keep,
                uploads=list(files.getlist(p + "files")) if files is not None else [],
                attachments=[self.attachments[k] for k in keep],
            )
            for rp in sorted(related.get(i, ()))[: MAX_RELATED_PERSONS + 1]:
                q = f"{p}rp-{rp}-"
                row.related.append(
                    RelatedRow(
                        rp,
                        _text(data, q + "name", 60),
                        _text(data, q + "relation", 30),
                        _text(data, q + "detail", 210),
                    )
                )
            self.rows.append(row)

    @property
    def next_index(self) -> int:
        return max((r.index for r in self.rows), default=-1) + 1

    # --- row operations without JavaScript --------------------------------------------------
    def apply(self, op: str) -> bool:
        """add, remove:i, add_rp:i, remove_rp:i:m; False if op is none of them."""
        name, _, rest = op.partition(":")
        args = [int(a) for a in rest.split(":") if a.isdigit()]
        if name == "add":
            if len(self.rows) < MAX_ITEMS:
                self.rows.append(ItemRow(self.next_index))
        elif name == "remove" and len(args) == 1:
            self.rows = [r for r in self.rows if r.index != args[0]]
        elif name == "add_rp" and len(args) == 1:
            for row in self.rows:
                if row.index == args[0] and len(row.related) < MAX_RELATED_PERSONS:
                    row.related.append(RelatedRow(row.next_related))
        elif name == "remove_rp" and len(args) == 2:
            for row in self.rows:
                if row.index == args[0]:
                    row.related = [r for r in row.related if r.index != args[1]]
        else:
            return False
        # files chosen in this request cannot be shown again; they were not saved
        for row in self.rows:
            row.uploads = []
        return True

    # --- reading ------------------------------------------------------------------------------
    def filled(self) -> list[ItemRow]:
        return [r for r in self.rows if not r.is_blank]

    def drop_blank(self) -> None:
        """Blank rows are not saved; dropping them before saving makes "第n项" in a message the
        n-th row on the page shown again."""
        self.rows = self.filled()

    def action_values(self) -> list[dict[str, Any]]:
        return [r.action_value() for r in self.filled()]

    def apply_errors(self, exc: ValidationError) -> dict[str, list[str]]:
        """Put the action's items.<n>.<field> messages on their rows (and in self.errors, for
        the summary above the form); return the other messages by key."""
        filled = self.filled()
        rest: dict[str, list[str]] = {}
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        for key, texts in messages.items():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "items" and parts[1].isdigit() and int(parts[1]) < len(filled):
                filled[int(parts[1])].errors.setdefault(parts[2], []).extend(texts)
                self.errors.extend(texts)
            else:
                rest[key] = texts
        return rest


def category_choices() -> list[Category]:
    return list(Category.objects.filter(is_active=True).order_by("-is_national", "sort_order", "code"))


CHOICE_CONTEXT = {
    "gj2_code": GJ2_CODE,
    "gj2_subtypes": Gj2Subtype.choices,
    "relations": Relation.choices,
    "description_max": DESCRIPTION_MAX,
}


# --- review ----------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    check_note = forms.CharField(
        label="核实情况",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写核实情况", "max_length": f"核实情况不能超过{NOTE_MAX}个字"},
    )
    outcome = forms.ChoiceField(
        label="处理结果",
        choices=[("", "请选择处理结果"), *Outcome.choices],
        error_messages={"required": "请选择处理结果", "invalid_choice": "请选择有效的处理结果"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


# --- the list --------------------------------------------------------------------------------

YES_NO = [("", "全部"), ("1", "是"), ("0", "否")]
REVIEWED_CHOICES = [("", "全部"), ("pending", "有待核实事项"), ("done", "已全部核实")]
STATUS_CHOICES = [("", "已提交（当前版本）"), ("draft", "草稿")]


class ListFilterForm(forms.Form):
    """The 自查事项 list's filter bar."""

    q = forms.CharField(label="报告人", max_length=50, required=False)
    # a queryset is lazy and each form gets its own copy: .all() here reads nothing at import
    campaign = forms.ModelChoiceField(
        Campaign.objects.all(), label="教育整顿", required=False, empty_label="全部教育整顿"
    )
    unit = UnitChoiceField(
        Unit.objects.none(),
        label="单位",
        required=False,
        empty_label="全部单位",
        error_messages={"invalid_choice": "所选单位不在您的查看范围内"},
    )
    category = forms.ModelChoiceField(
        Category.objects.all(), label="问题类别", required=False, empty_label="全部类别"
    )
    late = forms.ChoiceField(label="逾期提交", choices=YES_NO, required=False)
    reviewed = forms.ChoiceField(label="核实情况", choices=REVIEWED_CHOICES, required=False)
    outcome = forms.ChoiceField(label="处理结果", choices=[("", "全部"), *Outcome.choices], required=False)
    status = forms.ChoiceField(label="状态", choices=STATUS_CHOICES, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(is_active=True).only("id", "name", "path", "depth")
        # the form's copy of the declared UnitChoiceField (Form.fields is typed as plain Fields)
        unit_field = cast(UnitChoiceField, self.fields["unit"])
        unit_field.set_queryset(permissions.scope(user, "selfreports.view", units))
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": "姓名或警号"})
        for f in self.fields.values():
            if type(f.widget) is forms.Select:
                f.widget = FastSelect(attrs=f.widget.attrs, choices=f.widget.choices)
