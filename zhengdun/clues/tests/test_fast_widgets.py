"""FastSelect and FastTextInput render what Django's own Select and TextInput render — the same
options, values, labels, selection and escaping — only without the template engine."""

from __future__ import annotations

from html.parser import HTMLParser

from django import forms
from hypothesis import given
from hypothesis import strategies as st

from zhengdun.clues.forms import FastSelect, FastSelectMultiple, FastTextInput


class _Parsed(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append(data)


def parsed(html: str) -> tuple[list[tuple[str, dict[str, str | None]]], list[str]]:
    p = _Parsed()
    p.feed(html)
    return p.tags, p.texts


text = st.text(alphabet=st.sampled_from(list("<>&\"' a1中文")), max_size=6)
values = st.one_of(st.integers(min_value=-3, max_value=99), text)
choices = st.lists(st.tuples(values, text), max_size=8)


@given(choices=choices, chosen=st.lists(values, max_size=3), empty=st.booleans())
def test_a_select_renders_as_djangos(choices, chosen, empty):
    if empty:
        choices = [(None, "全部"), *choices]
    attrs = {"id": "id_x", "class": "wide"}
    for fast, django in ((FastSelect, forms.Select), (FastSelectMultiple, forms.SelectMultiple)):
        value = chosen if django is forms.SelectMultiple else (chosen[0] if chosen else None)
        ours = fast(choices=choices).render("x", value, attrs)
        theirs = django(choices=choices).render("x", value, attrs)
        assert parsed(ours) == parsed(theirs), (ours, theirs)


@given(value=st.one_of(st.none(), text))
def test_a_text_input_renders_as_djangos(value):
    attrs = {"id": "id_q", "placeholder": "摘要<>"}
    ours = FastTextInput().render("q", value, attrs)
    theirs = forms.TextInput().render("q", value, attrs)
    assert parsed(ours) == parsed(theirs), (ours, theirs)
