"""The roster pages: visibility per role, filters, the ID-number reveal, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from zhengdun.accounts.roles import Role
from zhengdun.audit.models import Entry
from zhengdun.core.testing import make_id_number, make_person, make_user
from zhengdun.org.models import Person, Posting

ALL_PEOPLE = {"张明", "李华", "王强", "赵书记"}

# role -> the names the roster shows (None: the roster is forbidden)
PERSON_VISIBILITY: dict[str, set[str] | None] = {
    "office_handler": ALL_PEOPLE,
    "leader_a": {"张明", "王强", "赵书记"},
    "handler_a": {"张明"},
    "handler_b": {"李华"},
    "officer_a": None,
    "outsider": None,
    "sysadmin": None,
    "secadmin": None,
    "auditor": None,
}

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def names(response) -> set[str]:
    return {p.name for p in response.context["page"].object_list}


def person_form_data(**overrides) -> dict:
    data = {
        "name": "孙立",
        "gender": "M",
        "id_number": make_id_number(901),
        "police_no": "A100901",
        "unit": "",
        "position": "科员",
        "rank": "一级警长",
        "is_party_member": "on",
        "started_on": "2021-06-02",
    }
    data.update(overrides)
    return data


def edit_data(person: Person, **overrides) -> dict:
    data = {
        "name": person.name,
        "gender": person.gender,
        "id_number": "",
        "police_no": person.police_no,
        "unit": person.unit_id,
        "position": person.position,
        "rank": person.rank,
        "status": person.status,
        "version": person.version,
    }
    if person.is_party_member:
        data["is_party_member"] = "on"
    data.update(overrides)
    return data


# --- visibility ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", PERSON_VISIBILITY)
def test_it_lists_exactly_the_people_in_scope(city, client, role):
    client.force_login(city.users[role])
    response = client.get(reverse("org:person_list"))
    expected = PERSON_VISIBILITY[role]
    if expected is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert names(response) == expected


@pytest.mark.parametrize("role", PERSON_VISIBILITY)
def test_it_shows_a_person_only_in_scope(city, client, role):
    client.force_login(city.users[role])
    expected = PERSON_VISIBILITY[role] or set()
    for key, person in city.people.items():
        response = client.get(reverse("org:person_detail", args=[person.pk]))
        assert response.status_code == (200 if person.name in expected else 404), (role, key)


def test_it_never_shows_the_full_id_number_in_lists_or_details(city, client):
    client.force_login(city.office_handler)
    judge = city.people["judge_a"]
    full = judge.id_number()
    for url in (reverse("org:person_list"), reverse("org:person_detail", args=[judge.pk])):
        content = client.get(url).content.decode()
        assert judge.id_masked in content
        assert full not in content


def test_it_shows_status_badges_with_words(city, client):
    Person.objects.filter(pk=city.people["judge_b"].pk).update(status=Person.Status.TRANSFERRED)
    client.force_login(city.office_handler)
    content = client.get(reverse("org:person_list")).content.decode()
    assert '<span class="badge green">在职</span>' in content
    assert '<span class="badge grey">调离</span>' in content


# --- filters, sorting, pages -----------------------------------------------------------------


def test_it_filters_by_unit_subtree(city, client):
    client.force_login(city.office_handler)
    assert names(client.get(reverse("org:person_list"), {"unit": city.county_a.pk})) == {
        "张明",
        "王强",
        "赵书记",
    }
    assert names(client.get(reverse("org:person_list"), {"unit": city.police_a.pk})) == {"王强"}


def test_it_offers_only_units_in_scope_and_refuses_others(city, client):
    client.force_login(city.handler_a)
    response = client.get(reverse("org:person_list"))
    assert list(response.context["form"].fields["unit"].queryset) == [city.court_a]
    response = client.get(reverse("org:person_list"), {"unit": city.court_b.pk})
    assert names(response) == set()
    assert "所选单位不存在或不在您的查看范围内" in response.content.decode()


def test_it_filters_by_status_and_party_membership(city, client):
    Person.objects.filter(pk=city.people["judge_b"].pk).update(status=Person.Status.RETIRED)
    Person.objects.filter(pk=city.people["officer_a"].pk).update(is_party_member=False)
    client.force_login(city.office_handler)
    url = reverse("org:person_list")
    assert names(client.get(url, {"status": "retired"})) == {"李华"}
    assert names(client.get(url, {"status": "active"})) == {"张明", "王强", "赵书记"}
    assert names(client.get(url, {"party": "no"})) == {"王强"}
    assert names(client.get(url, {"party": "yes", "status": "active"})) == {"张明", "赵书记"}
    assert names(client.get(url, {"status": "bogus"})) == set()


def test_it_searches_by_name_police_number_and_full_id_number(city, client):
    client.force_login(city.office_handler)
    url = reverse("org:person_list")
    judge = city.people["judge_a"]
    assert names(client.get(url, {"q": "张"})) == {"张明"}
    assert names(client.get(url, {"q": judge.police_no.lower()})) == {"张明"}
    assert names(client.get(url, {"q": judge.id_number()})) == {"张明"}
    assert names(client.get(url, {"q": judge.id_number().translate(FULL_WIDTH)})) == {"张明"}
    assert names(client.get(url, {"q": judge.id_number()[:10]})) == set()  # no partial ID search
    assert names(client.get(url, {"q": "\x00"})) == set()


def test_it_searches_only_within_scope(city, client):
    client.force_login(city.handler_a)
    assert names(client.get(reverse("org:person_list"), {"q": city.people["judge_b"].id_number()})) == set()
    assert names(client.get(reverse("org:person_list"), {"q": "李华"})) == set()


def test_it_sorts_by_whitelisted_columns(city, client):
    client.force_login(city.office_handler)
    url = reverse("org:person_list")
    order = [p.police_no for p in client.get(url, {"sort": "police_no"}).context["page"].object_list]
    assert order == sorted(order)
    order = [p.police_no for p in client.get(url, {"sort": "-police_no"}).context["page"].object_list]
    assert order == sorted(order, reverse=True)
    response = client.get(url, {"sort": "id_cipher"})  # not a sort key: the default order
    assert response.status_code == 200 and response.context["sort"] == ""


def test_it_pages_by_fifty(city, client):
    for i in range(60):
        make_person(city.court_b, f"干警{i:02d}")
    client.force_login(city.office_handler)
    url = reverse("org:person_list")
    first = client.get(url)
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.count == 64
    second = client.get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 14
    assert not {p.pk for p in first.context["page"].object_list} & {
        p.pk for p in second.context["page"].object_list
    }
    assert client.get(url, {"page": "abc"}).status_code == 200


def test_it_returns_only_the_table_to_htmx(city, client):
    client.force_login(city.office_handler)
    response = client.get(reverse("org:person_list"), {"q": "张"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "org/_person_table.html"
    content = response.content.decode()
    assert "<html" not in content and "张明" in content and "李华" not in content
    assert "HX-Request" in response["Vary"]
    full = client.get(reverse("org:person_list"))
    assert 'id="person-table"' in full.content.decode()
    restore = client.get(
        reverse("org:person_list"), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert 'id="person-table"' in restore.content.decode()


def test_it_lists_people_in_a_bounded_number_of_queries(city, client, django_assert_max_num_queries):
    for i in range(40):
        make_person(city.court_b if i % 2 else city.station_a, f"干警{i:02d}")
    client.force_login(city.office_handler)
    # session, user, grants, root units, home unit, count, page, the unit select, session save (3)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("org:person_list"))
    assert len(response.context["page"].object_list) == 44
    with django_assert_max_num_queries(12):
        client.get(
            reverse("org:person_list"),
            {"unit": city.county_a.pk, "sort": "unit"},
            headers={"HX-Request": "true"},
        )


# --- the full ID number -------------------------------------------------------------------


def test_it_reveals_the_id_number_inline_and_audits_it(city, client):
    client.force_login(city.leader_a)
    judge = city.people["judge_a"]
    detail = client.get(reverse("org:person_detail", args=[judge.pk])).content.decode()
    assert "查看完整身份证号" in detail
    url = reverse("org:person_reveal_id", args=[judge.pk])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert judge.id_number() in response.content.decode()
    assert "<html" not in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = Entry.objects.get(action="person.id_number_viewed")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        city.leader_a.pk,
        "org.person",
        str(judge.pk),
    )


def test_it_reveals_on_the_detail_page_without_htmx(city, client):
    client.force_login(city.office_handler)
    judge = city.people["judge_b"]
    response = client.post(reverse("org:person_reveal_id", args=[judge.pk]))
    assert response.status_code == 200
    assert judge.id_number() in response.content.decode()
    assert "任职经历" in response.content.decode()
    assert Entry.objects.filter(action="person.id_number_viewed", object_id=str(judge.pk)).count() == 1


def test_it_refuses_the_reveal_without_the_permission(city, client):
    inspector = make_user("inspector", city.city, (Role.INSPECTOR, city.city))
    client.force_login(inspector)
    judge = city.people["judge_a"]
    detail = client.get(reverse("org:person_detail", args=[judge.pk]))
    assert detail.status_code == 200
    assert "查看完整身份证号" not in detail.content.decode()
    response = client.post(reverse("org:person_reveal_id", args=[judge.pk]))
    assert response.status_code == 403
    assert judge.id_number() not in response.content.decode()
    assert not Entry.objects.filter(action="person.id_number_viewed").exists()


def test_it_answers_404_to_a_reveal_out_of_scope_and_refuses_get(city, client):
    client.force_login(city.handler_a)
    judge_b = city.people["judge_b"]
    assert client.post(reverse("org:person_reveal_id", args=[judge_b.pk])).status_code == 404
    assert client.get(reverse("org:person_reveal_id", args=[city.people["judge_a"].pk])).status_code == 405
    assert not Entry.objects.filter(action="person.id_number_viewed").exists()


# --- create --------------------------------------------------------------------------------


def test_it_creates_a_person_with_a_first_posting(city, client):
    client.force_login(city.handler_a)
    response = client.post(reverse("org:person_create"), person_form_data(unit=city.court_a.pk))
    person = Person.objects.get(police_no="A100901")
    assert response.status_code == 302
    assert response["Location"] == reverse("org:person_detail", args=[person.pk])
    assert person.unit == city.court_a and person.id_number() == make_id_number(901)
    posting = person.postings.get()
    assert (posting.unit_id, posting.started_on, posting.ended_on) == (
        city.court_a.pk,
        dt.date(2021, 6, 2),
        None,
    )
    assert Entry.objects.filter(action="person.created", object_id=str(person.pk)).exists()
    content = client.get(reverse("org:person_detail", args=[person.pk])).content.decode()
    assert "2021-06-02" in content


def test_it_offers_only_units_where_the_user_may_add_people(city, client):
    client.force_login(city.handler_a)
    form = client.get(reverse("org:person_create")).context["form"]
    assert list(form.fields["unit"].queryset) == [city.court_a]
    response = client.post(reverse("org:person_create"), person_form_data(unit=city.court_b.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    assert not Person.objects.filter(police_no="A100901").exists()


@pytest.mark.parametrize("role", ["leader_a", "officer_a", "outsider", "sysadmin", "auditor"])
def test_it_refuses_the_create_page_to_roles_without_change_person(city, client, role):
    client.force_login(city.users[role])
    assert client.get(reverse("org:person_create")).status_code == 403
    assert (
        client.post(reverse("org:person_create"), person_form_data(unit=city.court_a.pk)).status_code == 403
    )
    assert not Person.objects.filter(police_no="A100901").exists()


def test_it_accepts_full_width_digits_and_other_date_spellings(city, client):
    client.force_login(city.office_handler)
    number = make_id_number(902)
    data = person_form_data(
        unit=city.court_b.pk,
        id_number=number.translate(FULL_WIDTH),
        police_no="Ｂ１２３４５",
        started_on="2021年6月2日",
    )
    assert client.post(reverse("org:person_create"), data).status_code == 302
    person = Person.objects.get(name="孙立")
    assert person.id_number() == number
    assert person.police_no == "B12345"
    assert person.postings.get().started_on == dt.date(2021, 6, 2)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"id_number": make_id_number(903)[:17] + ("0" if make_id_number(903)[17] != "0" else "1")},
            "id_number",
            "身份证号码校验位错误",
        ),
        ({"id_number": "37020219850314"}, "id_number", "身份证号码应为18位"),
        ({"id_number": "370202198502300015"}, "id_number", "出生日期不存在"),
        ({"id_number": ""}, "id_number", "这个字段是必填项"),
        ({"police_no": "TAKEN"}, "police_no", "已被其他干警使用"),
        ({"police_no": "taken"}, "police_no", "已被其他干警使用"),
        ({"started_on": "2021-13-45"}, "started_on", "日期格式不正确"),
        ({"gender": "X"}, "gender", "选择一个有效的选项"),
        ({"name": ""}, "name", "这个字段是必填项"),
    ],
)
def test_it_refuses_bad_person_input_and_keeps_what_was_typed(city, client, overrides, field, message):
    client.force_login(city.office_handler)
    data = person_form_data(unit=city.court_a.pk, name="孙立<script>alert(1)</script>", position="副庭长")
    data.update(overrides)
    taken = city.people["judge_b"].police_no
    if data["police_no"] in ("TAKEN", "taken"):  # the same number, in the case typed
        data["police_no"] = taken if data["police_no"] == "TAKEN" else taken.lower()
    before = Person.objects.count(), Posting.objects.count(), Entry.objects.count()
    response = client.post(reverse("org:person_create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in e for e in errors), errors
    content = response.content.decode()
    assert 'value="副庭长"' in content
    if data["name"]:
        assert "孙立&lt;script&gt;alert(1)&lt;/script&gt;" in content
        assert "<script>alert(1)" not in content
    assert (Person.objects.count(), Posting.objects.count(), Entry.objects.count()) == before


def test_it_refuses_an_id_number_already_on_the_roster(city, client):
    client.force_login(city.office_handler)
    taken = city.people["judge_b"].id_number()
    response = client.post(
        reverse("org:person_create"),
        person_form_data(unit=city.court_a.pk, id_number=taken.translate(FULL_WIDTH)),
    )
    assert "该身份证号码已登记在其他干警名下" in response.context["form"].errors["id_number"]
    assert not Person.objects.filter(name="孙立").exists()


# --- edit ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "person", "status"),
    [
        ("handler_a", "judge_b", 404),
        ("handler_b", "officer_a", 404),
        ("officer_a", "officer_a", 404),
        ("sysadmin", "judge_a", 404),
        ("outsider", "judge_a", 404),
        ("leader_a", "judge_a", 403),
    ],
)
def test_it_refuses_edits_out_of_scope_or_without_permission(city, client, role, person, status):
    client.force_login(city.users[role])
    target = city.people[person]
    url = reverse("org:person_edit", args=[target.pk])
    assert client.get(url).status_code == status
    assert client.post(url, edit_data(target, name="篡改")).status_code == status
    target.refresh_from_db()
    assert target.name != "篡改" and target.version == 1


def test_it_edits_a_person_and_keeps_the_id_number_when_left_blank(city, client):
    client.force_login(city.handler_a)
    judge = city.people["judge_a"]
    number = judge.id_number()
    response = client.post(reverse("org:person_edit", args=[judge.pk]), edit_data(judge, rank="四级高级法官"))
    assert response.status_code == 302
    judge.refresh_from_db()
    assert (judge.rank, judge.version, judge.id_number()) == ("四级高级法官", 2, number)
    assert judge.postings.count() == 1  # same unit, same position: no new posting


def test_it_changes_the_id_number_when_given(city, client):
    client.force_login(city.handler_a)
    judge = city.people["judge_a"]
    new = make_id_number(904)
    assert (
        client.post(reverse("org:person_edit", args=[judge.pk]), edit_data(judge, id_number=new)).status_code
        == 302
    )
    judge.refresh_from_db()
    assert judge.id_number() == new
    entry = Entry.objects.filter(action="person.changed", object_id=str(judge.pk)).get()
    assert new not in str(entry.data)  # the audit trail does not hold the number in the clear


def test_it_keeps_the_posting_history_when_a_person_moves(city, client):
    client.force_login(city.office_handler)
    officer = city.people["officer_a"]
    response = client.post(
        reverse("org:person_edit", args=[officer.pk]),
        edit_data(officer, unit=city.court_b.pk, position="法警"),
    )
    assert response.status_code == 302
    postings = list(officer.postings.order_by("id").values_list("unit_id", "position", "ended_on"))
    assert [(u, p) for u, p, _ in postings] == [(city.station_a.pk, "科员"), (city.court_b.pk, "法警")]
    assert postings[0][2] is not None and postings[1][2] is None
    content = client.get(reverse("org:person_detail", args=[officer.pk])).content.decode()
    assert "城关派出所" in content and "乙县人民法院" in content and "至今" in content


def test_it_refuses_a_stale_version_with_a_conflict_message(city, client):
    client.force_login(city.office_handler)
    judge = city.people["judge_a"]
    stale = edit_data(judge, rank="旧表单")
    assert (
        client.post(reverse("org:person_edit", args=[judge.pk]), edit_data(judge, rank="新")).status_code
        == 302
    )
    response = client.post(reverse("org:person_edit", args=[judge.pk]), stale)
    assert response.status_code == 200
    assert "冲突" in response.content.decode()
    assert 'value="旧表单"' in response.content.decode()
    judge.refresh_from_db()
    assert (judge.rank, judge.version) == ("新", 2)


def test_it_refuses_a_duplicate_police_number_on_edit(city, client):
    client.force_login(city.office_handler)
    judge = city.people["judge_a"]
    taken = city.people["judge_b"].police_no
    response = client.post(reverse("org:person_edit", args=[judge.pk]), edit_data(judge, police_no=taken))
    assert any("已被其他干警使用" in e for e in response.context["form"].errors["police_no"])
    judge.refresh_from_db()
    assert judge.version == 1


def test_it_refuses_a_move_to_a_unit_out_of_the_editors_scope(city, client):
    client.force_login(city.handler_a)
    judge = city.people["judge_a"]
    response = client.post(
        reverse("org:person_edit", args=[judge.pk]), edit_data(judge, unit=city.court_b.pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    judge.refresh_from_db()
    assert judge.unit_id == city.court_a.pk
