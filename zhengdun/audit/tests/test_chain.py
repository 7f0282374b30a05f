"""The hash chain: an intact chain passes; any stored field altered, or any entry removed, is
reported at exactly that entry."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from zhengdun.audit import chain as chain_mod
from zhengdun.audit.chain import (
    GENESIS,
    algorithm_available,
    check_chain,
    compute_hash,
    record,
    verify_chain,
)
from zhengdun.audit.context import client_ip
from zhengdun.audit.models import ChainHead, Entry
from zhengdun.audit.tests.conftest import raw_delete, raw_update

sm3_only = pytest.mark.skipif(not algorithm_available("sm3"), reason="this OpenSSL has no SM3")


def test_it_chains_entries_from_genesis(chain):
    entries = chain(3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    head = ChainHead.objects.get(id=1)
    assert (head.seq, head.hash) == (3, entries[2].hash)


def test_it_passes_an_intact_chain(chain):
    chain(7)
    report = check_chain(batch_size=2)  # batch boundaries inside the chain
    assert report.intact
    assert report.count == 7
    assert report.last_seq == 7
    assert list(verify_chain()) == []


def test_it_passes_an_empty_log(db):
    report = check_chain()
    assert report.intact and report.count == 0


def test_it_hashes_what_was_stored(chain, city):
    """The hash recomputed from the row read back equals the one computed before saving, on
    this backend's JSON and datetime round trip (keys reordered, microseconds, Chinese text)."""
    with transaction.atomic():
        written = record(
            city.auditor,
            "test.roundtrip",
            city.court_a,
            {"z": 1, "a": {"y": [1, 2.5, None], "b": "甲县"}, "when": dt.date(2021, 6, 2)},
            success=False,
        )
    stored = Entry.objects.get(seq=written.seq)
    assert stored.data["when"] == "2021-06-02"
    assert compute_hash(stored) == written.hash
    assert stored.actor_name == "auditor"
    assert stored.object_type == "org.unit"
    assert stored.object_id == str(city.court_a.pk)
    assert check_chain().intact


def test_it_records_the_request_ip(db):
    token = client_ip.set("10.1.2.3")
    try:
        with transaction.atomic():
            entry = record(None, "test.event")
    finally:
        client_ip.reset(token)
    assert Entry.objects.get(seq=entry.seq).ip == "10.1.2.3"


def _other_at(entry: Entry):
    return connection.ops.adapt_datetimefield_value(entry.at + dt.timedelta(seconds=1))


TAMPERED = {
    "action": lambda e: "person.deleted",
    "data": lambda e: '{"i": 2, "text": "改过的"}',
    "at": _other_at,
    "actor_name": lambda e: "someone",
    "actor_id": lambda e: 999,
    "object_type": lambda e: "org.person",
    "object_id": lambda e: "42",
    "object_repr": lambda e: "王强",
    "ip": lambda e: "10.0.0.9",
    "success": lambda e: False,
    "algorithm": lambda e: "md5",
    "prev_hash": lambda e: "f" * 64,
    "hash": lambda e: "e" * 64,
    "seq": lambda e: 1000,
}


@pytest.mark.parametrize("column", sorted(TAMPERED))
def test_it_finds_the_altered_entry(chain, column):
    entries = chain(5)
    raw_update(3, column, TAMPERED[column](entries[2]))
    problems = list(verify_chain(batch_size=2))
    assert len(problems) == 1
    assert problems[0].seq == 3


def test_it_finds_a_removed_middle_entry(chain):
    chain(5)
    raw_delete(3)
    report = check_chain()
    assert report.problem is not None
    assert report.problem.seq == 3
    assert "缺失" in report.problem.reason
    assert report.count == 2


def test_it_finds_a_removed_last_entry(chain):
    chain(5)
    raw_delete(5)
    report = check_chain()
    assert report.problem is not None
    assert report.problem.seq == 5
    assert "链尾" in report.problem.reason


def test_it_finds_a_forged_tail(chain):
    """Removing the last entry and writing a self-consistent replacement still disagrees with
    the chain head."""
    entries = chain(5)
    raw_delete(5)
    forged = Entry(
        seq=5,
        at=entries[4].at,
        action="test.event",
        data={"i": 4, "text": "伪造"},
        algorithm="sha256",
        prev_hash=entries[3].hash,
    )
    forged.hash = compute_hash(forged)
    forged.save(force_insert=True)
    report = check_chain()
    assert report.problem is not None
    assert report.problem.seq == 5
    assert "链头" in report.problem.reason


def test_it_finds_an_entry_inserted_past_the_head(chain):
    entries = chain(3)
    extra = Entry(seq=4, at=entries[2].at, action="test.event", algorithm="sha256", prev_hash=entries[2].hash)
    extra.hash = compute_hash(extra)
    extra.save(force_insert=True)
    report = check_chain()
    assert report.problem is not None
    assert report.problem.seq == 4


def test_it_finds_a_missing_head(chain):
    chain(2)
    ChainHead.objects.all().delete()
    assert [p.seq for p in verify_chain()] == [1]


def test_it_continues_the_chain_after_a_failed_check(chain):
    """A broken chain does not stop the application writing: new entries link to the head."""
    chain(3)
    raw_update(2, "action", "x.y")
    with transaction.atomic():
        entry = record(None, "test.event")
    assert entry.seq == 4
    assert [p.seq for p in verify_chain()] == [2]


# --- hash algorithms -------------------------------------------------------------------------


def test_it_refuses_an_unknown_algorithm(db, settings):
    settings.AUDIT_HASH_ALGORITHM = "md5"
    with pytest.raises(ImproperlyConfigured, match="sha256 或 sm3"), transaction.atomic():
        record(None, "test.event")
    assert not Entry.objects.exists()


def test_it_refuses_sm3_when_openssl_lacks_it(db, settings, monkeypatch):
    real_new = hashlib.new

    def no_sm3(name, *args, **kwargs):
        if name.lower() == "sm3":
            raise ValueError("unsupported hash type sm3")
        return real_new(name, *args, **kwargs)

    monkeypatch.setattr(chain_mod.hashlib, "new", no_sm3)
    settings.AUDIT_HASH_ALGORITHM = "sm3"
    with pytest.raises(ImproperlyConfigured, match="OpenSSL 不提供 SM3"), transaction.atomic():
        record(None, "test.event")
    assert not Entry.objects.exists()


@sm3_only
def test_it_computes_sm3_per_the_standard():
    # GB/T 32905-2016 appendix A, example 1
    h = hashlib.new("sm3")
    h.update(b"abc")
    assert h.hexdigest() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


@sm3_only
def test_it_verifies_a_chain_mixing_sha256_and_sm3(chain, settings):
    chain(2)
    settings.AUDIT_HASH_ALGORITHM = "SM3"  # operators write it either way
    chain(2)
    settings.AUDIT_HASH_ALGORITHM = "sha256"
    chain(1)
    assert list(Entry.objects.order_by("seq").values_list("algorithm", flat=True)) == [
        "sha256",
        "sha256",
        "sm3",
        "sm3",
        "sha256",
    ]
    assert check_chain(batch_size=2).intact
    raw_update(4, "action", "x.y")
    assert [p.seq for p in verify_chain()] == [4]


@sm3_only
def test_it_detects_an_algorithm_swapped_to_sm3(chain):
    chain(3)
    raw_update(2, "algorithm", "sm3")
    assert [p.seq for p in verify_chain()] == [2]
