"""Shared pieces of the self-report tests: an open campaign in the test city, item values as the
pages post them, filing a report in one call, and signed-in clients."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from zhengdun.accounts.models import User
from zhengdun.accounts.roles import Role
from zhengdun.clues.models import Category
from zhengdun.core.testing import City, make_user
from zhengdun.selfreports import actions
from zhengdun.selfreports.models import Campaign, SelfReport

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """build_city() creates nine users; the production hasher spends seconds on each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(name="campaign")
def campaign_fixture(city: City) -> Campaign:
    """The active campaign, its window open since ten days and for ten more."""
    return open_campaign(city)


def open_campaign(
    city: City,
    *,
    name: str = "2021年全市政法队伍教育整顿",
    opens: dt.datetime | None = None,
    closes: dt.datetime | None = None,
    activate: bool = True,
) -> Campaign:
    now = timezone.now()
    made = actions.create_campaign(
        city.office_handler,
        name=name,
        unit=city.city,
        report_opens_at=opens or now - dt.timedelta(days=10),
        report_closes_at=closes or now + dt.timedelta(days=10),
    )
    return actions.activate_campaign(city.office_handler, made) if activate else made


def category(code: str) -> Category:
    return Category.objects.get(code=code)


def item(
    code: str = "GJ1", description: str = "2019年曾为朋友之子的案件向承办人打听案情", **extra: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {"category": category(code).pk, "description": description}
    if code == "GJ2":
        values["gj2_subtype"] = "self"
    values.update(extra)
    return values


def file(
    user: User,
    campaign: Campaign,
    items: list[dict[str, Any]],
    *,
    person: Any = None,
    declares_nothing: bool = False,
) -> SelfReport:
    """Start, save and submit a report in one go (own when person is None)."""
    report = actions.start_draft(user, campaign=campaign, person=person)
    actions.save_draft(user, report, items=items, declares_nothing=declares_nothing)
    return actions.submit(user, report)


def judge_with_account(city: City) -> User:
    """A unit handler of 甲县人民法院 who is also on its roster (张明): files and is reviewed."""
    return make_user(
        "zhangming", city.court_a, (Role.UNIT_HANDLER, city.court_a), person=city.people["judge_a"]
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
