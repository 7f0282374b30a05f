"""Loading many plain clues at once, for benchmarks (`zhengdun seed --clues N`).

A million clues through the ORM took 23 minutes, three quarters of it Django building objects
and SQL. Here the rows go through the driver — COPY on PostgreSQL, executemany on SQLite — with
every column and default still taken from the models, so a new field cannot be missed. On
SQLite the FTS5 mirror of the search index is filled in one statement per batch instead of by
its per-row trigger.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from zhengdun.accounts.models import User
from zhengdun.clues import search
from zhengdun.clues.models import Category, Channel, Clue, ClueSubject, SearchText, Status
from zhengdun.core import dbstats
from zhengdun.org.models import Unit

Row = tuple[dict[str, Any], list[str], str]  # clue values, subject names, category code


def _columns(model: type[models.Model], values: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """Column names and database values of a row: values given by attname, else the field's
    default (an auto primary key not given is left to the database)."""
    names, row = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.attname not in values:
            continue
        value = values[field.attname] if field.attname in values else field.get_default()
        names.append(field.column)
        row.append(field.get_db_prep_save(value, connection))
    return names, row


class _Table:
    """One table's column list, with a template row of defaults; rows vary only where given."""

    def __init__(self, model: type[models.Model], varying: Sequence[str], fixed: dict[str, Any]) -> None:
        sample = {name: None for name in varying} | fixed
        self.columns, self.template = _columns(model, sample)
        # a varying name is a concrete field's name or attname (owner_unit_id), as get_field takes it
        concrete = {key: f for f in model._meta.concrete_fields for key in (f.name, f.attname)}
        self.positions = [self.columns.index(concrete[name].column) for name in varying]
        self.table = model._meta.db_table
        self.rows: list[list[Any]] = []

    def add(self, *values: Any) -> None:
        row = list(self.template)
        for position, value in zip(self.positions, values, strict=True):
            row[position] = value
        self.rows.append(row)

    def flush(self, cursor: Any) -> None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {quote(self.table)} ({columns}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("%s" for _ in self.columns)
            # identifiers come from the model's _meta, quoted; the values are parameters
            sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, self.rows)
        self.rows = []


def _date(day: dt.date | None) -> Any:
    return connection.ops.adapt_datefield_value(day)


def load(
    n: int,
    rows: Iterator[Row],
    *,
    seed: int = 1,
    batch: int = 20_000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Append n clues from rows (see clues.seeding._bulk_rows); returns how many were written."""
    rng = random.Random(seed)
    office = User.objects.get(username="office")
    owner = office.unit
    if owner is None:
        raise ValueError("the seeded office user has no unit: run the demo seed first")
    region = owner.region_code_effective()
    handling = list(Unit.objects.exclude(type__in=Unit.AREA_TYPES).values_list("id", flat=True))
    channels = list(Channel.objects.values_list("id", flat=True))
    categories = {c.code: c.pk for c in Category.objects.all()}
    today = timezone.localdate()
    now = timezone.now()
    through = Clue.categories.through

    clues = _Table(
        Clue,
        [
            "id",
            "number",
            "channel_id",
            "received_on",
            "summary",
            "content",
            "sensitivity",
            "handling_unit_id",
            "status",
            "assigned_on",
            "deadline",
            "closed_on",
            "categories_at_receipt",
        ],
        {
            "reporting_mode": "anonymous",
            "owner_unit_id": owner.pk,
            "created_by_id": office.pk,
            "created_at": now,
            "updated_at": now,
        },
    )
    subjects = _Table(ClueSubject, ["clue_id", "name"], {})
    links = _Table(through, ["clue_id", "category_id"], {})
    texts = _Table(SearchText, ["clue_id", "bigrams"], {})
    at_receipt = Clue._meta.get_field("categories_at_receipt")
    receipt_values = {code: at_receipt.get_db_prep_save([pk], connection) for code, pk in categories.items()}

    written = 0
    while written < n:
        size = min(batch, n - written)
        with transaction.atomic(), connection.cursor() as cursor:
            # ids are handed out here so the child rows can name their clue without a round trip;
            # the transaction holds SQLite's write lock, and PostgreSQL's sequence is moved past
            # them below
            if connection.vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {Clue._meta.db_table} IN EXCLUSIVE MODE")
            first = (Clue.objects.aggregate(top=models.Max("id"))["top"] or 0) + 1
            for offset, (values, names, code) in enumerate(_take(rows, size)):
                pk = first + offset
                received = today - dt.timedelta(days=values["age"])
                status = values["status"]
                assigned = status != Status.REGISTERED
                closed = status in (Status.CLOSED, Status.ARCHIVED)
                clues.add(
                    pk,
                    f"{region}B{pk:09d}",
                    rng.choice(channels),
                    _date(received),
                    values["summary"],
                    values["content"],
                    values["sensitivity"],
                    rng.choice(handling) if assigned else None,
                    status,
                    _date(received) if assigned else None,
                    _date(received + dt.timedelta(days=45)) if assigned else None,
                    _date(received + dt.timedelta(days=40)) if closed else None,
                    receipt_values[code],
                )
                for name in names:
                    subjects.add(pk, name)
                links.add(pk, categories[code])
                texts.add(pk, search.index_text([values["summary"], values["content"], *names]))
            trigger = _drop_fts_trigger(cursor) if connection.vendor == "sqlite" else None
            for table in (clues, subjects, links, texts):
                table.flush(cursor)
            if trigger:
                _restore_fts(cursor, first, trigger)
            else:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Clue]):
                    cursor.execute(sql)
        written += size
        if progress:
            progress(written)
    dbstats.refresh()  # the spread of the data just changed wholesale
    return written


def _take(rows: Iterator[Row], size: int) -> Iterable[Row]:
    for _ in range(size):
        yield next(rows)


def _drop_fts_trigger(cursor: Any) -> str | None:
    """Drop the per-row trigger that mirrors clues_searchtext into FTS5; returns its definition."""
    cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'clues_fts_ai'")
    found = cursor.fetchone()
    if found:
        cursor.execute("DROP TRIGGER clues_fts_ai")
    return found[0] if found else None


def _restore_fts(cursor: Any, first: int, trigger: str) -> None:
    """Mirror the new rows into FTS5 in one statement and put the trigger back as it was, inside
    the batch's transaction (a failure leaves neither half)."""
    cursor.execute(
        "INSERT INTO clues_fts(rowid, bigrams) SELECT clue_id, bigrams FROM clues_searchtext WHERE clue_id >= %s",
        [first],
    )
    cursor.execute(trigger)
