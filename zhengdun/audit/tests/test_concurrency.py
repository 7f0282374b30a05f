"""Concurrent writers chain in one order (the chain head is locked with SELECT … FOR UPDATE)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from zhengdun.audit.chain import check_chain, record
from zhengdun.audit.models import Entry

THREADS = 4
PER_THREAD = 13


@pytest.mark.django_db(transaction=True)
def test_it_chains_concurrent_writers_without_gaps():
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database: SQLite serialises writers at BEGIN anyway")
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(PER_THREAD):
                with transaction.atomic():
                    record(None, "test.concurrent", None, {"thread": n, "i": i})
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    total = THREADS * PER_THREAD
    assert list(Entry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, total + 1))
    report = check_chain(batch_size=10)
    assert report.intact, report.problem
    assert report.count == total
    # every thread's entries all made it, each once
    seen = sorted((e["thread"], e["i"]) for e in Entry.objects.values_list("data", flat=True))
    assert seen == [(n, i) for n in range(THREADS) for i in range(PER_THREAD)]
