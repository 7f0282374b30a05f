"""The action forms' common parts: field builders with Chinese messages and ActionForm."""

from __future__ import annotations

from typing import Any

from django import forms

from zhengdun.accounts.models import User
from zhengdun.clues.models import (
    Clue,
    ClueSubject,
)
from zhengdun.core.widgets import DateInput
from zhengdun.org.forms import DATE_INPUT_FORMATS
from zhengdun.org.models import Unit

DATE_ERRORS = {"invalid": "日期格式不正确，请按 2021-06-02 填写"}


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=DATE_INPUT_FORMATS,
        widget=DateInput(),
        error_messages={**DATE_ERRORS, "required": f"请填写{label}"},
    )


def text_field(
    label: str, *, required: bool = True, max_length: int = 2000, rows: int = 3
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": f"请填写{label}",
            "max_length": f"{label}不能超过{max_length}个字",
        },
    )


def choice_field(
    label: str, choices: Any, *, required: bool = True, radio: bool = False
) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=required,
        choices=choices,
        widget=forms.RadioSelect if radio else forms.Select,
        error_messages={"required": f"请选择{label}", "invalid_choice": f"请选择有效的{label}"},
    )


def user_label(user: User, unit: Unit | None = None) -> str:
    where = unit or user.unit
    return f"{user}（{where.name}）" if where is not None else str(user)


class ActionForm(forms.Form):
    """Base of the action forms: knows the acting user and the clue (and the subject, for the
    per-subject actions)."""

    submit_label = "确定"
    danger = False

    def __init__(
        self, *args: Any, user: User, clue: Clue, subject: ClueSubject | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.clue = clue
        self.subject = subject
        if not self.is_bound:
            self.initial = {**self.defaults(), **self.initial}

    def defaults(self) -> dict[str, Any]:
        """Initial values taken from the clue or subject as it stands (an unbound form only)."""
        return {}
