"""The role-visibility matrix: for every user of build_city(), exactly which units and people
accounts.permissions.scope() lets them see.

Recusal (回避: nobody sees a clue in which they are a subject) applies to clues, not to the unit
tree or the roster, so it does not show in this matrix; the clues app tests it.
"""

from __future__ import annotations

import pytest

from zhengdun.accounts import permissions
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
COUNTY_A = {"甲县", "甲县人民法院", "甲县公安局", "城关派出所"}
ALL_PEOPLE = {"张明", "李华", "王强", "赵书记"}

MATRIX = {
    # user: (units under org.view_unit, people under org.view_person)
    "office_handler": (ALL_UNITS, ALL_PEOPLE),
    "leader_a": (COUNTY_A, {"张明", "王强", "赵书记"}),
    "handler_a": ({"甲县人民法院"}, {"张明"}),
    "handler_b": ({"乙县人民法院"}, {"李华"}),
    "officer_a": ({"城关派出所"}, set()),  # an officer sees their unit, not the roster
    "outsider": (set(), set()),
    # 三员: the system and security admins need the tree to manage accounts and grants; none of
    # the three sees the roster, and the auditor sees nothing but the audit trail
    "sysadmin": (ALL_UNITS, set()),
    "secadmin": (ALL_UNITS, set()),
    "auditor": (set(), set()),
}


def test_it_covers_every_user_of_the_test_city(city):
    assert set(MATRIX) == set(city.users)


@pytest.mark.parametrize("username", sorted(MATRIX))
def test_it_scopes_units_and_people_per_role(city, username):
    user = city.users[username]
    units, people = MATRIX[username]
    seen_units = set(
        permissions.scope(user, "org.view_unit", Unit.objects.all()).values_list("name", flat=True)
    )
    seen_people = set(
        permissions.scope(user, "org.view_person", Person.objects.all()).values_list("name", flat=True)
    )
    assert seen_units == units
    assert seen_people == people


def test_it_follows_a_new_grant_and_a_disabled_account(city):
    from zhengdun.accounts import actions
    from zhengdun.accounts.roles import Role

    actions.grant_role(city.secadmin, city.handler_b, role=Role.UNIT_HANDLER, unit=city.court_a)
    seen = permissions.scope(city.handler_b, "org.view_person", Person.objects.all())
    assert set(seen.values_list("name", flat=True)) == {"李华", "张明"}
    actions.set_active(city.sysadmin, city.handler_b, False)
    assert not permissions.scope(city.handler_b, "org.view_person", Person.objects.all()).exists()
