"""Shared pieces of the detail-page tests: fetching the page as a user, reading which actions
it offers, and clues in each state of the lifecycle."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from zhengdun.accounts.models import RoleAssignment, User
from zhengdun.accounts.roles import Role
from zhengdun.clues import actions
from zhengdun.clues import testing as ct
from zhengdun.clues.models import Clue, Disposition, Status, Transfer
from zhengdun.core.testing import City, make_user

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """build_city() creates nine users; the production hasher spends seconds on each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def detail_url(clue: Clue) -> str:
    return f"/clues/{clue.pk}/"


def action_url(clue: Clue, name: str) -> str:
    return f"/clues/{clue.pk}/do/{name}/"


def subject_url(subject: Any, name: str) -> str:
    return f"/clues/subjects/{subject.pk}/{name}/"


def toolbar(html: str) -> set[str]:
    """The actions offered in the header band's action bar."""
    match = re.search(r'role="toolbar"[^>]*>(.*?)</div>', html, re.S)
    assert match, "the page has no action bar"
    return set(re.findall(r'data-action="([a-z_]+)"', match.group(1)))


def offered(html: str) -> set[str]:
    """Every action the page offers anywhere (bar, subject cards, panels)."""
    return set(re.findall(r'data-action="([a-z_]+)"', html))


def recused_user(city: City) -> User:
    """An office handler who is also the subject (张明) of the usual test clue."""
    return make_user(
        "zhangming", city.court_a, (Role.OFFICE_HANDLER, city.city), person=city.people["judge_a"]
    )


def grant(user: User, role: str, unit: Any) -> None:
    RoleAssignment.objects.create(user=user, role=role, unit=unit)
    if hasattr(user, "_zd_grants"):
        del user._zd_grants


def clue_in(city: City, status: str, **kw: Any) -> Clue:
    """A clue brought to the given status by the right users."""
    if status == Status.ON_HOLD:
        clue = ct.walk(
            city, ct.register(city, **kw), Status.DISPOSITION_PENDING, disposition=Disposition.HOLD
        )
        actions.approve_disposition(city.leader_a, clue, comment="暂存")
        clue.refresh_from_db()
        return clue
    if status == Status.TRANSFERRED:
        clue = ct.register(city, **kw)
        actions.transfer_clue(
            city.office_handler,
            clue,
            target=Transfer.Target.DISCIPLINE,
            receiver="市纪委监委",
            reason="涉嫌职务违法",
        )
        clue.refresh_from_db()
        return clue
    if status == Status.MERGED:
        first = ct.register(city, **kw)
        clue = ct.register(city, **kw)
        actions.merge_clue(city.office_handler, clue, into=first, reason="重复举报")
        clue.refresh_from_db()
        return clue
    return ct.walk(city, ct.register(city, **kw), status)


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)
