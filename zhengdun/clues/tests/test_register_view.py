"""The registration page (登记线索): the form, its subject rows, the roster search, and every
refusal keeping what was typed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhengdun.accounts.roles import Role
from zhengdun.clues import testing as ct
from zhengdun.clues.models import Clue, ClueViewer, Sensitivity
from zhengdun.core.testing import PASSWORD, City, make_person, make_user

URL = "/clues/new/"
SEARCH = "/clues/people/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _client(city: City, name: str) -> Client:
    client = Client()
    assert client.login(username=city.users[name].username, password=PASSWORD)
    return client


def _post(city: City, **overrides: Any) -> dict[str, Any]:
    """A complete, valid submission: one roster subject and one free-text subject."""
    data: dict[str, Any] = {
        "op": "save",
        "owner_unit": city.office.pk,
        "channel": ct.channel("12337").pk,
        "received_on": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "external_ref": "12337-2021-0001",
        "reporting_mode": "real_name",
        "reporter_name": "周举报",
        "reporter_phone": "13800000000",
        "reporter_id_number": "",
        "reporter_address": "",
        "categories": [ct.category("GJ2").pk, ct.category("GJ3").pk],
        "summary": "反映甲县法院张明违规经商办企业",
        "content": "张明的配偶经营茶楼。",
        "sensitivity": "normal",
        "s-count": "2",
        "s-0-person": str(city.people["judge_a"].pk),
        "s-1-name": "陈某",
        "s-1-unit": "甲县人民法院",
        "s-1-position": "书记员",
    }
    data.update(overrides)
    return data


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["handler_a", "handler_b", "leader_a", "officer_a", "outsider", "sysadmin"])
def test_it_refuses_users_who_may_not_register(city: City, name: str) -> None:
    client = _client(city, name)
    assert client.get(URL).status_code == 403
    assert client.post(URL, _post(city)).status_code == 403
    assert Clue.objects.count() == 0


def test_it_shows_the_form_with_defaults(city: City) -> None:
    response = _client(city, "office_handler").get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["owner_unit"] == city.office.pk
    assert form.initial["received_on"] == timezone.localdate()
    html = response.content.decode()
    assert timezone.localdate().isoformat() in html
    assert 'name="s-0-q"' in html and 'name="s-count" value="1"' in html


def test_it_defaults_to_the_nearest_unit_with_the_right(city: City) -> None:
    # an inspector living in the station, granted on the county: the county is the nearest
    inspector = make_user("insp", city.station_a, (Role.INSPECTOR, city.county_a))
    client = Client()
    client.force_login(inspector)
    form = client.get(URL).context["form"]
    assert form.initial["owner_unit"] == city.station_a.pk
    choices = {u.pk for u in form.fields["owner_unit"].queryset}
    assert city.county_a.pk in choices and city.court_b.pk not in choices


# --- success -------------------------------------------------------------------------------------


def test_it_registers_and_redirects_to_the_clue(city: City) -> None:
    response = _client(city, "office_handler").post(URL, _post(city))
    clue = Clue.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clues:detail", args=[clue.pk])
    assert clue.owner_unit == city.office and clue.external_ref == "12337-2021-0001"
    assert clue.reporter()["name"] == "周举报" and clue.reporter_reachable
    assert {c.code for c in clue.categories.all()} == {"GJ2", "GJ3"}
    subjects = list(clue.subjects.order_by("id"))
    assert subjects[0].person == city.people["judge_a"] and subjects[0].name == "张明"
    assert (subjects[1].person, subjects[1].name, subjects[1].unit_text, subjects[1].position) == (
        None,
        "陈某",
        "甲县人民法院",
        "书记员",
    )


@pytest.mark.parametrize("typed", ["2021.6.2", "2021年6月2日", "２０２１－０６－０２", "2021/06/02"])
def test_it_accepts_dates_as_people_type_them(city: City, typed: str) -> None:
    response = _client(city, "office_handler").post(URL, _post(city, received_on=typed))
    assert response.status_code == 302
    assert Clue.objects.get().received_on == dt.date(2021, 6, 2)


def test_it_registers_an_anonymous_report_without_reporter(city: City) -> None:
    data = _post(city, reporting_mode="anonymous", reporter_name="", reporter_phone="")
    assert _client(city, "office_handler").post(URL, data).status_code == 302
    clue = Clue.objects.get()
    assert clue.reporter_cipher == "" and not clue.reporter_reachable


def test_it_names_viewers_of_an_important_clue(city: City) -> None:
    client = _client(city, "office_handler")
    candidates = {u.username for u in client.get(URL).context["form"].fields["viewers"].queryset}
    assert {"leader_a", "handler_a", "handler_b"} <= candidates
    assert not candidates & {"office", "officer_a", "outsider", "sysadmin", "auditor"}
    data = _post(city, sensitivity="important", viewers=[city.leader_a.pk])
    assert client.post(URL, data).status_code == 302
    clue = Clue.objects.get()
    assert clue.sensitivity == Sensitivity.IMPORTANT
    assert set(ClueViewer.objects.filter(clue=clue).values_list("user__username", flat=True)) == {
        "office",
        "leader_a",
    }


# --- refusals keep the input ---------------------------------------------------------------------


def _refused(response: Any) -> str:
    assert response.status_code == 200
    assert Clue.objects.filter(summary__contains="经商").count() <= 1
    html = response.content.decode()
    # everything typed is still there, subject rows included
    assert 'value="反映甲县法院张明违规经商办企业"' in html
    assert "张明的配偶经营茶楼。" in html
    assert 'name="s-1-name" value="陈某"' in html and 'value="书记员"' in html
    return html


def test_it_refuses_a_future_date(city: City) -> None:
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = _client(city, "office_handler").post(URL, _post(city, received_on=tomorrow))
    html = _refused(response)
    assert response.context["form"].errors["received_on"] == ["受理日期不能晚于今天"]
    assert f'value="{tomorrow}"' in html
    assert Clue.objects.count() == 0


def test_it_refuses_an_unreadable_date(city: City) -> None:
    response = _client(city, "office_handler").post(URL, _post(city, received_on="6月2日"))
    _refused(response)
    assert "无法识别" in response.context["form"].errors["received_on"][0]
    assert Clue.objects.count() == 0


def test_it_refuses_a_duplicate_external_reference(city: City) -> None:
    existing = ct.register(city, channel=ct.channel("12337"), external_ref="12337-2021-0001")
    response = _client(city, "office_handler").post(URL, _post(city))
    html = _refused(response)
    message = response.context["form"].errors["external_ref"][0]
    assert existing.number in message and existing.number in html
    assert Clue.objects.count() == 1


def test_it_refuses_a_clue_without_subjects(city: City) -> None:
    data = _post(city, **{"s-count": "1", "s-0-person": "", "s-0-name": ""})
    response = _client(city, "office_handler").post(URL, data)
    assert response.status_code == 200
    assert response.context["subject_errors"] == ["请至少填写一名被反映人"]
    assert "请至少填写一名被反映人" in response.content.decode()
    assert 'value="反映甲县法院张明违规经商办企业"' in response.content.decode()
    assert Clue.objects.count() == 0


def test_it_refuses_a_subject_outside_the_registrars_reach(city: City) -> None:
    inspector = make_user("insp_b", city.court_b, (Role.INSPECTOR, city.county_b))
    client = Client()
    client.force_login(inspector)
    data = _post(city, owner_unit=city.court_b.pk)
    response = client.post(URL, data)
    html = _refused(response)
    assert "第1名被反映人不在您可管理的干警范围内" in response.context["subject_errors"][0]
    # the picked row is kept but the person's details are not revealed
    assert "所选干警不在您可查看的范围内" in html and city.people["judge_a"].police_no not in html
    assert Clue.objects.count() == 0


def test_it_refuses_an_owner_unit_outside_the_registrars_reach(city: City) -> None:
    inspector = make_user("insp_b2", city.court_b, (Role.INSPECTOR, city.county_b))
    client = Client()
    client.force_login(inspector)
    data = _post(city, owner_unit=city.court_a.pk, **{"s-count": "1", "s-0-person": ""})
    data["s-0-name"] = "某人"
    response = client.post(URL, data)
    assert response.status_code == 200 and "owner_unit" in response.context["form"].errors
    assert Clue.objects.count() == 0


def test_it_requires_the_reporters_name_for_a_real_name_report(city: City) -> None:
    response = _client(city, "office_handler").post(URL, _post(city, reporter_name=""))
    _refused(response)
    assert response.context["form"].errors["reporter_name"] == ["实名举报须填写举报人姓名"]
    assert 'value="13800000000"' in response.content.decode()
    assert Clue.objects.count() == 0


def test_it_refuses_a_missing_summary_and_an_overlong_one(city: City) -> None:
    client = _client(city, "office_handler")
    response = client.post(URL, _post(city, summary=""))
    assert "summary" in response.context["form"].errors
    response = client.post(URL, _post(city, summary="长" * 201))
    assert "summary" in response.context["form"].errors
    assert Clue.objects.count() == 0


def test_it_refuses_a_viewer_outside_the_candidates(city: City) -> None:
    data = _post(city, sensitivity="important", viewers=[city.outsider.pk])
    response = _client(city, "office_handler").post(URL, data)
    assert "viewers" in response.context["form"].errors
    assert Clue.objects.count() == 0


def test_it_stores_html_as_text_and_shows_it_inert(city: City) -> None:
    payload = '<img src=x onerror="alert(1)">反映问题'
    client = _client(city, "office_handler")
    assert client.post(URL, _post(city, summary=payload, **{"s-1-name": "<b>陈某</b>"})).status_code == 302
    assert Clue.objects.get().summary == payload
    html = client.get("/clues/").content.decode()
    assert "<img src=x" not in html and "<b>陈某</b>" not in html
    assert "&lt;img src=x onerror=" in html and "&lt;b&gt;陈某&lt;/b&gt;" in html


# --- subject rows without JavaScript, and with htmx ------------------------------------------------


def test_it_adds_and_removes_rows_keeping_the_input(city: City) -> None:
    client = _client(city, "office_handler")
    response = client.post(URL, _post(city, op="add"))
    assert response.status_code == 200 and Clue.objects.count() == 0
    rows = response.context["rows"].rows
    assert len(rows) == 3 and rows[0].person_id == city.people["judge_a"].pk
    html = response.content.decode()
    assert 'name="s-count" value="3"' in html and "张明" in html
    assert "未能登记" not in html  # a row button is not a failed save
    assert 'value="反映甲县法院张明违规经商办企业"' in html
    # removing the first row renumbers the rest
    response = client.post(URL, _post(city, op="remove:0"))
    rows = response.context["rows"].rows
    assert len(rows) == 1 and rows[0].index == 0 and rows[0].name == "陈某"


def test_it_picks_a_person_from_the_roster(city: City) -> None:
    client = _client(city, "office_handler")
    data = _post(city, op="find:1", **{"s-1-q": "李华"})
    response = client.post(URL, data)
    html = response.content.decode()
    judge_b = city.people["judge_b"]
    assert f'value="pick:1:{judge_b.pk}"' in html
    response = client.post(URL, _post(city, op=f"pick:1:{judge_b.pk}"))
    rows = response.context["rows"].rows
    assert rows[1].person == judge_b
    assert f'name="s-1-person" value="{judge_b.pk}"' in response.content.decode()
    # the pick can be undone and the free text typed before comes back
    data = _post(city, op="unpick:1", **{"s-1-person": str(judge_b.pk)})
    rows = client.post(URL, data).context["rows"].rows
    assert rows[1].person_id is None and rows[1].name == "陈某"


def test_it_swaps_only_the_rows_for_htmx(city: City) -> None:
    response = _client(city, "office_handler").post(URL, _post(city, op="add"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="subject-rows"' in html and "<form" not in html and 'name="summary"' not in html
    assert html.count('class="subject-row"') == 3


def test_it_searches_the_roster_within_reach(city: City) -> None:
    client = _client(city, "office_handler")
    response = client.get(SEARCH, {"row": "2", "s-2-q": "张明"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="pick:2:{city.people["judge_a"].pk}"' in html
    police_no = city.people["judge_b"].police_no
    assert (
        f'value="pick:0:{city.people["judge_b"].pk}"' in client.get(SEARCH, {"q": police_no}).content.decode()
    )
    assert "名册中没有找到" in client.get(SEARCH, {"q": "不存在的人"}).content.decode()
    # a county-B inspector does not find county A's judge
    inspector = make_user("insp_s", city.court_b, (Role.INSPECTOR, city.county_b))
    other = Client()
    other.force_login(inspector)
    assert 'value="pick:' not in other.get(SEARCH, {"q": "张明"}).content.decode()
    assert f'value="pick:0:{city.people["judge_b"].pk}"' in other.get(SEARCH, {"q": "李华"}).content.decode()


def test_it_limits_roster_matches_to_twenty(city: City) -> None:
    for _ in range(25):
        make_person(city.court_a, "王同名")
    html = _client(city, "office_handler").get(SEARCH, {"q": "王同名"}).content.decode()
    assert html.count('name="op"') == 20 and "仅显示前 20 名" in html


def test_it_needs_a_login_to_search(city: City) -> None:
    assert Client().get(SEARCH, {"q": "张明"}).status_code == 302
    assert 'value="pick:' not in _client(city, "outsider").get(SEARCH, {"q": "张明"}).content.decode()


def test_it_reports_every_problem_at_once_in_chinese(city: City) -> None:
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    data = _post(city, channel="", received_on=tomorrow, reporter_name="", summary="")
    response = _client(city, "office_handler").post(URL, data)
    errors = response.context["form"].errors
    assert errors["channel"] == ["请选择线索来源"]
    assert errors["received_on"] == ["受理日期不能晚于今天"]
    assert errors["reporter_name"] == ["实名举报须填写举报人姓名"]
    assert errors["summary"] == ["请填写反映问题摘要"]
    html = response.content.decode()
    assert "线索来源：请选择线索来源" in html and "This field" not in html
    assert Clue.objects.count() == 0


def test_it_keeps_checked_categories_and_viewers_across_row_buttons(city: City) -> None:
    data = _post(city, op="add", sensitivity="important", viewers=[city.leader_a.pk])
    html = _client(city, "office_handler").post(URL, data).content.decode()
    gj2 = ct.category("GJ2").pk
    assert re.search(rf'value="{gj2}"[^>]*checked', html)
    assert f'<option value="{city.leader_a.pk}" selected>' in html
    assert re.search(r'value="important"[^>]*checked', html)
