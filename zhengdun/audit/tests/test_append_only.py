"""The database itself refuses to rewrite the audit trail (migration 0002_append_only)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from zhengdun.audit.chain import check_chain
from zhengdun.audit.models import Entry
from zhengdun.audit.tests.conftest import append_only


def test_it_blocks_a_queryset_update(chain):
    chain(3)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Entry.objects.filter(seq=2).update(action="person.deleted")
    assert Entry.objects.get(seq=2).action == "test.event"
    assert check_chain().intact


def test_it_blocks_saving_a_changed_entry(chain):
    entry = chain(1)[0]
    entry.data = {"i": 0, "text": "改过的"}
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.save()
    assert Entry.objects.get(seq=1).data["text"] == "第0条"


def test_it_blocks_a_raw_update(chain):
    chain(2)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_entry SET ip = '1.1.1.1'")
    assert not Entry.objects.filter(ip="1.1.1.1").exists()


def test_it_blocks_or_exposes_a_delete(chain):
    """PostgreSQL refuses DELETE. SQLite allows it (Django's test flush deletes rows there), and
    the removal is then caught by the chain check instead."""
    chain(3)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            Entry.objects.filter(seq=2).delete()
        assert Entry.objects.count() == 3
        assert check_chain().intact
    else:
        Entry.objects.filter(seq=2).delete()
        problem = check_chain().problem
        assert problem is not None and problem.seq == 2


def test_it_still_appends(chain):
    chain(2)
    assert Entry.objects.count() == 2


def test_its_migration_reverses_cleanly(chain):
    """remove() drops the trigger (updates then go through), install() puts it back."""
    chain(1)
    append_only.remove(connection)
    try:
        Entry.objects.filter(seq=1).update(ip="10.0.0.1")
        assert Entry.objects.get(seq=1).ip == "10.0.0.1"
    finally:
        append_only.install(connection)
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(seq=1).update(ip="10.0.0.2")
