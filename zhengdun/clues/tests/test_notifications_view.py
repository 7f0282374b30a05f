"""我的提醒: the deadline scan's notifications, only about clues the user may still see, marked
read one at a time or all at once, never someone else's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhengdun.clues import actions, deadlines
from zhengdun.clues import testing as ct
from zhengdun.clues.models import Clue, ClueViewer, Notification, Sensitivity
from zhengdun.core.testing import PASSWORD, City

URL = "/clues/notifications/"
READ = "/clues/notifications/read/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _client(city: City, name: str) -> Client:
    client = Client()
    assert client.login(username=city.users[name].username, password=PASSWORD)
    return client


@pytest.fixture
def overdue(city: City) -> Clue:
    """An overdue clue at court A, scanned: handler_a and leader_a have a reminder each."""
    clue = ct.register(city)
    actions.assign_clue(city.office_handler, clue, unit=city.court_a, handler=city.handler_a)
    Clue.objects.filter(pk=clue.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    assert deadlines.scan() == 2
    clue.refresh_from_db()
    return clue


def test_it_lists_the_users_reminders_with_a_link(city: City, overdue: Clue) -> None:
    response = _client(city, "handler_a").get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"线索{overdue.number}已逾期" in html
    assert reverse("clues:detail", args=[overdue.pk]) in html
    assert '<span class="badge red">逾期</span>' in html
    assert "未读 1 条" in html


def test_it_shows_nobody_elses_reminders(city: City, overdue: Clue) -> None:
    for name in ("handler_b", "office_handler", "outsider", "auditor"):
        response = _client(city, name).get(URL)
        assert response.status_code == 200, name
        assert response.context["page"].rows == [], name
        assert overdue.number not in response.content.decode()


def test_it_hides_reminders_about_clues_no_longer_visible(city: City, overdue: Clue) -> None:
    Clue.objects.filter(pk=overdue.pk).update(sensitivity=Sensitivity.IMPORTANT)
    ClueViewer.objects.create(clue=overdue, user=city.leader_a)
    assert _client(city, "handler_a").get(URL).context["page"].rows == []
    assert len(_client(city, "leader_a").get(URL).context["page"].rows) == 1


def test_it_marks_one_reminder_read(city: City, overdue: Clue) -> None:
    client = _client(city, "handler_a")
    note = Notification.objects.get(user=city.handler_a)
    response = client.post(READ, {"id": note.pk})
    assert response.status_code == 302 and response["Location"] == URL
    note.refresh_from_db()
    assert note.read_at is not None
    assert "未读 0 条" in client.get(URL).content.decode()
    # the leader's copy is untouched
    assert Notification.objects.get(user=city.leader_a).read_at is None


def test_it_does_not_mark_someone_elses_reminder(city: City, overdue: Clue) -> None:
    leaders = Notification.objects.get(user=city.leader_a)
    response = _client(city, "handler_a").post(READ, {"id": leaders.pk})
    assert response.status_code == 302
    leaders.refresh_from_db()
    assert leaders.read_at is None


def test_it_marks_all_read_and_filters_unread(city: City, overdue: Clue) -> None:
    other = ct.register(city, summary="反映张明另一问题")
    actions.assign_clue(city.office_handler, other, unit=city.court_a, handler=city.handler_a)
    Clue.objects.filter(pk=other.pk).update(deadline=timezone.localdate())
    deadlines.scan()
    client = _client(city, "handler_a")
    assert len(client.get(URL, {"show": "unread"}).context["page"].rows) == 2
    client.post(READ, {"all": "1"})
    assert not Notification.objects.filter(user=city.handler_a, read_at__isnull=True).exists()
    assert client.get(URL, {"show": "unread"}).context["page"].rows == []
    assert len(client.get(URL).context["page"].rows) == 2
    assert Notification.objects.get(user=city.leader_a, clue=overdue).read_at is None


def test_it_refuses_get_and_junk_on_the_read_endpoint(city: City, overdue: Clue) -> None:
    client = _client(city, "handler_a")
    assert client.get(READ).status_code == 405
    assert client.post(READ, {"id": "abc"}).status_code == 302
    assert Notification.objects.get(user=city.handler_a).read_at is None
    assert Client().post(READ, {"all": "1"}).status_code == 302  # to the login page
    assert Notification.objects.get(user=city.handler_a).read_at is None
