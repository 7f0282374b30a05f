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


# --- unit-aware configuration: a county office changes its own local items, never the city's ---


@pytest.fixture
def county_office(city):
    from zhengdun.accounts.roles import Role
    from zhengdun.core.testing import make_user

    return make_user("county_office_a", city.county_a, (Role.OFFICE_HANDLER, city.county_a))


@pytest.fixture
def local_b(city):
    from zhengdun.clues.configuration import add_local_category

    return add_local_category(city.office_handler, unit=city.county_b, code="YX01", name="乙县本地问题")


@pytest.mark.django_db
def test_a_county_office_cannot_switch_another_countys_category(client, city, county_office, local_b):
    login(client, county_office)
    before = Entry.objects.count()
    response = client.post(reverse("clues:settings_toggle", args=["category", local_b.pk]))
    assert response.status_code == 403
    local_b.refresh_from_db()
    assert local_b.is_active
    assert Entry.objects.count() == before


@pytest.mark.django_db
def test_a_county_office_switches_its_own_category_and_it_is_audited(client, city, county_office):
    from zhengdun.clues.configuration import add_local_category

    own = add_local_category(county_office, unit=city.court_a, code="JX02", name="甲县本地问题")
    login(client, county_office)
    assert client.post(reverse("clues:settings_toggle", args=["category", own.pk])).status_code == 302
    own.refresh_from_db()
    assert not own.is_active
    assert Entry.objects.filter(action="category.disabled", object_id=str(own.pk)).exists()


@pytest.mark.django_db
def test_a_county_office_cannot_add_a_category_for_another_county(client, city, county_office):
    login(client, county_office)
    response = client.post(
        reverse("clues:settings"),
        {"form": "category", "unit": city.county_b.pk, "code": "YX09", "name": "越权类别"},
    )
    assert response.status_code == 200
    assert "请选择设立单位" in response.content.decode()
    assert not Category.objects.filter(code="YX09").exists()


@pytest.mark.django_db
def test_a_county_office_cannot_touch_city_wide_lists(client, city, county_office):
    login(client, county_office)
    letter = Channel.objects.get(code="letter")
    default = DeadlineRule.objects.get(channel=None, category=None)
    rule = DeadlineRule.objects.get(channel__code="12337", category=None)
    gj_other = Category.objects.get(code="OTHER")  # city-wide: no unit
    before = Entry.objects.count()
    attempts = [
        (reverse("clues:settings"), {"form": "rule", "channel": "", "category": "", "days": "3"}),
        (reverse("clues:settings"), {"form": "channel", "code": "x1", "name": "县里的来源"}),
        (reverse("clues:settings_toggle", args=["channel", letter.pk]), {}),
        (reverse("clues:settings_toggle", args=["category", gj_other.pk]), {}),
        (reverse("clues:settings_rule_delete", args=[rule.pk]), {}),
    ]
    for url, data in attempts:
        assert client.post(url, data).status_code == 403, (url, data)
    default.refresh_from_db()
    letter.refresh_from_db()
    gj_other.refresh_from_db()
    assert default.days == 30 and letter.is_active and gj_other.is_active
    assert DeadlineRule.objects.filter(pk=rule.pk).exists()
    assert not Channel.objects.filter(code="x1").exists()
    assert Entry.objects.count() == before
    # the page opens, read-only for the city-wide parts
    body = client.get(reverse("clues:settings")).content.decode()
    assert "由市级教育整顿办统一设置" in body
    assert "保存规则" not in body and "新增来源" not in body


@pytest.mark.django_db
def test_the_city_office_changes_city_wide_rules_and_any_countys_category(client, city, local_b):
    login(client, city.office_handler)
    response = client.post(
        reverse("clues:settings"),
        {"form": "rule", "channel": "", "category": "", "days": "20", "working_days": "1"},
    )
    assert response.status_code == 302
    assert DeadlineRule.objects.get(channel=None, category=None).days == 20
    assert Entry.objects.filter(action="deadline_rule.set").exists()
    assert client.post(reverse("clues:settings_toggle", args=["category", local_b.pk])).status_code == 302
    local_b.refresh_from_db()
    assert not local_b.is_active


@pytest.mark.django_db
def test_the_settings_page_shows_chinese_names_and_codes_only_as_secondary_text(client, city):
    import re

    login(client, city.office_handler)
    body = client.get(reverse("clues:settings")).content.decode()
    assert "来信" in body and "明察暗访" in body and "其他违纪违法问题" in body
    # every code a user sees sits beside its Chinese name in a secondary span, never on its own
    cells = re.findall(
        r"<td>([^<]*)<span class=\"muted code\"[^>]*>(?:接口代码 )?([A-Za-z0-9_-]+)</span>", body
    )
    codes = {code for _, code in cells}
    assert {"letter", "visit", "undercover", "OTHER"} <= codes
    assert all(name.strip() for name, _ in cells)
    assert "<td>letter</td>" not in body and "<td>OTHER</td>" not in body
