"""The filter bar of the audit log page."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms

from zhengdun.core.widgets import DateInput

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]
DATE_ERROR = "日期格式应为 2021-06-02"


class EntryFilterForm(forms.Form):
    """Filters for the audit log. Choices for action and object type are the codes actually
    present in the log, passed in by the view."""

    user = forms.CharField(label="操作人", required=False, max_length=150)
    action = forms.ChoiceField(label="操作", required=False)
    object_type = forms.ChoiceField(label="对象类型", required=False)
    object_id = forms.CharField(label="对象ID", required=False, max_length=64)
    date_from = forms.DateField(
        label="起始日期",
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": DATE_ERROR},
        widget=DateInput(),
    )
    date_to = forms.DateField(
        label="截止日期",
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": DATE_ERROR},
        widget=DateInput(),
    )
    success = forms.ChoiceField(
        label="结果", required=False, choices=[("", "全部"), ("1", "成功"), ("0", "失败")]
    )

    def __init__(
        self,
        *args: Any,
        actions: list[tuple[str, str]],
        object_types: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        invalid = "所选{}不在日志中出现过的范围内"
        # the two ChoiceFields declared above (self.fields holds copies of them)
        action = cast(forms.ChoiceField, self.fields["action"])
        action.choices = [("", "全部"), *actions]
        action.error_messages["invalid_choice"] = invalid.format("操作")
        object_type = cast(forms.ChoiceField, self.fields["object_type"])
        object_type.choices = [("", "全部"), *object_types]
        object_type.error_messages["invalid_choice"] = invalid.format("对象类型")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start: dt.date | None = cleaned.get("date_from")
        end: dt.date | None = cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "截止日期不能早于起始日期")
        return cleaned

    def applied(self) -> dict[str, str]:
        """The filters in use, as strings, for the audit entry of the search."""
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in ("", None)}
