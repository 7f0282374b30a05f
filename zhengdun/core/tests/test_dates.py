"""core.dates.parse_date: every spelling people type for one day gives that day; anything else
is refused with a Chinese message."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengdun.core.dates import parse_date, parse_date_or_none

FULL_WIDTH = str.maketrans("0123456789-./", "０１２３４５６７８９－．／")


def spellings(day: dt.date) -> list[str]:
    y, m, d = day.year, day.month, day.day
    plain = [
        day.isoformat(),
        f"{y}-{m}-{d}",
        f"{y}.{m}.{d}",
        f"{y}/{m:02d}/{d:02d}",
        f"{y}年{m}月{d}日",
        f"{y}年{m:02d}月{d:02d}日",
        f"{y}年{m}月{d}",
        f"{y:04d}{m:02d}{d:02d}",
        f"  {y} 年 {m} 月 {d} 日 ",
    ]
    return plain + [s.translate(FULL_WIDTH) for s in plain]


@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_it_reads_every_spelling_of_a_day(day: dt.date) -> None:
    for text in spellings(day):
        assert parse_date(text) == day, text


@given(st.text(max_size=30))
def test_it_returns_a_date_or_raises_value_error(text: str) -> None:
    try:
        result = parse_date(text)
    except ValueError as exc:
        assert str(exc)  # a message to show beside the field
        assert parse_date_or_none(text) is None
    else:
        assert isinstance(result, dt.date)
        assert parse_date_or_none(text) == result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-06-02", dt.date(2021, 6, 2)),
        ("2021.6.2", dt.date(2021, 6, 2)),
        ("2021年6月2日", dt.date(2021, 6, 2)),
        ("２０２１年６月２日", dt.date(2021, 6, 2)),
        ("２０２１－０６－０２", dt.date(2021, 6, 2)),
        ("20240229", dt.date(2024, 2, 29)),
    ],
)
def test_it_reads_the_usual_forms(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请填写日期"),
        ("   ", "请填写日期"),
        ("2021-13-01", "不存在"),
        ("2023-02-29", "不存在"),
        ("2021-6", "无法识别"),
        ("6/2/2021", "无法识别"),
        ("2021-06-02T10:00", "无法识别"),
        ("二〇二一年六月二日", "无法识别"),
        ("2021-06-02; DROP TABLE", "无法识别"),
        ("٢٠٢١-٠٦-٠٢", "无法识别"),
    ],
)
def test_it_refuses_what_is_not_a_date(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_date(text)


def test_it_passes_dates_through() -> None:
    assert parse_date(dt.date(2021, 6, 2)) == dt.date(2021, 6, 2)
    assert parse_date(dt.datetime(2021, 6, 2, 10, 30)) == dt.date(2021, 6, 2)
    assert parse_date_or_none(None) is None
