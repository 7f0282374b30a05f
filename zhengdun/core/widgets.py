"""The one date input of every form: the browser's own date picker (<input type="date">), and
for a date with its time the browser's own <input type="datetime-local"> (DateTimeInput).

Before it, some date fields were text boxes whose grey placeholder ("2021-06-02") looked like a
value already filled in, next to native pickers on other pages (issue #11). The picker sends
ISO dates (2021-06-02); the fields keep accepting the other spellings (2021.6.2, 2021年6月2日)
for a browser without a picker. The bounds keep a mistyped year (0202, 20211) out of the picker.
"""

from __future__ import annotations

from typing import Any

from django import forms

DATE_MIN = "1900-01-01"
DATE_MAX = "2100-12-31"
ISO_DATE = "%Y-%m-%d"
# the same bounds for a moment; the browser sends and shows 2021-03-15T08:30
DATETIME_MIN = f"{DATE_MIN}T00:00"
DATETIME_MAX = f"{DATE_MAX}T23:59"
ISO_MINUTE = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    """<input type="date" min=… max=…> rendering dates as 2021-06-02; no placeholder."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:  # noqa: A002 - Django's name
        merged = {"min": DATE_MIN, "max": DATE_MAX, **(attrs or {})}
        merged.pop("placeholder", None)  # a date picker shows its own format; a sample looks like a value
        super().__init__(merged, format=format or ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    """<input type="datetime-local" min=… max=…> rendering moments as 2021-03-15T08:30 (the only
    spelling the picker takes); no placeholder. A field using it shows the value in local time
    and accepts the browser's spelling beside the older typed ones."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:  # noqa: A002 - Django's name
        merged = {"min": DATETIME_MIN, "max": DATETIME_MAX, **(attrs or {})}
        merged.pop("placeholder", None)  # the picker shows its own format; a sample looks like a value
        super().__init__(merged, format=format or ISO_MINUTE)
