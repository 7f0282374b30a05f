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


LOCAL_SETTINGS = ("SET LOCAL", "SELECT set_config(")


def _raw(sqls: list[str], rounds: int) -> list[float]:
    """The same SQL the page ran, executed directly: the floor the page cannot beat. Planner
    settings the page set for one query (SET LOCAL or set_config(…, true), as in
    clues.filters.page_plan) are set again in a transaction around that query."""

    def run() -> None:
        with connection.cursor() as cur:
            settings: list[str] = []
            for sql in sqls:
                if sql.startswith(LOCAL_SETTINGS):
                    settings.append(sql)
                    continue
                with transaction.atomic():
                    for setting in settings:
                        cur.execute(setting)
                    cur.execute(sql)
                    if cur.description:
                        cur.fetchall()
                settings = []

    return _time(run, rounds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
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
        # the reads, replayed plainly (server-side cursors, transaction control and the session
        # write are not the page's queries)
        sqls = [
            q["sql"] for q in ctx.captured_queries if q["sql"].startswith(("SELECT", "WITH", *LOCAL_SETTINGS))
        ]
        page = _time(lambda url=url: client.get(url), rounds)
        raw = _raw(sqls, rounds)
        figures[name] = {
            "page_p50": statistics.median(page),
            "page_p95": _pct(page, 0.95),
            "raw_p50": statistics.median(raw),
            "queries": len(sqls),
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
