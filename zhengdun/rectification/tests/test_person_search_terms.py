"""The person picker's search terms go through core.text.query_term (issue #11, one home): any
control character — not only NUL — is dropped from what was typed, the term is trimmed and cut to
40 characters, and a term left empty finds nobody. A search term is never stored, so nothing is
refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengdun.core.text import is_forbidden
from zhengdun.rectification.forms import PersonPickWidget, find_people

pytestmark = pytest.mark.django_db

CONTROLS = ["\x00", "\x1b", "\x7f", "\x85", "\x9f"]


@pytest.mark.parametrize("control", CONTROLS)
def test_the_picker_box_drops_control_characters_from_the_term(control):
    widget = PersonPickWidget()
    data = {"responsible_person": " 12 ", "responsible_person_q": f" 张{control}明{control} "}
    assert widget.value_from_datadict(data, {}, "responsible_person") == ("12", "张明")


def test_the_picker_box_trims_cuts_and_tolerates_a_missing_term():
    widget = PersonPickWidget()
    assert widget.value_from_datadict({}, {}, "owner") == ("", "")
    assert widget.value_from_datadict({"owner_q": None}, {}, "owner") == ("", "")
    _, term = widget.value_from_datadict({"owner_q": "  " + "张" * 60}, {}, "owner")
    assert term == "张" * 40


@pytest.mark.parametrize("control", CONTROLS)
def test_find_people_searches_the_cleaned_term(city, control):
    judge = city.people["judge_a"]
    assert find_people(city.handler_a, f"{control}{judge.police_no}{control}") == [judge]
    name = judge.name
    assert judge in find_people(city.handler_a, f"{name[0]}{control}{name[1:]}")


@pytest.mark.parametrize("term", [None, "", "   ", "\x00\x1b", "\x00 \x85"])
def test_a_term_of_nothing_but_blanks_and_controls_finds_nobody(city, term):
    assert find_people(city.handler_a, term) == []


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_the_picker_term_never_keeps_a_control_character(text):
    _, term = PersonPickWidget().value_from_datadict({"owner_q": text}, {}, "owner")
    assert len(term) <= 40
    assert not any(is_forbidden(ch) for ch in term)
