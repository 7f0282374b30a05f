"""A small city for tests: two counties, a few units, people, and one user per role.

    city (XX市)
    ├── office (市教育整顿办)
    ├── county_a (甲县) ── court_a (甲县人民法院), police_a (甲县公安局) ── station_a (城关派出所)
    └── county_b (乙县) ── court_b (乙县人民法院)

Users (password PASSWORD for all):
    office_handler (username office) 教育整顿办承办人 on city      leader_a  领导 on county_a
    handler_a 单位承办人 on court_a          handler_b 单位承办人 on court_b (sibling county)
    officer_a 干警 on station_a, linked to person officer_a_person
    outsider  no role at all
    sysadmin / secadmin / auditor  三员 on city
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from zhengdun.accounts.models import RoleAssignment, User
from zhengdun.accounts.roles import Role
from zhengdun.core import idcard
from zhengdun.org import actions as org_actions
from zhengdun.org.models import Person, Unit

PASSWORD = "Test-Passw0rd!"  # noqa: S105 - test fixture


def make_id_number(seq: int, born: dt.date = dt.date(1985, 3, 14), region: str = "370202") -> str:
    """A valid ID-card number, distinct per seq."""
    first17 = f"{region}{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + idcard.check_char(first17)


@dataclass
class City:
    city: Unit
    office: Unit
    county_a: Unit
    court_a: Unit
    police_a: Unit
    station_a: Unit
    county_b: Unit
    court_b: Unit
    users: dict[str, User]
    people: dict[str, Person]

    def __getattr__(self, name: str) -> Any:
        if name in self.users:
            return self.users[name]
        raise AttributeError(name)


def make_unit(parent: Unit | None, name: str, type_: str, code: str, region: str = "") -> Unit:
    return org_actions.create_unit(None, parent=parent, name=name, type=type_, code=code, region_code=region)


_seq = [0]


def make_person(unit: Unit, name: str, **extra: Any) -> Person:
    _seq[0] += 1
    n = _seq[0]
    values = {"gender": "M", "police_no": f"T{n:06d}", "position": "科员", **extra}
    return org_actions.create_person(None, id_number=make_id_number(n), name=name, unit=unit, **values)


def make_user(username: str, unit: Unit, *grants: tuple[str, Unit], person: Person | None = None) -> User:
    user = User.objects.create_user(
        username, password=PASSWORD, display_name=username, unit=unit, person=person
    )
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password_changed_at"])
    for role, on in grants:
        RoleAssignment.objects.create(user=user, role=role, unit=on)
    return user


def build_city() -> City:
    T = Unit.Type
    city = make_unit(None, "XX市", T.CITY, "C370200", "370200")
    office = make_unit(city, "市教育整顿办", T.OFFICE, "C370200-ZDB")
    county_a = make_unit(city, "甲县", T.COUNTY, "C370211", "370211")
    court_a = make_unit(county_a, "甲县人民法院", T.COURT, "C370211-FY")
    police_a = make_unit(county_a, "甲县公安局", T.PUBLIC_SECURITY, "C370211-GA")
    station_a = make_unit(police_a, "城关派出所", T.POLICE_STATION, "C370211-GA-01")
    county_b = make_unit(city, "乙县", T.COUNTY, "C370212", "370212")
    court_b = make_unit(county_b, "乙县人民法院", T.COURT, "C370212-FY")
    people = {
        "judge_a": make_person(court_a, "张明"),
        "judge_b": make_person(court_b, "李华", gender="F"),
        "officer_a": make_person(station_a, "王强"),
        "leader_a": make_person(county_a, "赵书记", position="县委政法委书记"),
    }
    users = {
        "office_handler": make_user("office", office, (Role.OFFICE_HANDLER, city)),
        "leader_a": make_user("leader_a", county_a, (Role.LEADER, county_a), person=people["leader_a"]),
        "handler_a": make_user("handler_a", court_a, (Role.UNIT_HANDLER, court_a)),
        "handler_b": make_user("handler_b", court_b, (Role.UNIT_HANDLER, court_b)),
        "officer_a": make_user("officer_a", station_a, (Role.OFFICER, station_a), person=people["officer_a"]),
        "outsider": make_user("outsider", city),
        "sysadmin": make_user("sysadmin", city, (Role.SYSTEM_ADMIN, city)),
        "secadmin": make_user("secadmin", city, (Role.SECURITY_ADMIN, city)),
        "auditor": make_user("auditor", city, (Role.AUDIT_ADMIN, city)),
    }
    return City(city, office, county_a, court_a, police_a, station_a, county_b, court_b, users, people)
