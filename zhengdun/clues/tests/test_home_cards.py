"""线索办理 on the home page and in the navigation: each role's to-do cards count what the
ledger shows when the card is followed, and the menu shows only what the user may open."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from zhengdun.clues import actions
from zhengdun.clues import testing as ct
from zhengdun.clues.hooks import clue_cards
from zhengdun.clues.models import Clue, Status
from zhengdun.core.testing import PASSWORD, City


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _client(city: City, name: str) -> Client:
    client = Client()
    assert client.login(username=city.users[name].username, password=PASSWORD)
    return client


@pytest.fixture
def work(city: City) -> dict[str, Clue]:
    today = timezone.localdate()
    registered = ct.register(city, summary="待交办的线索")
    assigned = ct.register(city, summary="已交办的线索")
    actions.assign_clue(city.office_handler, assigned, unit=city.court_a, handler=city.handler_a)
    Clue.objects.filter(pk=assigned.pk).update(deadline=today - dt.timedelta(days=1))
    pending = ct.register(city, summary="待审批的线索")
    ct.walk(city, pending, Status.DISPOSITION_PENDING)
    Clue.objects.filter(pk=pending.pk).update(deadline=today)
    return {"registered": registered, "assigned": assigned, "pending": pending}


def _cards(city: City, name: str) -> dict[str, Any]:
    return {c.label: c for c in clue_cards(city.users[name])}


def _followed(client: Client, url: str) -> set[str]:
    return {c.number for c in client.get(url).context["page"].rows}


def test_it_gives_the_office_its_cards(city: City, work: dict[str, Clue]) -> None:
    cards = _cards(city, "office_handler")
    assert cards["待交办线索"].value == 1
    assert "待办理线索" not in cards and "待审批事项" not in cards
    assert cards["逾期线索"].value == 1 and cards["逾期线索"].tone == "red"
    assert cards["临期线索"].value == 1 and cards["临期线索"].tone == "yellow"
    client = _client(city, "office_handler")
    assert _followed(client, cards["待交办线索"].url) == {work["registered"].number}
    assert _followed(client, cards["逾期线索"].url) == {work["assigned"].number}
    assert _followed(client, cards["临期线索"].url) == {work["pending"].number}


def test_it_gives_the_handler_its_cards(city: City, work: dict[str, Clue]) -> None:
    cards = _cards(city, "handler_a")
    assert cards["待办理线索"].value == 1 and "待交办线索" not in cards
    client = _client(city, "handler_a")
    assert _followed(client, cards["待办理线索"].url) == {work["assigned"].number}
    assert _cards(city, "handler_b")["待办理线索"].value == 0
    assert _cards(city, "handler_b")["逾期线索"].tone == ""


def test_it_gives_the_leader_its_cards(city: City, work: dict[str, Clue]) -> None:
    cards = _cards(city, "leader_a")
    assert cards["待审批事项"].value == 1
    client = _client(city, "leader_a")
    assert _followed(client, cards["待审批事项"].url) == {work["pending"].number}


@pytest.mark.parametrize("name", ["officer_a", "outsider", "sysadmin", "auditor"])
def test_it_gives_no_clue_cards_without_clue_access(city: City, work: dict[str, Clue], name: str) -> None:
    assert clue_cards(city.users[name]) == []


def test_it_shows_the_cards_and_menu_on_the_home_page(city: City, work: dict[str, Clue]) -> None:
    html = _client(city, "office_handler").get("/").content.decode()
    assert "待交办线索" in html and "逾期线索" in html
    assert "线索台账" in html and "登记线索" in html and "我的提醒" in html
    handler = _client(city, "handler_a").get("/").content.decode()
    assert "线索台账" in handler and "登记线索" not in handler
    outsider = _client(city, "outsider").get("/").content.decode()
    # reminders only ever reach those who may see a clue: nobody else gets the menu entry
    assert "线索台账" not in outsider and "我的提醒" not in outsider
    for name in ("officer_a", "sysadmin", "auditor"):
        assert "我的提醒" not in _client(city, name).get("/").content.decode()


def test_it_highlights_only_the_page_in_the_menu(city: City) -> None:
    response = _client(city, "office_handler").get("/clues/new/")
    items = [i for g in response.context["nav"]["groups"] for i in g["items"] if i["active"]]
    assert [i["label"] for i in items] == ["登记线索"]


def test_it_caps_the_counts(city: City, work: dict[str, Clue], settings: Any) -> None:

    ct.register(city, summary="又一条待交办的线索")
    settings.LIST_COUNT_CAP = 1
    card = _cards(city, "office_handler")["待交办线索"]
    assert (card.value, card.unit) == (1, "条以上")
    assert (_cards(city, "office_handler")["逾期线索"].unit) == "条"
