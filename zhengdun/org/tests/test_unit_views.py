"""The unit tree pages: who sees which units, who may change them, and what bad input gets."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zhengdun.audit.models import Entry
from zhengdun.core.testing import make_person, make_unit
from zhengdun.org.models import Person, Unit

ALL_UNITS = {
    "XX市",
    "市教育整顿办",
    "甲县",
    "甲县人民法院",
    "甲县公安局",
    "城关派出所",
    "乙县",
    "乙县人民法院",
}

# role -> the unit names its unit list shows (None: the page is forbidden)
UNIT_VISIBILITY: dict[str, set[str] | None] = {
    "office_handler": ALL_UNITS,
    "leader_a": {"甲县", "甲县人民法院", "甲县公安局", "城关派出所"},
    "handler_a": {"甲县人民法院"},
    "handler_b": {"乙县人民法院"},
    "officer_a": {"城关派出所"},
    "outsider": None,
    "sysadmin": ALL_UNITS,
    "secadmin": ALL_UNITS,
    "auditor": None,
}


def listed_units(response) -> set[str]:
    return {row.unit.name for row in response.context["rows"]}


def unit_form_data(unit: Unit | None = None, **overrides) -> dict:
    data = {
        "parent": unit.parent_id if unit else "",
        "name": unit.name if unit else "",
        "short_name": unit.short_name if unit else "",
        "type": unit.type if unit else "court",
        "code": unit.code if unit else "",
        "region_code": unit.region_code if unit else "",
        "sort_order": unit.sort_order if unit else 0,
        "is_active": "on",
        "version": unit.version if unit else "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("role", UNIT_VISIBILITY)
def test_it_lists_exactly_the_units_in_scope(city, client, role):
    client.force_login(city.users[role])
    response = client.get(reverse("org:unit_list"))
    expected = UNIT_VISIBILITY[role]
    if expected is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert listed_units(response) == expected


def test_it_shows_the_tree_in_order_with_levels_and_counts(city, client):
    client.force_login(city.office_handler)
    response = client.get(reverse("org:unit_list"))
    rows = [(r.unit.name, r.level) for r in response.context["rows"]]
    assert rows == [
        ("XX市", 0),
        ("市教育整顿办", 1),
        ("甲县", 1),
        ("甲县人民法院", 2),
        ("甲县公安局", 2),
        ("城关派出所", 3),
        ("乙县", 1),
        ("乙县人民法院", 2),
    ]
    by_name = {r.unit.name: r for r in response.context["rows"]}
    assert (by_name["XX市"].direct, by_name["XX市"].total) == (0, 4)
    assert (by_name["甲县"].direct, by_name["甲县"].total) == (1, 3)
    assert (by_name["甲县公安局"].direct, by_name["甲县公安局"].total) == (0, 1)
    content = response.content.decode()
    assert "法院" in content and "typetag" in content


def test_it_counts_only_active_officers(city, client):
    Person.objects.filter(pk=city.people["judge_a"].pk).update(status=Person.Status.RETIRED)
    client.force_login(city.office_handler)
    rows = {r.unit.name: r for r in client.get(reverse("org:unit_list")).context["rows"]}
    assert rows["甲县人民法院"].direct == 0
    assert rows["XX市"].total == 3


def test_it_hides_people_counts_from_roles_without_the_roster(city, client):
    client.force_login(city.sysadmin)
    response = client.get(reverse("org:unit_list"))
    assert response.context["show_counts"] is False
    assert "本级在职" not in response.content.decode()


def test_it_starts_a_tree_at_each_visible_unit_whose_parent_is_hidden(city, client):
    client.force_login(city.leader_a)
    rows = [(r.unit.name, r.level) for r in client.get(reverse("org:unit_list")).context["rows"]]
    assert rows == [("甲县", 0), ("甲县人民法院", 1), ("甲县公安局", 1), ("城关派出所", 2)]


def test_it_searches_by_name_and_code_within_scope(city, client):
    client.force_login(city.leader_a)
    response = client.get(reverse("org:unit_list"), {"q": "法院"})
    assert listed_units(response) == {"甲县人民法院"}  # 乙县人民法院 is out of scope
    response = client.get(reverse("org:unit_list"), {"q": "c370211-ga"})
    assert listed_units(response) == {"甲县公安局", "城关派出所"}
    station = next(r for r in response.context["rows"] if r.unit.name == "城关派出所")
    assert [u.name for u in station.trail] == ["甲县", "甲县公安局"]


def test_it_shows_a_unit_with_children_and_people(city, client):
    client.force_login(city.office_handler)
    response = client.get(reverse("org:unit_detail", args=[city.county_a.pk]))
    assert response.status_code == 200
    assert [r.unit.name for r in response.context["children"]] == ["甲县人民法院", "甲县公安局"]
    assert [p.name for p in response.context["people"]] == ["赵书记"]
    content = response.content.decode()
    assert f"{reverse('org:person_list')}?unit={city.county_a.pk}" in content
    assert "编辑" not in content  # the office handler may not change the tree


@pytest.mark.parametrize(
    ("role", "unit", "status"),
    [
        ("handler_a", "court_b", 404),
        ("handler_a", "county_a", 404),
        ("officer_a", "court_a", 404),
        ("leader_a", "county_b", 404),
        ("outsider", "city", 404),
        ("auditor", "city", 404),
        ("handler_a", "court_a", 200),
        ("secadmin", "station_a", 200),
    ],
)
def test_it_answers_404_for_a_unit_out_of_scope(city, client, role, unit, status):
    client.force_login(city.users[role])
    response = client.get(reverse("org:unit_detail", args=[getattr(city, unit).pk]))
    assert response.status_code == status


def test_it_answers_404_for_a_unit_that_does_not_exist(city, client):
    client.force_login(city.office_handler)
    assert client.get(reverse("org:unit_detail", args=[999999])).status_code == 404
    assert client.get("/org/units/99999999999999999999999/").status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [("office_handler", 403), ("leader_a", 403), ("handler_a", 403), ("secadmin", 403), ("handler_b", 404)],
)
def test_it_refuses_unit_changes_to_roles_without_change_unit(city, client, role, status):
    client.force_login(city.users[role])
    court_a = city.court_a
    assert client.get(reverse("org:unit_edit", args=[court_a.pk])).status_code == status
    response = client.post(reverse("org:unit_edit", args=[court_a.pk]), unit_form_data(court_a, name="改名"))
    assert response.status_code == status
    assert client.post(reverse("org:unit_delete", args=[court_a.pk])).status_code == status
    assert client.get(reverse("org:unit_create")).status_code == 403
    court_a.refresh_from_db()
    assert court_a.name == "甲县人民法院"
    assert Unit.objects.filter(pk=court_a.pk).exists()


def test_it_shows_change_buttons_to_the_system_admin(city, client):
    client.force_login(city.sysadmin)
    content = client.get(reverse("org:unit_detail", args=[city.court_a.pk])).content.decode()
    assert reverse("org:unit_edit", args=[city.court_a.pk]) in content
    assert reverse("org:unit_delete", args=[city.court_a.pk]) in content
    assert f"{reverse('org:unit_create')}?parent={city.court_a.pk}" in content


def test_it_creates_a_child_unit(city, client):
    client.force_login(city.sysadmin)
    url = reverse("org:unit_create")
    assert client.get(url, {"parent": city.police_a.pk}).context["form"].initial["parent"] == city.police_a.pk
    data = unit_form_data(
        parent=city.police_a.pk,
        name="城南派出所",
        type="police_station",
        code="C370211-GA-02",
        region_code="",
    )
    response = client.post(url, data)
    unit = Unit.objects.get(code="C370211-GA-02")
    assert response.status_code == 302
    assert response["Location"] == reverse("org:unit_detail", args=[unit.pk])
    assert unit.parent == city.police_a
    assert unit.path.startswith(city.police_a.path) and unit.depth == 3
    assert Entry.objects.filter(action="unit.created", object_id=str(unit.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "C370212-FY"}, "code", "单位编码“C370212-FY”已被其他单位使用"),
        ({"code": "  "}, "code", "这个字段是必填项"),
        ({"region_code": "37021"}, "region_code", "行政区划代码应为6位数字"),
        ({"region_code": "37021a"}, "region_code", "行政区划代码应为6位数字"),
        ({"name": ""}, "name", "这个字段是必填项"),
        ({"type": "nonsense"}, "type", "选择一个有效的选项"),
    ],
)
def test_it_refuses_bad_unit_input_and_keeps_what_was_typed(city, client, overrides, field, message):
    client.force_login(city.sysadmin)
    data = unit_form_data(
        parent=city.county_a.pk, name="甲县检察院<b>", type="procuratorate", code="C370211-JCY"
    )
    data.update(overrides)
    before = Unit.objects.count()
    response = client.post(reverse("org:unit_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field])
    content = response.content.decode()
    assert message in content
    if data["name"]:
        assert 'value="甲县检察院&lt;b&gt;"' in content  # kept, and inert
    assert Unit.objects.count() == before


def test_it_accepts_a_full_width_region_code(city, client):
    client.force_login(city.sysadmin)
    data = unit_form_data(
        parent=city.county_a.pk,
        name="甲县检察院",
        type="procuratorate",
        code="C370211-JCY",
        region_code="３７０２１１",
    )
    assert client.post(reverse("org:unit_create"), data).status_code == 302
    assert Unit.objects.get(code="C370211-JCY").region_code == "370211"


def test_it_moves_a_subtree_and_keeps_people_and_their_history(city, client):
    client.force_login(city.sysadmin)
    police_a = city.police_a
    officer = city.people["officer_a"]
    response = client.post(
        reverse("org:unit_edit", args=[police_a.pk]), unit_form_data(police_a, parent=city.county_b.pk)
    )
    assert response.status_code == 302
    police_a.refresh_from_db()
    station = Unit.objects.get(pk=city.station_a.pk)
    assert police_a.parent_id == city.county_b.pk
    assert police_a.path == city.county_b.path + f"{police_a.pk:06d}."
    assert station.path.startswith(police_a.path) and station.depth == 3
    assert police_a.version == 2
    officer.refresh_from_db()
    assert officer.unit_id == city.station_a.pk
    assert list(officer.postings.values_list("unit_id", "ended_on")) == [(city.station_a.pk, None)]
    # leader_a's grant on 甲县 no longer reaches the moved police bureau
    client.force_login(city.leader_a)
    assert "甲县公安局" not in listed_units(client.get(reverse("org:unit_list")))
    entry = Entry.objects.filter(action="unit.changed", object_id=str(police_a.pk)).get()
    assert entry.data["changes"]["parent_id"] == [city.county_a.pk, city.county_b.pk]


@pytest.mark.parametrize("target", ["county_a", "court_a", "police_a", "station_a"])
def test_it_refuses_to_move_a_unit_under_itself_or_its_subtree(city, client, target):
    client.force_login(city.sysadmin)
    county_a = city.county_a
    data = unit_form_data(county_a, parent=getattr(city, target).pk, name="甲县（改）")
    response = client.post(reverse("org:unit_edit", args=[county_a.pk]), data)
    assert response.status_code == 200
    assert "上级单位不能是本单位或其下级单位（会形成循环）" in response.context["form"].errors["parent"]
    assert 'value="甲县（改）"' in response.content.decode()
    county_a.refresh_from_db()
    assert (county_a.parent_id, county_a.name, county_a.version) == (city.city.pk, "甲县", 1)


def test_it_refuses_a_stale_version_with_a_conflict_message(city, client):
    client.force_login(city.sysadmin)
    court_a = city.court_a
    stale = unit_form_data(court_a, name="甲县法院（旧表单）")
    assert (
        client.post(
            reverse("org:unit_edit", args=[court_a.pk]), unit_form_data(court_a, name="甲县法院")
        ).status_code
        == 302
    )
    response = client.post(reverse("org:unit_edit", args=[court_a.pk]), stale)
    assert response.status_code == 200
    assert "冲突" in response.content.decode()
    assert any("冲突" in e for e in response.context["form"].non_field_errors())
    court_a.refresh_from_db()
    assert (court_a.name, court_a.version) == ("甲县法院", 2)


def test_it_refuses_an_edit_without_a_version(city, client):
    client.force_login(city.sysadmin)
    response = client.post(
        reverse("org:unit_edit", args=[city.court_a.pk]), unit_form_data(city.court_a, version="")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["version"]


def test_it_deletes_an_empty_unit_and_audits_it(city, client):
    client.force_login(city.sysadmin)
    empty = make_unit(city.county_b, "乙县司法局", Unit.Type.JUSTICE, "C370212-SF")
    assert client.get(reverse("org:unit_delete", args=[empty.pk])).status_code == 200
    response = client.post(reverse("org:unit_delete", args=[empty.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("org:unit_detail", args=[city.county_b.pk])
    assert not Unit.objects.filter(pk=empty.pk).exists()
    assert Entry.objects.filter(action="unit.deleted", data__id=empty.pk).exists()


@pytest.mark.parametrize(
    ("unit", "reason"), [("court_b", "还有干警"), ("county_b", "还有下级单位"), ("city", "还有下级单位")]
)
def test_it_refuses_to_delete_a_unit_that_is_not_empty(city, client, unit, reason):
    client.force_login(city.sysadmin)
    target = getattr(city, unit)
    response = client.post(reverse("org:unit_delete", args=[target.pk]))
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert Unit.objects.filter(pk=target.pk).exists()


def test_it_refuses_to_delete_a_unit_an_account_belongs_to(city, client):
    client.force_login(city.sysadmin)
    response = client.post(reverse("org:unit_delete", args=[city.office.pk]))
    assert "仍有关联的账号或业务记录" in response.content.decode()
    assert Unit.objects.filter(pk=city.office.pk).exists()


def test_it_lists_units_in_a_bounded_number_of_queries(city, client, django_assert_max_num_queries):
    for i in range(15):
        unit = make_unit(city.county_b, f"乙县派出所{i}", Unit.Type.POLICE_STATION, f"C370212-P{i:02d}")
        make_person(unit, f"警员{i}")
    client.force_login(city.office_handler)
    # session, user, grants, the root units (does a grant cover everything?), the user's home
    # unit and the session save (3) are fixed overhead; the units and the people counts are one
    # query each however many rows there are.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("org:unit_list"))
    assert len(response.context["rows"]) == 23
    with django_assert_max_num_queries(11):
        client.get(reverse("org:unit_list"), {"q": "派出所"})
    with django_assert_max_num_queries(13):
        client.get(reverse("org:unit_detail", args=[city.county_b.pk]))


def test_it_lets_an_admin_of_a_subtree_edit_its_top_unit_in_place(city, client):
    from zhengdun.accounts.models import RoleAssignment

    RoleAssignment.objects.filter(user=city.sysadmin).update(unit=city.county_a)
    client.force_login(city.sysadmin)
    county_a = city.county_a
    response = client.post(
        reverse("org:unit_edit", args=[county_a.pk]), unit_form_data(county_a, name="甲县（新）")
    )
    assert response.status_code == 302
    county_a.refresh_from_db()
    assert (county_a.name, county_a.parent_id) == ("甲县（新）", city.city.pk)
    # but it may not move the unit under a parent outside its grant
    data = unit_form_data(county_a, parent=city.county_b.pk)
    response = client.post(reverse("org:unit_edit", args=[county_a.pk]), data)
    assert response.status_code == 200 and response.context["form"].errors["parent"]
