"""core.text: the one rule for text a person typed, and the schema pattern that says the same."""

import re
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from zhengdun.core import text

FORBIDDEN = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f", "\ud800", "\udfff"]


def _rule(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category == "Cs" or (category == "Cc" and ch not in "\t\n\r")


@pytest.mark.parametrize("ch", FORBIDDEN)
def test_it_refuses_each_control_character_naming_the_field(ch):
    with pytest.raises(ValidationError) as caught:
        text.clean_text(f"赌博{ch}线索", "summary", "反映问题内容")
    assert caught.value.message_dict == {"summary": ["反映问题内容包含不允许的控制字符"]}


@pytest.mark.parametrize("ch", ["\t", "\n", "\r"])
def test_it_keeps_tabs_and_line_breaks_inside_the_text(ch):
    assert text.clean_text(f" 甲{ch}乙 ", "note", "说明") == f"甲{ch}乙"


def test_it_trims_requires_and_limits_with_chinese_messages():
    assert text.clean_text("  经商办企  ", "title", "问题名称", required=True, max_length=4) == "经商办企"
    with pytest.raises(ValidationError) as caught:
        text.clean_text("   ", "title", "问题名称", required=True)
    assert caught.value.message_dict == {"title": ["请填写问题名称"]}
    with pytest.raises(ValidationError) as caught:
        text.clean_text("一二三四五", "title", "问题名称", max_length=4)
    assert caught.value.message_dict == {"title": ["问题名称不能超过4个字（现为5个字）"]}
    assert text.clean_text(None, "title", "问题名称") == ""


@given(st.text())
def test_clean_text_and_check_text_and_the_pattern_agree_on_every_string(value):
    forbidden = any(_rule(ch) for ch in value)
    assert text.has_forbidden(value) is forbidden
    assert (re.fullmatch(text.SAFE_TEXT_PATTERN, value) is None) is forbidden
    if forbidden:
        with pytest.raises(ValueError, match="控制字符"):
            text.check_text(value)
        with pytest.raises(ValidationError):
            text.clean_text(value, "f", "字段")
    else:
        assert text.check_text(value) == value
        assert text.clean_text(value, "f", "字段") == value.strip()


@given(st.text(), st.integers(min_value=0, max_value=50))
def test_a_query_term_never_holds_a_forbidden_character_nor_exceeds_its_length(value, limit):
    term = text.query_term(value, limit)
    assert len(term) <= limit
    assert not text.has_forbidden(term)
    assert term == term.strip()


def test_a_term_cut_at_a_space_does_not_end_in_one():
    # found by the property above: the cut came after the trim
    assert text.query_term("0" * 17 + " 0", 18) == "0" * 17
