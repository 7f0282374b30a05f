"""Dates as people type them: 2021-06-02, 2021.6.2, 2021/6/2, 2021年6月2日, 20210602, with
full-width digits and stray spaces tolerated. Output is always a date; display is 2021-06-02."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# year, then month and day, separated by one of - . / or the 年 月 (日) characters
_SEPARATED = re.compile(r"^([0-9]{4})\s*[-./年]\s*([0-9]{1,2})\s*[-./月]\s*([0-9]{1,2})\s*日?$")
_COMPACT = re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})$")

DATE_HINT = "请按 2021-06-02 的格式填写日期"


def parse_date(text: str | dt.date | None) -> dt.date:
    """The date written in text, or ValueError with a Chinese message."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    # NFKC folds full-width digits and punctuation (２０２１．６．２) to ASCII
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        raise ValueError("请填写日期")
    match = _SEPARATED.match(value) or _COMPACT.match(value)
    if match is None:
        raise ValueError(f"无法识别的日期“{value[:20]}”，{DATE_HINT}")
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"日期“{value[:20]}”不存在，{DATE_HINT}") from None


def parse_date_or_none(text: str | dt.date | None) -> dt.date | None:
    """parse_date, but None for empty or unreadable input (for optional filters)."""
    try:
        return parse_date(text)
    except ValueError:
        return None
