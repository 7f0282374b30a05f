"""Properties of core/idcard.py, the ID-card number rules every roster write relies on."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from zhengdun.core import idcard

CHECK_CHARS = "0123456789X"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

regions = st.from_regex(r"[1-9][0-9]{5}", fullmatch=True)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today())
sequences = st.from_regex(r"[0-9]{3}", fullmatch=True)


@st.composite
def first17s(draw) -> str:
    return f"{draw(regions)}{draw(births):%Y%m%d}{draw(sequences)}"


@st.composite
def valid_numbers(draw) -> str:
    first17 = draw(first17s())
    return first17 + idcard.check_char(first17)


def accepts(text: str) -> bool:
    try:
        idcard.normalize(text)
    except idcard.InvalidIdNumber:
        return False
    return True


@given(first17=first17s(), check=st.sampled_from(CHECK_CHARS))
def test_it_accepts_a_number_exactly_when_its_check_char_matches(first17, check):
    assert accepts(first17 + check) == (check == idcard.check_char(first17))


@given(number=valid_numbers(), data=st.data())
def test_it_accepts_full_width_digits_spaces_and_a_lower_case_x(number, data):
    chars = list(number)
    for i, ch in enumerate(chars):
        if data.draw(st.booleans(), label=f"full width {i}"):
            chars[i] = ch.translate(FULL_WIDTH)
    if chars[-1] == "X" and data.draw(st.booleans(), label="lower x"):
        chars[-1] = "x"
    typed = (
        data.draw(st.sampled_from(["", " ", "\u3000"]))
        + "".join(chars)
        + data.draw(st.sampled_from(["", " "]))
    )
    assert idcard.normalize(typed) == number


@given(text=st.text(alphabet="0123456789Xx０１２３４５６７８９Ｘ \u3000", min_size=16, max_size=21))
@settings(max_examples=300)
@example(text="11010519491231002X")
@example(text="１１０１０５１９４９１２３１００２ｘ")
def test_it_returns_only_canonical_numbers_that_round_trip(text):
    try:
        number = idcard.normalize(text)
    except idcard.InvalidIdNumber as exc:
        assert str(exc).startswith("身份证号码")  # a Chinese message that names the field
        return
    assert len(number) == 18 and number.isascii()
    assert number[:17].isdigit() and number[17] in CHECK_CHARS
    assert idcard.check_char(number[:17]) == number[17]
    assert idcard.normalize(number) == number


@given(number=valid_numbers(), position=st.integers(0, 16), digit=st.sampled_from("0123456789"))
def test_it_detects_any_single_changed_digit(number, position, digit):
    changed = number[:position] + digit + number[position + 1 :]
    assert accepts(changed) == (changed == number)


@given(number=valid_numbers(), position=st.integers(0, 15))
def test_it_detects_any_swap_of_neighbouring_digits(number, position):
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    assert accepts(swapped) == (swapped == number)


@given(number=valid_numbers())
def test_it_masks_all_but_the_region_prefix_and_the_last_four(number):
    masked = idcard.mask(number)
    assert masked == number[:4] + "**********" + number[-4:]


def test_it_rejects_impossible_and_future_birth_dates():
    for first17 in ("37020219850230001", "37020218991231001", f"370202{dt.date.today().year + 1}0101001"):
        number = first17 + idcard.check_char(first17)
        with pytest.raises(idcard.InvalidIdNumber, match="出生日期"):
            idcard.normalize(number)


def _with_check_x() -> str:
    for seq in range(1000):
        first17 = f"37020219850314{seq:03d}"
        if idcard.check_char(first17) == "X":
            return first17 + "X"
    raise AssertionError("no check char X in range")  # pragma: no cover


def test_it_rejects_digits_of_other_scripts():
    number = _with_check_x()
    typed = number[0] + number[1:17].translate(ARABIC_INDIC) + "X"
    assert not accepts(typed)
