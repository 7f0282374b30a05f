"""我的提醒 pages through core.listing, the one pager: a page past the end shows the last page,
a page number that is not one shows the first, and the page knows how many reminders there are."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from zhengdun.clues import actions, deadlines
from zhengdun.clues import testing as ct
from zhengdun.clues.models import Clue, Notification
from zhengdun.core.listing import PAGE_SIZE, ListPage
from zhengdun.core.testing import PASSWORD, City

URL = "/clues/notifications/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def many(city: City) -> int:
    """handler_a holds one reminder more than a page: one real, the rest copies at other deadlines."""
    clue = ct.register(city)
    actions.assign_clue(city.office_handler, clue, unit=city.court_a, handler=city.handler_a)
    Clue.objects.filter(pk=clue.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    deadlines.scan()
    first = Notification.objects.get(user=city.handler_a)
    Notification.objects.bulk_create(
        Notification(
            user=city.handler_a,
            clue=clue,
            kind=first.kind,
            deadline=first.deadline - dt.timedelta(days=i),
            message=first.message,
        )
        for i in range(1, PAGE_SIZE + 1)
    )
    return PAGE_SIZE + 1


def _client(city: City) -> Client:
    client = Client()
    assert client.login(username=city.handler_a.username, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    ("asked", "shown", "rows"), [("1", 1, PAGE_SIZE), ("2", 2, 1), ("99", 2, 1), ("x", 1, PAGE_SIZE)]
)
def test_it_pages_reminders_by_the_one_pager(
    city: City, many: int, asked: str, shown: int, rows: int
) -> None:
    response = _client(city).get(URL, {"page": asked})
    assert response.status_code == 200
    page = response.context["page"]
    assert isinstance(page, ListPage)
    assert (page.number, len(page.rows), page.count) == (shown, rows, many)
    assert page.has_previous == (shown > 1)
    assert page.has_next == (shown == 1)
