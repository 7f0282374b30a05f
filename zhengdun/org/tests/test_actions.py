"""org.actions beyond what the pages show: moves with stale objects, normalisation, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zhengdun.accounts.models import RoleAssignment
from zhengdun.audit.chain import verify_chain
from zhengdun.audit.models import Entry
from zhengdun.core.errors import ConflictError
from zhengdun.core.testing import make_id_number
from zhengdun.org import actions
from zhengdun.org.models import Person, Unit, path_segment


def fresh(unit: Unit) -> Unit:
    return Unit.objects.get(pk=unit.pk)


def test_it_moves_with_the_paths_stored_not_the_ones_in_memory(city):
    station_stale = fresh(city.station_a)  # loaded before its parent moves
    actions.update_unit(city.sysadmin, fresh(city.police_a), version=1, parent=fresh(city.county_b))
    actions.update_unit(city.sysadmin, station_stale, version=1, parent=fresh(city.court_b))
    station = fresh(city.station_a)
    assert station.path == fresh(city.court_b).path + path_segment(station.pk)
    assert station.depth == 3
    paths = dict(Unit.objects.values_list("pk", "path"))
    for unit in Unit.objects.exclude(parent=None):
        assert unit.path == paths[unit.parent_id] + path_segment(unit.pk)


def test_it_sees_a_cycle_created_by_an_earlier_move(city):
    county_a_stale, court_b_stale = fresh(city.county_a), fresh(city.court_b)
    # county_b goes under county_a; county_a must now not go under court_b (loaded before that)
    actions.update_unit(city.sysadmin, fresh(city.county_b), version=1, parent=fresh(city.county_a))
    with pytest.raises(ValidationError) as exc:
        actions.update_unit(city.sysadmin, county_a_stale, version=1, parent=court_b_stale)
    assert "会形成循环" in exc.value.message_dict["parent"][0]


def test_it_refuses_to_make_a_unit_a_root(city):
    with pytest.raises(ValidationError) as exc:
        actions.update_unit(city.sysadmin, fresh(city.court_a), version=1, parent=None)
    assert exc.value.message_dict == {"parent": ["请选择上级单位"]}
    assert fresh(city.court_a).parent_id == city.county_a.pk


def test_it_refuses_a_move_under_a_unit_outside_the_actors_grant(city):
    RoleAssignment.objects.filter(user=city.sysadmin).update(unit=city.county_a)
    with pytest.raises(PermissionDenied):
        actions.update_unit(city.sysadmin, fresh(city.court_a), version=1, parent=fresh(city.county_b))
    assert fresh(city.court_a).parent_id == city.county_a.pk


def test_it_normalises_codes_and_checks_them(city):
    unit = actions.create_unit(
        city.sysadmin,
        parent=city.county_b,
        name="乙县检察院",
        type="procuratorate",
        code=" Ｃ３７０２１２-JCY ",
        region_code="３７０２１２",
    )
    assert (unit.code, unit.region_code) == ("C370212-JCY", "370212")
    with pytest.raises(ValidationError) as exc:
        actions.create_unit(
            city.sysadmin, parent=city.county_b, name="重复", type="court", code="C370212-JCY"
        )
    assert "已被其他单位使用" in exc.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as exc:
        actions.create_unit(
            city.sysadmin, parent=city.county_b, name="", type="court", code="X", region_code="٣٧٠٢١٢"
        )
    assert set(exc.value.message_dict) == {"name", "region_code"}


def test_it_treats_police_numbers_case_insensitively(city):
    taken = city.people["judge_b"].police_no
    with pytest.raises(ValidationError) as exc:
        actions.create_person(
            city.office_handler,
            id_number=make_id_number(701),
            name="甲",
            gender="M",
            police_no=f" {taken.lower()} ",
            unit=city.court_a,
        )
    assert "已被其他干警使用" in exc.value.message_dict["police_no"][0]


def test_it_saves_a_changed_id_number_and_version_only(city):
    judge = Person.objects.get(pk=city.people["judge_a"].pk)
    new = make_id_number(702)
    actions.update_person(city.office_handler, judge, version=1, id_number=new)
    stored = Person.objects.get(pk=judge.pk)
    assert (stored.id_number(), stored.version, stored.name) == (new, 2, "张明")
    assert Person.objects.search(new).get() == stored
    with pytest.raises(ConflictError):
        actions.update_person(city.office_handler, Person.objects.get(pk=judge.pk), version=1, rank="x")


def test_it_writes_a_verifiable_audit_trail(city):
    actions.update_unit(city.sysadmin, fresh(city.court_a), version=1, name="甲县法院")
    actions.reveal_id_number(city.leader_a, city.people["judge_a"])
    assert list(Entry.objects.order_by("-seq").values_list("action", flat=True)[:2]) == [
        "person.id_number_viewed",
        "unit.changed",
    ]
    assert list(verify_chain()) == []


def open_postings(person: Person) -> list[tuple[int, bool]]:
    """(unit, still open) for each posting, oldest first."""
    return [(p.unit_id, p.ended_on is None) for p in person.postings.order_by("id")]


def test_it_ends_the_posting_when_a_person_leaves_and_opens_one_on_return(city):
    officer = Person.objects.get(pk=city.people["officer_a"].pk)
    actions.update_person(city.office_handler, officer, version=1, status=Person.Status.RETIRED)
    assert open_postings(officer) == [(city.station_a.pk, False)]
    officer = Person.objects.get(pk=officer.pk)
    actions.update_person(
        city.office_handler, officer, version=2, status=Person.Status.ACTIVE, unit=city.court_b
    )
    assert open_postings(officer) == [(city.station_a.pk, False), (city.court_b.pk, True)]
    officer = Person.objects.get(pk=officer.pk)
    actions.update_person(city.office_handler, officer, version=3, rank="二级警长")
    assert officer.postings.count() == 2  # no change of unit or position: no new posting
