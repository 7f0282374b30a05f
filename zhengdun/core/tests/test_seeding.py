"""The demo city's plan: pure, deterministic, realistic, and valid."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.contrib.auth import password_validation

from zhengdun.core import idcard, seeding
from zhengdun.core import seed_data as data
from zhengdun.org.models import Unit

T = Unit.Type


@pytest.fixture(scope="module")
def plan() -> seeding.CityPlan:
    return seeding.plan_city()


def _roster(plan: seeding.CityPlan) -> list[tuple[str, str, str]]:
    return [(p.name, p.police_no, p.unit_key) for p in plan.people]


def test_it_plans_the_same_city_for_the_same_seed():
    a, b = seeding.plan_city(seed=7, officers=500), seeding.plan_city(seed=7, officers=500)
    assert _roster(a) == _roster(b)
    assert [u.code for u in a.units] == [u.code for u in b.units]
    assert a.fingerprint() == b.fingerprint()


def test_it_plans_a_different_city_for_another_seed():
    a, b = seeding.plan_city(seed=7, officers=500), seeding.plan_city(seed=8, officers=500)
    assert a.fingerprint() != b.fingerprint()
    assert _roster(a) != _roster(b)


def test_it_does_not_depend_on_the_global_random_state():
    import random

    random.seed(1)
    a = seeding.plan_city(seed=3, officers=300)
    random.seed(2)
    b = seeding.plan_city(seed=3, officers=300)
    assert a.fingerprint() == b.fingerprint()


def test_it_builds_ten_counties_with_their_units(plan):
    by_key = {u.key: u for u in plan.units}
    children: dict[str | None, list[seeding.UnitPlan]] = {}
    for u in plan.units:
        children.setdefault(u.parent_key, []).append(u)
    counties = [u for u in plan.units if u.type == T.COUNTY]
    assert [c.name for c in counties] == [name for name, _ in data.COUNTIES]
    for county in counties:
        types = Counter(u.type for u in children[county.key])
        assert types == {T.PLC: 1, T.COURT: 1, T.PROCURATORATE: 1, T.PUBLIC_SECURITY: 1, T.JUSTICE: 1}
        police = next(u for u in children[county.key] if u.type == T.PUBLIC_SECURITY)
        justice = next(u for u in children[county.key] if u.type == T.JUSTICE)
        assert 3 <= len(children[police.key]) <= 5
        assert {u.type for u in children[police.key]} == {T.POLICE_STATION}
        assert 2 <= len(children[justice.key]) <= 4
        assert {u.type for u in children[justice.key]} == {T.JUDICIAL_OFFICE}
    city_level = {u.name for u in children["city"]}
    assert {
        "临江市委政法委",
        "临江市中级人民法院",
        "临江市人民检察院",
        "临江市公安局",
        "临江市司法局",
    } <= city_level
    assert by_key["city.office"].parent_key == "city.plc"
    assert by_key["city.office"].type == T.OFFICE
    assert {u.type for u in children["city.police"]} == {T.DETENTION, T.PUBLIC_SECURITY}
    assert {u.type for u in children["city.justice"]} == {T.PRISON, T.REHAB}


def test_it_gives_units_unique_codes_and_fictional_region_codes(plan):
    codes = [u.code for u in plan.units]
    assert len(codes) == len(set(codes))
    regions = [u.region_code for u in plan.units if u.region_code]
    assert regions and all(r.startswith("3799") for r in regions)
    assert all(len(u.code) <= 32 for u in plan.units)


def test_it_gives_every_officer_a_valid_unique_id_number(plan):
    numbers = [p.id_number for p in plan.people]
    assert len(set(numbers)) == len(numbers)
    for person in plan.people:
        assert idcard.normalize(person.id_number) == person.id_number
        assert person.id_number.startswith("3799")
        assert idcard.gender_of(person.id_number) == person.gender


def test_it_gives_unique_police_and_staff_numbers(plan):
    numbers = [p.police_no for p in plan.people]
    assert len(set(numbers)) == len(numbers)
    units = {u.key: u for u in plan.units}
    for person in plan.people:
        family = data.FAMILY_OF_TYPE[units[person.unit_key].type]
        if family == data.POLICE:
            assert re.fullmatch(r"[1-9]\d{5}", person.police_no), person.police_no
        else:
            assert re.fullmatch(r"(FY|JC|SF|ZF)\d{7}", person.police_no), person.police_no


def test_it_spreads_officers_realistically(plan):
    assert len(plan.people) == seeding.DEFAULT_OFFICERS
    units = {u.key: u for u in plan.units}
    families = Counter(data.FAMILY_OF_TYPE[units[p.unit_key].type] for p in plan.people)
    assert families.most_common(1)[0][0] == data.POLICE
    assert 0.55 <= families[data.POLICE] / len(plan.people) <= 0.75
    staffed = {u.key for u in seeding.employing_units(plan.units)}
    assert staffed == {p.unit_key for p in plan.people}  # nobody on an area node, nobody missing
    party = sum(p.is_party_member for p in plan.people) / len(plan.people)
    assert 0.8 <= party <= 0.9
    active = sum(p.status == "active" for p in plan.people) / len(plan.people)
    assert 0.9 <= active < 1
    assert all(
        1 <= len(p.name) - (2 if p.name[:2] in ("欧阳", "司马", "诸葛", "上官", "皇甫") else 1) <= 2
        for p in plan.people
    )


def test_it_names_each_unit_head_by_the_unit_type(plan):
    first = {}
    for p in plan.people:
        first.setdefault(p.unit_key, p)
    assert first["city.plc"].position == "市委政法委书记"
    assert first["c01.plc"].position == "区委政法委书记"
    assert first["c05.plc"].position == "县委政法委书记"
    assert first["city.court"].position == "院长"
    assert first["c01.police.s1"].position == "所长"
    assert all(p.status == "active" and p.is_party_member for p in first.values())


def test_it_keeps_posting_history_consistent(plan):
    for person in plan.people:
        current, *earlier = person.postings
        assert current.unit_key == person.unit_key
        assert current.ended_on is None
        for posting in earlier:
            assert posting.unit_key != person.unit_key
            assert posting.started_on <= posting.ended_on < current.started_on
    assert any(len(p.postings) > 1 for p in plan.people)


def test_it_plans_one_login_per_role(plan):
    roles = Counter(lg.role for lg in plan.logins)
    assert set(roles) == {
        "office_handler",
        "leader",
        "unit_handler",
        "inspector",
        "officer",
        "system_admin",
        "security_admin",
        "audit_admin",
    }
    logins = {lg.username: lg for lg in plan.logins}
    for username in ("officer", "leader", "county_leader"):
        person = plan.people[logins[username].person_index]
        assert person.unit_key == logins[username].home_unit_key
        assert person.status == "active"
    assert logins["county_leader"].grant_unit_key == "c01"
    assert plan.people[logins["officer"].person_index].unit_key == "c01.police.s1"


def test_it_scales_with_the_head_count():
    small, large = seeding.plan_city(officers=400), seeding.plan_city(officers=8000)
    assert len(small.people) == 400
    assert len(large.people) == 8000
    assert len({p.police_no for p in large.people}) == 8000
    assert [u.code for u in small.units] == [u.code for u in large.units]


def test_it_refuses_fewer_officers_than_staffed_units():
    with pytest.raises(ValueError, match="至少需要"):
        seeding.plan_city(officers=20)


def test_it_makes_demo_passwords_that_meet_the_policy():
    passwords = {seeding.demo_password() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert len(password) >= 10
        assert re.search(r"[A-Z]", password)
        assert re.search(r"[a-z]", password)
        assert re.search(r"\d", password)
        assert re.search(r"[^A-Za-z0-9]", password)
        password_validation.validate_password(password)
    with pytest.raises(ValueError):
        seeding.demo_password(8)
