"""One home for cleaning text a person typed, for every action, form and API schema.

The one answer for characters no text field may hold — NUL, lone surrogates and the other C0/C1
control characters except tab, line feed and carriage return — is to **refuse** them with a
message naming the field: PostgreSQL cannot store NUL, UTF-8 cannot encode a surrogate, and
nobody types a control character on purpose, so silently dropping them would store something
other than what was sent. The API's OpenAPI schema declares the same rule as a pattern
(`SAFE_TEXT_PATTERN`), so what the schema allows and what the validation accepts agree.

Search terms in a query string are the exception: they are never stored, so `query_term` drops
the characters instead of refusing a filter bar.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError

ALLOWED_CONTROLS = "\t\n\r"
CONTROL_MESSAGE = "包含不允许的控制字符"

# The same rule as a JSON-schema pattern (ECMA/Python syntax): C0 and C1 controls but \t \n \r,
# DEL, and UTF-16 surrogates.
SAFE_TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ud800-\udfff]*$"


def is_forbidden(ch: str) -> bool:
    """True for a character no stored text may hold."""
    category = unicodedata.category(ch)
    return category == "Cs" or (category == "Cc" and ch not in ALLOWED_CONTROLS)


def has_forbidden(value: str) -> bool:
    return any(is_forbidden(ch) for ch in value)


def check_text(value: str) -> str:
    """The rule as pydantic validators want it: the value unchanged, or ValueError."""
    if has_forbidden(value):
        raise ValueError(CONTROL_MESSAGE)
    return value


def clean_text(
    value: Any,
    field: str,
    label: str,
    *,
    required: bool = False,
    max_length: int = 0,
) -> str:
    """The text an action stores: trimmed, free of control characters, within max_length (0: no
    limit), present when required. Raises ValidationError({field: 中文说明}) naming the label."""
    text = "" if value is None else str(value)
    if has_forbidden(text):
        raise ValidationError({field: f"{label}{CONTROL_MESSAGE}"})
    text = text.strip()
    if required and not text:
        raise ValidationError({field: f"请填写{label}"})
    if max_length and len(text) > max_length:
        raise ValidationError({field: f"{label}不能超过{max_length}个字（现为{len(text)}个字）"})
    return text


def query_term(value: Any, max_length: int) -> str:
    """A search term from a query string: control characters dropped, trimmed, cut to
    max_length. Never stored, so nothing is refused."""
    text = "" if value is None else str(value)
    # trimmed again after the cut: a term cut at a space would otherwise end in one
    return "".join(ch for ch in text if not is_forbidden(ch)).strip()[:max_length].strip()
