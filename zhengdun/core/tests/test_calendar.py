"""工作日历: overrides beat the library, are audited, and bad dates are refused by name."""

import datetime as dt

import pytest
from django.urls import reverse

from zhengdun.audit.models import Entry
from zhengdun.core import workdays
from zhengdun.core.models import CalendarOverride
from zhengdun.core.testing import PASSWORD


@pytest.mark.django_db
def test_only_office_and_sysadmin_edit_the_calendar(client, city):
    for user, status in [
        (city.office_handler, 200),
        (city.sysadmin, 200),
        (city.handler_a, 403),
        (city.auditor, 403),
        (city.outsider, 403),
    ]:
        client.logout()
        client.login(username=user.username, password=PASSWORD)
        assert client.get(reverse("core:calendar") + "?year=2024").status_code == status, user.username


@pytest.mark.django_db
def test_an_override_changes_working_day_arithmetic(client, city):
    client.login(username=city.office_handler.username, password=PASSWORD)
    saturday = dt.date(2030, 6, 1)
    assert not workdays.is_workday(saturday)
    response = client.post(
        reverse("core:calendar"), {"day": "2030年6月1日", "is_workday": "1", "note": "调休上班"}
    )
    assert response.status_code == 302
    workdays.forget_overrides()
    assert workdays.is_workday(saturday)
    assert workdays.add_workdays(dt.date(2030, 5, 31), 1) == saturday
    assert Entry.objects.filter(action="calendar.day_set").exists()
    row = CalendarOverride.objects.get(day=saturday)
    client.post(reverse("core:calendar") + "?year=2030", {"clear": row.pk})
    workdays.forget_overrides()
    assert not workdays.is_workday(saturday)


@pytest.mark.django_db
def test_a_bad_date_is_refused_with_the_input_kept(client, city):
    client.login(username=city.office_handler.username, password=PASSWORD)
    response = client.post(
        reverse("core:calendar"), {"day": "2030-02-30", "is_workday": "1", "note": "<b>x</b>"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "日期：" in body
    assert 'value="2030-02-30"' in body
    assert "&lt;b&gt;x&lt;/b&gt;" in body
    assert not CalendarOverride.objects.exists()


@pytest.mark.django_db
def test_the_page_lists_the_library_holidays_in_chinese(client, city):
    client.login(username=city.office_handler.username, password=PASSWORD)
    body = client.get(reverse("core:calendar") + "?year=2024").content.decode()
    assert "春节" in body and "国庆节" in body
    assert "2024-02-04" in body  # a Sunday worked in exchange for the Spring Festival


@pytest.mark.django_db
def test_a_county_office_may_not_edit_the_city_wide_calendar(client, city):
    from django.core.exceptions import PermissionDenied

    from zhengdun.accounts.roles import Role
    from zhengdun.core import actions
    from zhengdun.core.testing import make_user

    county = make_user("county_office_a", city.county_a, (Role.OFFICE_HANDLER, city.county_a))
    client.login(username=county.username, password=PASSWORD)
    before = Entry.objects.count()
    assert client.get(reverse("core:calendar") + "?year=2030").status_code == 403
    response = client.post(reverse("core:calendar"), {"day": "2030-06-01", "is_workday": "1"})
    assert response.status_code == 403
    row = actions.set_calendar_day(city.office_handler, day=dt.date(2030, 6, 2), is_workday=True)
    assert client.post(reverse("core:calendar"), {"clear": row.pk}).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.set_calendar_day(county, day=dt.date(2030, 6, 1), is_workday=True)
    with pytest.raises(PermissionDenied):
        actions.clear_calendar_day(county, row)
    assert list(CalendarOverride.objects.values_list("day", flat=True)) == [dt.date(2030, 6, 2)]
    assert Entry.objects.count() == before + 1  # only the city office's change
