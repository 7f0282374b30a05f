"""基础设置: reference lists are the office's to change, audited, with field-named errors."""

import pytest
from django.urls import reverse

from zhengdun.audit.models import Entry
from zhengdun.clues import deadlines
from zhengdun.clues.models import Category, Channel, DeadlineRule
from zhengdun.core.testing import PASSWORD


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.mark.django_db
def test_it_lets_only_the_office_open_the_settings(client, city):
    for user, status in [
        (city.office_handler, 200),
        (city.handler_a, 403),
        (city.leader_a, 403),
        (city.sysadmin, 403),
    ]:
        client.logout()
        login(client, user)
        assert client.get(reverse("clues:settings")).status_code == status, user.username


@pytest.mark.django_db
def test_it_adds_a_channel_and_audits_it(client, city):
    login(client, city.office_handler)
    response = client.post(
        reverse("clues:settings"), {"form": "channel", "code": "12389", "name": "12389举报"}
    )
    assert response.status_code == 302
    channel = Channel.objects.get(code="12389")
    assert Entry.objects.filter(action="channel.created", object_id=str(channel.pk)).exists()


@pytest.mark.django_db
def test_it_refuses_a_duplicate_code_and_keeps_the_input(client, city):
    login(client, city.office_handler)
    response = client.post(
        reverse("clues:settings"), {"form": "channel", "code": "12337", "name": "重复的来源"}
    )
    assert response.status_code == 200
    assert "代码“12337”已存在" in response.content.decode()
    assert 'value="重复的来源"' in response.content.decode()
    assert Channel.objects.filter(code="12337").count() == 1


@pytest.mark.django_db
def test_it_adds_a_local_category_and_never_disables_a_national_one(client, city):
    login(client, city.office_handler)
    client.post(
        reverse("clues:settings"),
        {"form": "category", "unit": city.county_a.pk, "code": "JX01", "name": "受案立案不及时"},
    )
    local = Category.objects.get(code="JX01")
    assert local.unit == city.county_a and not local.is_national
    gj1 = Category.objects.get(code="GJ1")
    client.post(reverse("clues:settings_toggle", args=["category", gj1.pk]))
    gj1.refresh_from_db()
    assert gj1.is_active


@pytest.mark.django_db
def test_a_rule_changes_the_deadline_given_at_assignment(client, city):
    login(client, city.office_handler)
    letter = Channel.objects.get(code="letter")
    response = client.post(
        reverse("clues:settings"),
        {"form": "rule", "channel": letter.pk, "category": "", "days": "10", "working_days": "0"},
    )
    assert response.status_code == 302
    assert DeadlineRule.objects.get(channel=letter, category=None).days == 10
    import datetime as dt

    start = dt.date(2024, 3, 4)
    assert deadlines.handling_deadline(letter, [], start) == start + dt.timedelta(days=10)


@pytest.mark.django_db
def test_it_refuses_a_rule_with_bad_days(client, city):
    login(client, city.office_handler)
    for days in ["abc", "0", "400"]:
        response = client.post(
            reverse("clues:settings"), {"form": "rule", "channel": "", "category": "", "days": days}
        )
        assert response.status_code == 200
        assert "办理时限" in response.content.decode()
    assert DeadlineRule.objects.get(channel=None, category=None).days == 30


@pytest.mark.django_db
def test_the_default_rule_cannot_be_deleted(client, city):
    login(client, city.office_handler)
    default = DeadlineRule.objects.get(channel=None, category=None)
    client.post(reverse("clues:settings_rule_delete", args=[default.pk]))
    assert DeadlineRule.objects.filter(pk=default.pk).exists()
