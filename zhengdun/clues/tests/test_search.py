"""Chinese full-text search (clues.search): exact against a plain scan — every clue whose text
has the query's terms contiguously within one segment, and no other — on whichever database
the tests run on (CI runs both)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhengdun.clues import search
from zhengdun.clues.models import Clue, ClueSubject
from zhengdun.clues.testing import channel
from zhengdun.clues.tests.domain_helpers import fast_passwords, register

CJK = "赌博经商张明王强李华办企业违规茶楼"
ASCII = "abAB12"
PUNCT = " ，。、,.-_!（）\n"
ALPHABET = CJK + ASCII + PUNCT
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_passwords():
    with fast_passwords():
        yield


def make_clue(city, summary: str, content: str = "", names: tuple[str, ...] = ()) -> Clue:
    """A clue row and its index, without the actions' checks (these tests are about search)."""
    clue = Clue.objects.create(
        number=f"S{next(_numbers):08d}",
        channel=channel(),
        received_on=timezone.localdate(),
        reporting_mode="anonymous",
        summary=summary,
        content=content,
        owner_unit=city.city,
        created_by=city.office_handler,
    )
    ClueSubject.objects.bulk_create([ClueSubject(clue=clue, name=n) for n in names])
    search.reindex(clue)
    return clue


def texts_of(summary: str, content: str, names: tuple[str, ...]) -> list[str]:
    return [summary, content, *names]


def scan_matches(texts: list[str], query: str) -> bool:
    """The definition: each term of the query occurs contiguously within one segment."""
    terms = search.segments(query)[:8]
    segs = [seg for text in texts for seg in search.segments(text)]
    return all(any(term in seg for seg in segs) for term in terms)


def found(query: str, among: list[Clue]) -> set[int]:
    ids = {c.pk for c in among}
    return {
        pk for pk in search.filter_clues(Clue.objects.all(), query).values_list("pk", flat=True) if pk in ids
    }


