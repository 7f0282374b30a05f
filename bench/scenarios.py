"""Timed scenarios, run inside a process configured for one backend by bench.run."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengdun.config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from zhengdun.accounts.models import User  # noqa: E402
from zhengdun.clues.models import Category, Clue  # noqa: E402


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def _time(fn: Callable[[], object], rounds: int) -> list[float]:
    fn()  # warm caches and connections
    samples = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def _raw(sqls: list[str], rounds: int) -> list[float]:
    """The same SQL the page ran, executed directly: the floor the page cannot beat. Statements
    the page ran inside one transaction (between BEGIN and COMMIT: planner settings made with
    SET LOCAL or set_config(…, true) and the queries they steer, as in clues.filters.page_plan
    and ledger_count) run again inside one transaction."""

    def run() -> None:
        with connection.cursor() as cur:
            group: list[str] | None = None
            for sql in sqls:
                if sql.startswith("BEGIN"):
                    group = []
                elif sql.startswith("COMMIT"):
                    with transaction.atomic():
                        for statement in group or []:
                            cur.execute(statement)
                            if cur.description:
                                cur.fetchall()
                    group = None
                elif group is not None:
                    group.append(sql)
                else:
                    cur.execute(sql)
                    if cur.description:
                        cur.fetchall()

    return _time(run, rounds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    # the process as the server runs it: zhengdun.config.wsgi builds the application and
    # freezes what startup loaded out of the garbage collector's way
    import zhengdun.config.wsgi  # noqa: F401

    client = Client()
    client.force_login(User.objects.get(username="office"))
    gj2 = Category.objects.get(code="GJ2").pk
    sample = Clue.objects.order_by("-id").values_list("pk", flat=True)[:1][0]
    scenarios = {
        "ledger_filtered": f"/clues/?status=handling&category={gj2}&sort=-received_on",
        "search_2char": "/clues/?q=赌博",
        "search_4char": "/clues/?q=经商办企",
        "search_name": "/clues/?q=王伟",
        "detail": f"/clues/{sample}/",
    }
    figures = {}
    for name, url in scenarios.items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{name}: {url} answered {response.status_code}")
        # the reads and the transactions around them, replayed plainly (the session write is
        # not the page's)
        sqls = [
            q["sql"]
            for q in ctx.captured_queries
            if q["sql"].startswith(("SELECT", "WITH", "SET LOCAL", "BEGIN", "COMMIT"))
        ]
        page = _time(lambda url=url: client.get(url), rounds)
        raw = _raw(sqls, rounds)
        figures[name] = {
            "page_p50": statistics.median(page),
            "page_p95": _pct(page, 0.95),
            "raw_p50": statistics.median(raw),
            "queries": sum(not sql.startswith(("BEGIN", "COMMIT")) for sql in sqls),
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
