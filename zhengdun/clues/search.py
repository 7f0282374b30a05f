"""Chinese full-text search by overlapping character bigrams (the approach of pg_bigm and
Lucene's CJK analyzer), kept in the database so it works the same on SQLite and PostgreSQL.

One rewrite function serves indexing and querying: text is cut into segments at anything that
is not a letter or digit (so a phrase never matches across punctuation), each segment becomes
its overlapping bigrams, and segments are separated by a marker token that no query contains.
A query term becomes the phrase of its bigrams; a match means the term occurs contiguously in
one segment — exact, not approximate (tests check it against a plain substring scan).

Backends: SQLite mirrors clues_searchtext into an FTS5 table by trigger (migration
0002_search_index) and joins it with MATCH; PostgreSQL narrows by a GIN index on the stored
tsvector of the bigrams (migration 0006; all bigrams ANDed) and checks each term's bigrams are consecutive
in the stored text (strpos). Terms of one character fall back to a substring scan of summary, content and
subject names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import OrderBy, RawSQL
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    # a type only: this module reads the models lazily (see reindex), so it imports without them
    from zhengdun.clues.models import Clue

# filter_clues hands back the queryset class it was given (ClueQuerySet keeps its methods)
QS = TypeVar("QS", bound=QuerySet[Any])

# A segment: a run of letters/digits (CJK ideographs count as letters); "_" is a separator.
_SEGMENT = re.compile(r"[^\W_]+", re.UNICODE)
# Marks a segment boundary in the indexed text. Pure ASCII letters, so it survives both
# tokenizers, and queries never produce it because query bigrams are at most two characters.
BOUNDARY = "zzzsep"
# SQLite's FTS5 mirror of clues_searchtext (migration 0002)
FTS_TABLE = "clues_fts"


def segments(text: str) -> list[str]:
    return _SEGMENT.findall((text or "").lower())


def bigrams(segment: str) -> list[str]:
    if len(segment) == 1:
        return [segment]
    return [segment[i : i + 2] for i in range(len(segment) - 1)]


def index_text(parts: Iterable[str]) -> str:
    """The indexed form of the given texts: bigrams, with a boundary marker between segments."""
    tokens: list[str] = []
    for part in parts:
        for seg in segments(part):
            if tokens:
                tokens.append(BOUNDARY)
            tokens.extend(bigrams(seg))
    return " ".join(tokens)


def query_terms(query: str) -> list[str]:
    """The search terms of a user query: its segments (whitespace and punctuation split terms)."""
    return [t for t in segments(query) if t][:8]


def _fts5_match(terms: list[str]) -> str:
    # Each term is a quoted phrase of its bigrams; terms are ANDed. Segments contain only letters
    # and digits, so nothing in the string can break out of the quotes.
    return " AND ".join('"' + " ".join(bigrams(t)) + '"' for t in terms)


def covering_bigrams(term: str) -> list[str]:
    """The fewest of a term's bigrams that still cover each of its characters: every other
    one, and the last (经商办企 → 经商, 办企). Enough for the index to narrow by; the exact
    phrase is checked afterwards."""
    pairs = bigrams(term)
    return list(dict.fromkeys([*pairs[::2], pairs[-1]]))


def _tsquery(terms: list[str]) -> str:
    # Bigrams ANDed, without <->: a tsvector keeps no position past 16383 and at most 256
    # positions per lexeme, so a phrase query misses terms deep in a long content or after
    # many repeats of its first pair. Contiguity is checked by _phrase. Only the covering
    # bigrams: each one more is another posting list for GIN to intersect (22 ms for the three
    # of a common four-character term at 1M clues).
    return " & ".join(dict.fromkeys(b for t in terms for b in covering_bigrams(t)))


def _phrase(term: str) -> str:
    """The term's bigrams as consecutive tokens of the indexed text, spaces around: found in
    ' ' + text + ' ' exactly when the term occurs within one segment (the boundary marker
    separates segments)."""
    return " " + " ".join(bigrams(term)) + " "


# the id below which a window of the newest N clues ends (filters.ledger_count); a subquery, so
# the window moves with the data and needs no round trip of its own
NEWEST_BOUND = "(SELECT max(id) FROM clues_clue) - %s"


# A query that may be a 线索编号 or an external number (12337平台编号…): one token of ASCII
# letters, digits and the separators numbers use, with a digit in it.
_NUMBER_LIKE = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9_./-]{2,63}$")


def number_condition(query: str) -> Q | None:
    """The clues whose 线索编号 or external number starts with query (the whole number is the
    longest prefix), or None for a query that cannot be a number. Both columns are indexed
    (on PostgreSQL Django adds a varchar_pattern_ops index for LIKE 'x%'; on SQLite, whose LIKE
    with ESCAPE never uses an index, a binary-collation range narrows first)."""
    text = (query or "").strip()
    if not _NUMBER_LIKE.match(text):
        return None
    found = Q(pk__in=[])
    for column, value in (("number", text.upper()), ("number", text), ("external_ref", text)):
        prefix = Q(**{f"{column}__startswith": value})
        if connection.vendor == "sqlite":
            prefix &= Q(**{f"{column}__gte": value, f"{column}__lt": value + "\U0010ffff"})
        found |= prefix
    return found


def filter_clues(queryset: QS, query: str, *, newest: int | None = None) -> QS:
    """Narrow a clue queryset to those whose summary, content or subject names contain every
    term of query. With newest=N the index is read only for the newest N clues (by id): the
    caller bounds the clues the same way, and PostgreSQL may then drive the query from either
    side without reading past the window.

    A query that is (the start of) a clue's 线索编号 or external number finds that clue: when
    some clue of queryset has such a number, the number is what the user meant and those
    clues are the answer (an indexed prefix lookup); otherwise the text search runs."""
    numbered = number_condition(query)
    # (a caller's newest=N window is already on queryset: filters.filter_ledger bounds it first)
    if numbered is not None and queryset.filter(numbered).exists():
        return queryset.filter(numbered)
    terms = query_terms(query)
    if not terms:
        return queryset
    short = [t for t in terms if len(t) < 2]
    long_terms = [t for t in terms if len(t) >= 2]
    for term in short:
        # icontains: the index is lower-cased, and PostgreSQL's LIKE (unlike SQLite's) is not
        queryset = queryset.filter(
            Q(summary__icontains=term) | Q(content__icontains=term) | Q(subjects__name__icontains=term)
        ).distinct()
    if not long_terms:
        return queryset
    if connection.vendor == "sqlite":
        match = _fts5_match(long_terms)  # letters, digits, spaces and quotes only; bound anyway
        if FTS_TABLE not in queryset.query.extra_tables:
            # Join the FTS table so SQLite can drive the query from it: matches come out in
            # rowid (= clue id) order, so a newest-first page and a capped count stop early.
            # As `id IN (SELECT rowid …)` SQLite first collected every match (25 ms for a
            # common pair at 1M clues; 2 ms joined).
            clue_table = queryset.model._meta.db_table
            # django-stubs types extra() as a plain QuerySet; Django returns a clone of the same
            # class (_chain), as filter() does, so the ClueQuerySet is kept.
            return queryset.extra(  # type: ignore[return-value]  # noqa: S610 - constant identifiers, the match is a parameter
                tables=[FTS_TABLE],
                where=[f'"{FTS_TABLE}"."rowid" = "{clue_table}"."id"', f'"{FTS_TABLE}" MATCH %s'],
                params=[match],
            )
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608 - constant
        return queryset.filter(pk__in=RawSQL(sql, (match,)))  # noqa: S611 - bound parameter
    # strpos, not LIKE: PostgreSQL's LIKE tries the pattern at every character of a multibyte
    # text (~13 µs a row here), strpos searches for it (~1 µs); one condition per phrase, the SQL
    # text fixed by their number, the phrases bound
    phrases = [_phrase(t) for t in long_terms if len(t) > 2]
    checks = "".join(" AND strpos(' ' || bigrams || ' ', %s) > 0" for _ in phrases)
    params: list[Any] = [_tsquery(long_terms), *phrases]
    if newest is not None:
        checks += f" AND clue_id > {NEWEST_BOUND}"
        params.append(newest)
    sql = f"SELECT clue_id FROM clues_searchtext WHERE tsv @@ to_tsquery('simple', %s){checks}"  # noqa: S608 - constant text
    return queryset.filter(pk__in=RawSQL(sql, params))  # noqa: S611 - bound parameters


def newest_first(queryset: QuerySet) -> tuple[Any, ...]:
    """The ordering "latest registered first" for a queryset filter_clues may have joined to
    the FTS table: by the FTS rowid there (the same number as the clue id, but in the order the
    index yields it, so no sort), else by id."""
    if FTS_TABLE in queryset.query.extra_tables:
        return (OrderBy(RawSQL(f'"{FTS_TABLE}"."rowid"', ()), descending=True),)  # noqa: S611 - constant
    return ("-id",)


def reindex(clue: Clue) -> None:
    """Rewrite a clue's index row; called by every action that changes searchable text."""
    from zhengdun.clues.models import SearchText

    names = list(clue.subjects.values_list("name", flat=True))
    text = index_text([clue.summary, clue.content, *names])
    SearchText.objects.update_or_create(clue=clue, defaults={"bigrams": text})


def highlight(text: str, terms: list[str]) -> SafeString:
    """text as HTML with every occurrence of a term wrapped in <mark>, case-insensitively.
    Matches are found in the raw text and each piece is escaped on its own, so a term can never
    match inside an entity the escaping made (&amp;) nor split one; overlapping matches merge."""
    text = text or ""
    spans: list[list[int]] = []
    folded = text.lower()
    for term in {t.lower() for t in terms if t}:
        start = folded.find(term)
        while start >= 0:
            spans.append([start, start + len(term)])
            start = folded.find(term, start + 1)
    if not spans or len(folded) != len(text):  # lower() changed the length: no safe offsets
        return escape(text)
    spans.sort()
    merged = [spans[0]]
    for start, end in spans[1:]:
        if start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, at = [], 0
    for start, end in merged:
        pieces.append(escape(text[at:start]))
        pieces.append(format_html("<mark>{}</mark>", text[start:end]))
        at = end
    pieces.append(escape(text[at:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece escaped above
