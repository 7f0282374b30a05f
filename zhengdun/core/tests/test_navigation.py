"""The menu (core.context_processors.NAVIGATION): 基础设置 and 工作日历 for those who may use them,
接口令牌 only for the roles whose work the API serves (not 干警, not the 审计管理员)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

# role -> (基础设置, 工作日历, 接口令牌) shown in its menu
EXPECTED = {
    "office_handler": (True, True, True),
    "leader_a": (False, False, True),
    "handler_a": (False, False, True),
    "officer_a": (False, False, False),
    "sysadmin": (False, True, True),
    "secadmin": (False, False, True),
    "auditor": (False, False, False),
    "outsider": (False, False, False),
}


def _menu(city: Any, who: str) -> str:
    client = Client()
    client.force_login(city.users[who])
    body = client.get("/").content.decode()
    return body.split('class="sidenav"', 1)[1].split("</nav>", 1)[0]


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "shown"), EXPECTED.items())
def test_it_links_settings_calendar_and_tokens_for_those_who_use_them(
    city: Any, who: str, shown: tuple[bool, bool, bool]
) -> None:
    menu = _menu(city, who)
    assert ('href="/clues/settings/"' in menu) is shown[0]
    assert ('href="/calendar/"' in menu) is shown[1]
    assert ('href="/accounts/tokens/"' in menu) is shown[2]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["office_handler", "sysadmin"])
def test_it_opens_the_linked_pages(city: Any, who: str) -> None:
    client = Client()
    client.force_login(city.users[who])
    for url in ("/clues/settings/", "/calendar/"):
        if f'href="{url}"' in _menu(city, who):
            response = client.get(url)
            assert response.status_code == 200, url
            assert 'class="active"' in response.content.decode()


@pytest.mark.django_db
def test_it_lights_only_the_settings_entry_on_the_settings_page(city: Any) -> None:
    client = Client()
    client.force_login(city.office_handler)
    body = client.get("/clues/settings/").content.decode()
    assert body.count('class="active"') == 1
    assert '<a href="/clues/settings/" class="active">基础设置</a>' in body
