"""Password policy: complexity (3 of 4 character classes) — 等保 identity-authentication basics."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from zhengdun.accounts.models import User

_CLASSES = (
    (re.compile(r"[a-z]"), "小写字母"),
    (re.compile(r"[A-Z]"), "大写字母"),
    (re.compile(r"[0-9]"), "数字"),
    (re.compile(r"[^a-zA-Z0-9]"), "特殊字符"),
)


class ComplexityValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user: User | None = None) -> None:
        present = sum(1 for pattern, _ in _CLASSES if pattern.search(password))
        if present < self.min_classes:
            raise ValidationError(
                "密码须至少包含大写字母、小写字母、数字、特殊字符中的%(n)d类。",
                code="password_too_simple",
                params={"n": self.min_classes},
            )

    def get_help_text(self) -> str:
        return f"密码须至少包含大写字母、小写字母、数字、特殊字符中的{self.min_classes}类。"
