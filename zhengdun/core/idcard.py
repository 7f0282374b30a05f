"""Resident ID-card numbers (居民身份证号码), GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2
check character. Full-width digits and a lower-case x are accepted and normalised."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^[1-9][0-9]{16}[0-9X]$")


class InvalidIdNumber(ValueError):
    """Raised with a Chinese message saying what is wrong with the number."""


def check_char(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize(text: str) -> str:
    """Return the canonical 18-character number or raise InvalidIdNumber."""
    value = unicodedata.normalize("NFKC", text or "").strip().replace(" ", "").upper()
    if len(value) != 18:
        raise InvalidIdNumber("身份证号码应为18位")
    if not _SHAPE.match(value):
        raise InvalidIdNumber("身份证号码格式不正确：前17位应为数字，末位为数字或X")
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise InvalidIdNumber("身份证号码中的出生日期不存在") from exc
    if born.year < 1900 or born > dt.date.today():
        raise InvalidIdNumber("身份证号码中的出生日期不合理")
    if check_char(value[:17]) != value[17]:
        raise InvalidIdNumber("身份证号码校验位错误")
    return value


def mask(number: str) -> str:
    """Show the region prefix and the last four characters only."""
    return number[:4] + "*" * 10 + number[-4:] if len(number) == 18 else ""


def gender_of(number: str) -> str:
    return "M" if int(number[16]) % 2 else "F"