@contextmanager
def rolled_back() -> Iterator[None]:
    """One hypothesis example's rows, gone afterwards (the test's own transaction stays)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


texts = st.text(alphabet=ALPHABET, max_size=24)
names = st.lists(st.text(alphabet=CJK + "ab", min_size=1, max_size=4), max_size=2).map(tuple)
clue_texts = st.tuples(texts.filter(lambda t: len(t) <= 200), texts, names)
HYPOTHESIS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@HYPOTHESIS
@given(data=st.data(), rows=st.lists(clue_texts, min_size=1, max_size=4))
def test_it_finds_a_clue_by_any_part_of_one_of_its_segments(city, data, rows):
    candidates = [
        (i, seg)
        for i, row in enumerate(rows)
        for text in texts_of(*row)
        for seg in search.segments(text)
        if len(seg) >= 2
    ]
    if not candidates:
        return
    i, seg = data.draw(st.sampled_from(candidates))
    start = data.draw(st.integers(min_value=0, max_value=len(seg) - 2))
    end = data.draw(st.integers(min_value=start + 2, max_value=len(seg)))
    query = seg[start:end]
    # the case a person typed it in is their own
    query = data.draw(st.sampled_from([query, query.upper()]))
    with rolled_back():
        clues = [make_clue(city, *row) for row in rows]
        assert clues[i].pk in found(query, clues), (query, rows[i])


@HYPOTHESIS
@given(
    rows=st.lists(clue_texts, min_size=1, max_size=5),
    query=st.text(alphabet=ALPHABET, min_size=1, max_size=7),
)
def test_it_matches_exactly_what_a_full_scan_matches(city, rows, query):
    with rolled_back():
        clues = [make_clue(city, *row) for row in rows]
        expected = {c.pk for c, row in zip(clues, rows, strict=True) if scan_matches(texts_of(*row), query)}
        assert found(query, clues) == expected, query


# --- named cases, through the actions ---------------------------------------------------------------


@pytest.fixture
def corpus(city):
    make = {
        "gambling": register(city, summary="反映张明参与赌博", content="多次在茶楼参与赌博，金额较大。"),
        "business": register(city, summary="反映违规经商办企业", content="其配偶经营KTV。"),
        "split": register(city, summary="反映问题", content="赌，博；经-商 违规.经营"),
        "li_hua": register(city, subject=city.people["judge_b"], summary="反映干预司法", content="打招呼"),
        "three": register(
            city,
            subjects=[{"name": "王小明", "unit_text": "甲县司法局"}],
            summary="反映违规饮酒",
            content="工作日中午饮酒",
        ),
    }
    return make


def hits(corpus, query: str) -> set[str]:
    ids = set(search.filter_clues(Clue.objects.all(), query).values_list("pk", flat=True))
    return {name for name, clue in corpus.items() if clue.pk in ids}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("赌博", {"gambling"}),  # not "split": 赌，博 is cut by punctuation
        ("经商", {"business"}),  # not 经-商
        ("李华", {"li_hua"}),  # a two-character name, from the subject
        ("张明", {"gambling", "business", "split"}),  # the default subject; not "three"
        ("王小明", {"three"}),  # a three-character name
        ("小明", {"three"}),
        ("违规经商", {"business"}),  # a four-character term
        ("经营", {"business", "split"}),
        ("ktv", {"business"}),  # ASCII ignores case
        ("Ktv", {"business"}),
        ("茶", {"gambling"}),  # one character: substring fallback
        ("k", {"business"}),
        ("赌博 茶楼", {"gambling"}),  # terms are ANDed
        ("赌博 KTV", set()),
        ("赌博，茶楼", {"gambling"}),  # punctuation in the query separates terms
        ("茶楼赌博", set()),  # not contiguous in the text
        ("反映 饮酒 王小明", {"three"}),
    ],
)
def test_it_finds_named_terms(corpus, query, expected):
    assert hits(corpus, query) == expected


@pytest.mark.parametrize(
    "query",
    [
        '" OR * NEAR(',
        "') & !",
        "'; DROP TABLE clues_clue; --",
        'NEAR("赌 博", 2)',
        "赌博 OR 经商",
        "!赌博 | 经商 <-> :*",
        "\\%_",
        "^赌博*",
        "\x00",
    ],
)
def test_it_treats_query_syntax_as_text(corpus, query):
    got = hits(corpus, query)
    expected = {
        name
        for name, clue in corpus.items()
        if scan_matches([clue.summary, clue.content, *clue.subjects.values_list("name", flat=True)], query)
    }
    assert got == expected
    assert Clue.objects.count() == len(corpus)


def test_it_ignores_a_query_without_terms(corpus):
    assert hits(corpus, " ，。!") == set(corpus)
    assert hits(corpus, "") == set(corpus)


def test_it_finds_a_term_far_into_a_long_text(city):
    # a full-length content: past position 16383 PostgreSQL's tsvector stops counting positions
    long = make_clue(city, "反映问题", "甲乙" * 8500 + "，参与赌博的问题")
    other = make_clue(city, "反映问题", "参与赌")
    assert found("赌博的", [long, other]) == {long.pk}
    assert found("参与赌", [long, other]) == {long.pk, other.pk}


def test_it_finds_a_term_after_many_repeats_of_its_first_pair(city):
    # PostgreSQL keeps at most 256 positions per lexeme
    repeated = make_clue(city, "反映问题", "反映" * 300 + "，反映赌博")
    assert found("反映赌博", [repeated]) == {repeated.pk}


def test_it_keeps_the_index_in_step_with_edits(city):
    clue = register(city, summary="反映违规饮酒", content="工作日饮酒")
    assert hits({"c": clue}, "饮酒") == {"c"}
    from zhengdun.clues import actions

    actions.update_clue(city.office_handler, clue, version=clue.version, summary="反映违规打牌", content="")
    assert hits({"c": clue}, "饮酒") == set()
    assert hits({"c": clue}, "打牌") == {"c"}
    actions.add_subject(city.office_handler, Clue.objects.get(pk=clue.pk), {"name": "欧阳娜娜"})
    assert hits({"c": clue}, "欧阳娜娜") == {"c"}


def test_it_runs_on_this_database():
    assert connection.vendor in {"sqlite", "postgresql"}


@given(st.text(alphabet="经商办企赌博王伟建国abc123", min_size=2, max_size=30))
def test_the_covering_bigrams_cover_every_character_of_a_term(term):
    pairs = search.bigrams(term)
    chosen = search.covering_bigrams(term)
    assert set(chosen) <= set(pairs)
    starts = [i for i, pair in enumerate(pairs) if pair in chosen]
    covered = {i + k for i in starts for k in (0, 1)}
    assert covered == set(range(len(term)))
    assert len(chosen) <= len(pairs) // 2 + 1
