"""No page shows template source: every GET page a demo role can reach in the test city (the URL
patterns without arguments, then the detail pages their links lead to, the printed 问题线索办理单
being the clue's detail page) must render without a stray "{#", "{%" or "{{" in its body.

A multi-line {# … #} is not a comment in Django templates: it printed a developer note at the top
of every clue page (issue #11)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from zhengdun.audit.models import Entry
from zhengdun.clues import testing as clue_testing

LEAKS = ("{#", "{%", "{{")
ROLES = ("office_handler", "leader_a", "handler_a", "officer_a", "sysadmin", "secadmin", "auditor")
# pages that change something or stream a file on GET are left out of the walk
SKIP = re.compile(r"/(logout|export|download|revoke|attachments?)/|\.xlsx|/api/")
# detail pages: the first few links of each shape are followed
DETAIL = re.compile(r"^/[a-z_]+/(?:[a-z_]+/)*\d+/(?:[a-z_]+/)?$")
PER_SHAPE = 2


def _plain_paths(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """The paths of every URL pattern without arguments (the API excluded)."""
    resolver = resolver or get_resolver()
    paths = []
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if "<" in route or "(?P" in route or route.startswith("api/"):
            continue
        if isinstance(entry, URLResolver):
            paths.extend(_plain_paths(entry, prefix + route))
        elif isinstance(entry, URLPattern):
            paths.append("/" + prefix + route.lstrip("^").rstrip("$"))
    return sorted(set(paths))


def _demo_records(city: Any) -> None:
    """One record of each kind so that the lists link to detail pages."""
    clue_testing.register(city)
    from zhengdun.rectification.tests.helpers import make_problem

    make_problem(city)
    from zhengdun.selfreports.tests import helpers as sr

    campaign = sr.open_campaign(city)
    sr.file(city.officer_a, campaign, [sr.item()])  # 干警 file their own


def _leaks(body: str) -> list[str]:
    found = []
    for mark in LEAKS:
        at = body.find(mark)
        if at >= 0:
            found.append(body[max(0, at - 60) : at + 60])
    return found


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


@pytest.mark.django_db
def test_it_renders_no_template_source_on_any_page_for_any_role(city: Any) -> None:
    _demo_records(city)
    assert Entry.objects.exists()
    starts = [p for p in _plain_paths() if not SKIP.search(p)]
    assert "/clues/" in starts and "/audit/" in starts
    leaks: dict[str, list[str]] = {}
    shapes: set[str] = set()
    for role in ROLES:
        client = Client()
        client.force_login(city.users[role])
        queue, seen = list(starts), set()
        per_shape: dict[str, int] = defaultdict(int)
        while queue:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            response = client.get(path)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            body = response.content.decode()
            if found := _leaks(body):
                leaks[f"{role} {path}"] = found
            for href in re.findall(r'href="([^"#?]+)"', body):
                href = urlsplit(href).path
                if DETAIL.match(href) and not SKIP.search(href) and href not in seen:
                    shape = _shape(href)
                    if per_shape[shape] < PER_SHAPE:
                        per_shape[shape] += 1
                        shapes.add(shape)
                        queue.append(href)
    assert not leaks, leaks
    # the walk did reach the detail pages: a clue (and so its printed 办理单), an audit entry, …
    expected = {
        "/clues/N/",
        "/audit/N/",
        "/rectification/problems/N/",
        "/selfreports/N/",
        "/org/people/N/",
        "/org/units/N/",
        "/accounts/users/N/",
    }
    assert expected <= shapes, shapes


@pytest.mark.django_db
def test_it_shows_no_developer_comment_on_the_clue_page_or_its_printed_form(city: Any) -> None:
    clue = clue_testing.register(city)
    client = Client()
    client.force_login(city.office_handler)
    body = client.get(f"/clues/{clue.pk}/").content.decode()
    assert "问题线索办理单" in body
    assert "Refusals" not in body and "{#" not in body
