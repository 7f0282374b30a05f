"""全文检索 by number: a clue's 线索编号 or external number (or the start of either) finds it, on
whichever database the tests run on; matched terms are marked in the ledger without ever
breaking its escaping."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengdun.clues import search
from zhengdun.clues.models import Clue
from zhengdun.clues.testing import channel
from zhengdun.clues.tests.domain_helpers import fast_passwords
from zhengdun.core.testing import PASSWORD


@pytest.fixture(autouse=True)
def _fast_passwords():
    with fast_passwords():
        yield


def make(city, number: str, external: str = "", summary: str = "反映某人违规经商", unit=None) -> Clue:
    clue = Clue.objects.create(
        number=number,
        external_ref=external,
        channel=channel(),
        received_on=timezone.localdate(),
        reporting_mode="anonymous",
        summary=summary,
        owner_unit=unit or city.city,
        created_by=city.office_handler,
    )
    search.reindex(clue)
    return clue


def found(query: str) -> set[str]:
    return set(search.filter_clues(Clue.objects.all(), query).values_list("number", flat=True))


@pytest.mark.django_db
def test_it_finds_a_clue_by_its_whole_number_and_by_its_start(city):
    make(city, "370211202400012")
    make(city, "370211202400013")
    make(city, "370212202400001")
    assert found("370211202400012") == {"370211202400012"}
    assert found(" 370211202400012 ") == {"370211202400012"}
    assert found("3702112024") == {"370211202400012", "370211202400013"}
    assert found("370212") == {"370212202400001"}


@pytest.mark.django_db
def test_it_finds_a_clue_by_its_external_number_in_any_case(city):
    make(city, "370211202400020", external="GJ12337-2024-778")
    make(city, "370211202400021", external="GJ12337-2024-779")
    assert found("GJ12337-2024-778") == {"370211202400020"}
    assert found("gj12337-2024-77") == set()  # external numbers are matched as typed
    assert found("GJ12337-2024") == {"370211202400020", "370211202400021"}
    make(city, "ZD-A-0001")
    assert found("zd-a-0001") == {"ZD-A-0001"}  # our own numbers are upper case: typed lower too


@pytest.mark.django_db
def test_a_query_that_is_no_number_searches_the_text(city):
    make(city, "370211202400030", summary="反映某人参与赌博")
    assert found("赌博") == {"370211202400030"}
    assert found("999999") == set()  # looks like a number, matches none, and no text has it
    assert search.number_condition("赌博") is None
    assert search.number_condition("ab") is None
    assert search.number_condition("12") is None
    assert search.number_condition("a b 1") is None


def _ledger(client, user, q: str) -> str:
    assert client.login(username=user.username, password=PASSWORD)
    return client.get(reverse("clues:list"), {"q": q}).content.decode()


@pytest.mark.django_db
def test_the_ledger_finds_by_number_within_scope_and_marks_it(client, city):
    clue = make(city, "370211202400040", external="W-2024-1", unit=city.court_a)
    body = _ledger(client, city.office_handler, "370211202400040")
    assert "<mark>370211202400040</mark>" in body
    body = _ledger(client, city.office_handler, "W-2024-1")
    assert ">370211202400040</a>" in body
    client.logout()
    # a handler in the other county does not see the clue, whatever its number
    body = _ledger(client, city.handler_b, "370211202400040")
    assert "<mark>370211202400040</mark>" not in body and "/clues/" + str(clue.pk) + "/" not in body


@pytest.mark.django_db
def test_the_ledger_marks_text_matches(client, city):
    make(city, "370211202400050", summary="反映<b>某人</b>违规经商办企业")
    body = _ledger(client, city.office_handler, "经商")
    assert "违规<mark>经商</mark>办企业" in body
    assert "&lt;b&gt;某人&lt;/b&gt;" in body and "<b>某人</b>" not in body


def test_highlight_marks_terms_case_insensitively_and_merges_overlaps():
    assert str(search.highlight("Ab ab AB", ["ab"])) == "<mark>Ab</mark> <mark>ab</mark> <mark>AB</mark>"
    assert str(search.highlight("经商办企", ["经商", "商办"])) == "<mark>经商办</mark>企"
    assert str(search.highlight("a&b", ["amp"])) == "a&amp;b"
    assert str(search.highlight("<x>", ["x"])) == "&lt;<mark>x</mark>&gt;"
    assert str(search.highlight("", ["x"])) == ""


def _unmarked(markup: str) -> str:
    return markup.replace("<mark>", "").replace("</mark>", "")


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("<>&\"'ab经商 ;#amplt")) | st.characters(), max_size=40),
    terms=st.lists(
        st.text(alphabet=st.sampled_from(list("<>&\"'ab经商;#amplt")), min_size=1, max_size=4), max_size=3
    ),
)
def test_highlighting_never_breaks_escaping(text, terms):
    markup = str(search.highlight(text, terms))
    # only <mark> tags are markup; everything else is exactly Django's escaping of the text
    assert _unmarked(markup) == str(escape(text))
    assert html.unescape(_unmarked(markup)) == text
    assert "<" not in re.sub(r"</?mark>", "", markup) and ">" not in re.sub(r"</?mark>", "", markup)
    # marks never nest and always close
    assert re.fullmatch(r"(?:[^<]|<mark>[^<]+</mark>)*", markup)
