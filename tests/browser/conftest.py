"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against pytest-django's
live_server. CI installs chromium and fonts-noto-cjk (.ci/run); a missing browser fails the
run instead of skipping it, so a green build always means the journeys ran."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# sign_in is re-exported: journeys import the helpers from here or from tests.browser.helpers
from tests.browser.helpers import screenshot, sign_in  # noqa: F401

# Playwright's sync API runs an asyncio loop in this thread; Django's ORM refuses to run in a
# thread with a running loop unless told the code is synchronous anyway, which it is.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.core.servers.basehttp import WSGIServer  # noqa: E402
from django.test.testcases import LiveServerThread  # noqa: E402


class _SerialWSGIServer(WSGIServer):
    """The live server, one request at a time. With SQLite's in-memory test database every
    server thread shares the test's one connection, so a page and its htmx partial served at
    once interleave their transactions (seen: a session row rolled back under a running request,
    answered "400 Bad Request"). Serving serially removes the race; the browser does not care."""

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override


LiveServerThread.server_class = _SerialWSGIServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--lang=zh-CN",  # Chromium's own widgets (the file input's 选择文件) in Chinese
]
VIEWPORT = {"width": 1366, "height": 768}  # the smallest screen the UI promises to fit


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _static_root_exists() -> None:
    # WhiteNoise warns when STATIC_ROOT is missing (a fresh clone has not run collectstatic);
    # under test it serves through the finders anyway.
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} 不存在：浏览器测试需要 Debian 的 chromium 和 fonts-noto-cjk "
            "（apt-get install -y chromium fonts-noto-cjk；.ci/run 会自动安装）。",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(
    browser: Any, transactional_db: None, live_server: Any, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """A fresh browser context (no cookies) at 1366×768 in zh-CN, Asia/Shanghai."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        screenshot(page, f"FAILED-{request.node.name}")
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report
