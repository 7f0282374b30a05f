"""core.hooks: named plug-in points, ordered by (order, registration), idempotent by key; and
the apps' registrations (cards, seed steps, jobs, panels) as the foundation reads them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from zhengdun.core import hooks, scheduler
from zhengdun.core.hooks import Card, Line, Point, Section
from zhengdun.core.testing import PASSWORD, City


def test_entries_come_in_order_then_registration_order() -> None:
    point: Point[str] = Point("test", "a test point")
    point.register("late", "c", order=50)
    point.register("first", "a", order=10)
    point.register("second", "b", order=10)
    point.register("early", "z", order=0)
    assert point.values() == ["z", "a", "b", "c"]
    assert list(point) == ["z", "a", "b", "c"]
    assert point.keys() == ["early", "first", "second", "late"]


def test_registering_again_replaces_in_place() -> None:
    point: Point[str] = Point("test", "a test point")
    point.register("a", "one", order=10)
    point.register("b", "two", order=10)
    point.register("a", "one again", order=10)  # ready() running twice
    assert point.values() == ["one again", "two"]
    assert len(point) == 2 and "a" in point and point.get("a") == "one again"
    point.unregister("a")
    assert point.values() == ["two"] and point.get("a") is None


def test_ready_running_twice_registers_nothing_twice() -> None:
    before = {p.name: p.keys() for p in _points()}
    for label in ("core", "clues", "selfreports", "rectification"):
        apps.get_app_config(label).ready()
    assert {p.name: p.keys() for p in _points()} == before


def _points() -> list[Point[Any]]:
    return [v for v in vars(hooks).values() if isinstance(v, Point)]


def test_the_apps_fill_the_points_in_the_documented_order() -> None:
    assert hooks.SEED_STEPS.keys() == ["clues", "selfreports", "leniency", "rectification"]
    assert [j.name for j in hooks.JOBS] == ["clue deadline scan", "planner statistics"]
    assert hooks.HOME_CARDS.keys() == ["org", "clues", "selfreports", "rectification"]
    assert hooks.CLUE_SUBJECT_PANELS.keys() == ["selfreports.leniency", "rectification.problems"]
    assert hooks.SELFREPORT_ITEM_PANELS.keys() == ["rectification.problems"]
    assert hooks.BULK_SEEDERS.keys() == ["clues"]
    # the host pages read the points themselves
    from zhengdun.clues.views import detail
    from zhengdun.selfreports.views import common

    assert detail.SUBJECT_PANELS is hooks.CLUE_SUBJECT_PANELS
    assert common.ITEM_PANELS is hooks.SELFREPORT_ITEM_PANELS


@pytest.fixture
def fake_contribution() -> Iterator[None]:
    hooks.HOME_CARDS.register(
        "test.fake", lambda user: [Card("测试插件卡片", 7, "件", "/fake/", "blue")], order=5
    )
    hooks.HOME_SECTIONS.register(
        "test.fake", lambda user: [Section("测试插件面板", [Line("测试行", "已接入", "/fake/line/")])]
    )
    yield
    hooks.HOME_CARDS.unregister("test.fake")
    hooks.HOME_SECTIONS.unregister("test.fake")


@pytest.mark.django_db
def test_a_registered_card_and_panel_appear_on_the_home_page(city: City, fake_contribution: None) -> None:
    client = Client()
    assert client.login(username="handler_a", password=PASSWORD)
    html = client.get("/").content.decode()
    assert "测试插件卡片" in html and 'href="/fake/"' in html
    assert "测试插件面板" in html and "已接入" in html and 'href="/fake/line/"' in html


@pytest.mark.django_db
def test_the_scheduler_runs_every_registered_job_and_survives_a_failing_one(city: City) -> None:
    ran: list[str] = []

    def boom() -> None:
        raise RuntimeError("job failed")

    hooks.JOBS.register("test.boom", hooks.Job("boom", boom), order=-1)
    hooks.JOBS.register("test.after", hooks.Job("after", lambda: ran.append("after")), order=1000)
    try:
        assert scheduler.run_due_jobs() == 1
    finally:
        hooks.JOBS.unregister("test.boom")
        hooks.JOBS.unregister("test.after")
    assert ran == ["after"]


@pytest.mark.django_db
def test_the_celery_task_runs_the_same_jobs(city: City) -> None:
    from zhengdun.config.celery import app
    from zhengdun.core.tasks import run_jobs

    ran: list[int] = []
    hooks.JOBS.register("test.count", hooks.Job("count", lambda: ran.append(1)))
    try:
        assert run_jobs() == 0
    finally:
        hooks.JOBS.unregister("test.count")
    assert ran == [1]
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert tasks == {"zhengdun.core.tasks.run_jobs"}


def test_seed_steps_make_the_summary_line_in_order(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from zhengdun.core.management.commands.seed import seed_capabilities

    settings.DEMO_RECORDS = True
    calls: list[tuple[str, int]] = []
    point: Point[hooks.SeedStep] = Point("seed_steps", "test")
    point.register("b", hooks.SeedStep("b", lambda seed: calls.append(("b", seed)) or "二"), order=20)
    point.register("a", hooks.SeedStep("a", lambda seed: calls.append(("a", seed)) or "一"), order=10)
    point.register("c", hooks.SeedStep("c", lambda seed: calls.append(("c", seed)) or ""), order=30)
    monkeypatch.setattr(hooks, "SEED_STEPS", point)
    assert seed_capabilities(7) == "一；二"
    assert calls == [("a", 7), ("b", 7), ("c", 7)]
    settings.DEMO_RECORDS = False
    assert seed_capabilities(7) == "未生成（ZHENGDUN_DEMO_RECORDS=0）"
