"""Shared set-up for the audit tests: a short chain, and a way to act as a DB administrator."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, transaction

from zhengdun.audit.chain import record
from zhengdun.audit.models import Entry

append_only = importlib.import_module("zhengdun.audit.migrations.0002_append_only")


@contextmanager
def db_admin() -> Iterator[None]:
    """Switch the append-only trigger off for the block, as someone with DDL rights on the
    database could, then back on: what the hash chain has to catch."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("ALTER TABLE audit_entry DISABLE TRIGGER USER")
        else:
            append_only.remove(connection)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute("ALTER TABLE audit_entry ENABLE TRIGGER USER")
            else:
                append_only.install(connection)


def raw_update(seq: int, column: str, value: Any) -> None:
    """UPDATE one stored entry behind the application's back."""
    table = connection.ops.quote_name("audit_entry")
    col = connection.ops.quote_name(column)
    with db_admin(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {col} = %s WHERE seq = %s", [value, seq])  # noqa: S608


def raw_delete(seq: int) -> None:
    with db_admin(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_entry WHERE seq = %s", [seq])


def make_chain(n: int, actor: Any = None) -> list[Entry]:
    entries = []
    for i in range(n):
        with transaction.atomic():
            entries.append(record(actor, "test.event", None, {"i": i, "text": f"第{i}条"}))
    return entries


@pytest.fixture
def chain(db) -> Callable[[int], list[Entry]]:
    return make_chain
