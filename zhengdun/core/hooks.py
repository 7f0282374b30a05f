"""Plug-in points: where capability apps add to pages and jobs that the foundation owns.

The foundation (core, org, accounts, audit) never imports a capability app (clues,
selfreports, rectification, …); a test (core/tests/test_layering.py) holds it to that. Instead
each capability fills these points from its ``AppConfig.ready()`` (through ``<app>/hooks.py``),
after Wagtail's hooks: a named point, entries with an explicit ``order``, read in that order.

Registration is by key and therefore idempotent: ``ready()`` may run twice (tests that reload
the app registry), and registering a key again replaces the entry in place.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_counter = itertools.count()


@dataclass(frozen=True)
class _Entry(Generic[T]):
    key: str
    value: T
    order: int
    seq: int


class Point(Generic[T]):
    """One named plug-in point: entries keyed by name, read ordered by (order, registration)."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc
        self._entries: dict[str, _Entry[T]] = {}

    def register(self, key: str, value: T, *, order: int = 100) -> T:
        """Add (or replace, keeping its place) the entry named key; returns value."""
        old = self._entries.get(key)
        seq = old.seq if old is not None else next(_counter)
        self._entries[key] = _Entry(key, value, order, seq)
        return value

    def unregister(self, key: str) -> None:
        self._entries.pop(key, None)

    def get(self, key: str) -> T | None:
        entry = self._entries.get(key)
        return entry.value if entry is not None else None

    def keys(self) -> list[str]:
        return [e.key for e in self._sorted()]

    def values(self) -> list[T]:
        return [e.value for e in self._sorted()]

    def __iter__(self) -> Iterator[T]:
        return iter(self.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def _sorted(self) -> list[_Entry[T]]:
        return sorted(self._entries.values(), key=lambda e: (e.order, e.seq))

    def __repr__(self) -> str:
        return f"<Point {self.name}: {', '.join(self.keys())}>"


# --- the home page (工作台) -------------------------------------------------------------------


@dataclass
class Card:
    """A count on the home page, linking to the list of exactly what it counts."""

    label: str
    value: int
    unit: str
    url: str
    tone: str = ""  # badge colour when the number needs attention


@dataclass
class Line:
    """One line of a home-page section: a label, what to show, an optional link and badge."""

    label: str
    value: str
    url: str = ""
    tone: str = ""


@dataclass
class Section:
    """A panel on the home page (e.g. 我的自查, 账号管理): lines and links to where the work is."""

    title: str
    lines: list[Line] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)
    note: str = ""


HOME_CARDS: Point[Callable[[Any], list[Card]]] = Point(
    "home_cards", "fn(user) -> list[Card]: the to-do counts on the home page"
)
HOME_SECTIONS: Point[Callable[[Any], list[Section]]] = Point(
    "home_sections", "fn(user) -> list[Section]: panels on the home page, below the cards"
)


# --- the demo data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedStep:
    """A capability's demo records on top of the demo city; fn(seed) returns a summary line
    (or "" for nothing worth a line)."""

    name: str
    fn: Callable[[int], str]


@dataclass(frozen=True)
class BulkSeeder:
    """`zhengdun seed --<option> N`: fn(n, seed=, progress=) appends n rows, returns how many."""

    option: str  # the command-line option, e.g. "clues"
    help: str
    noun: str  # what a progress line counts, e.g. "条线索"
    fn: Callable[..., int]


SEED_STEPS: Point[SeedStep] = Point("seed_steps", "demo seed steps, run in order after the city")
BULK_SEEDERS: Point[BulkSeeder] = Point("bulk_seeders", "bulk generators for benchmarks")


# --- scheduled jobs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """An idempotent periodic job, run by the embedded scheduler thread or by Celery beat."""

    name: str
    fn: Callable[[], object]


JOBS: Point[Job] = Point("jobs", "periodic jobs (core.scheduler and core.tasks.run_jobs)")


# --- panels on another app's page -------------------------------------------------------------

# fn(user, clue, subjects): append (template, context) pairs to each subject.panels
CLUE_SUBJECT_PANELS: Point[Callable[..., None]] = Point(
    "clue_subject_panels", "panels on each subject card of a clue's page"
)
# fn(user, clue, subjects) -> {subject id: LeniencyOut as a dict}: the 从宽从严 basis and the
# leader's decision that the clue API's detail answer carries on each subject
CLUE_SUBJECT_LENIENCY: Point[Callable[..., dict[int, dict[str, Any]]]] = Point(
    "clue_subject_leniency", "the leniency basis of a clue's subjects, for the clue API"
)
# fn(user, report, item_views): append (template, context) pairs to each view.panels
SELFREPORT_ITEM_PANELS: Point[Callable[..., None]] = Point(
    "selfreport_item_panels", "panels on each item of a self-report's page"
)


# --- audit action labels ----------------------------------------------------------------------


@dataclass(frozen=True)
class AuditLabels:
    """A capability's Chinese labels for the audit action codes it records; resolve, if given,
    labels any other code starting with prefix (e.g. every "clue.<event>")."""

    labels: Mapping[str, str]
    prefix: str = ""
    resolve: Callable[[str], str | None] | None = None


AUDIT_LABELS: Point[AuditLabels] = Point("audit_labels", "action code -> 中文 for the audit pages")
