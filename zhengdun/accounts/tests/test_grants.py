"""Role grants: 三员分立, who may grant what where, and the grant/revoke pages."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zhengdun.accounts import actions, permissions
from zhengdun.accounts.models import RoleAssignment, User
from zhengdun.accounts.roles import ADMIN_ROLES, Role
from zhengdun.audit.models import Entry
from zhengdun.core.testing import make_user

BUSINESS_ROLES = [r for r in Role.values if r not in ADMIN_ROLES]


def fresh(city, name: str = "newbie", unit=None) -> User:
    return make_user(name, unit or city.court_a)


def grant(city, user, role, unit=None):
    return actions.grant_role(city.secadmin, user, role=role, unit=unit or city.city)


# --- 三员分立 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "second"), list(itertools.permutations(sorted(ADMIN_ROLES), 2)))
def test_it_refuses_a_second_admin_role(city, first, second):
    user = fresh(city)
    grant(city, user, first)
    with pytest.raises(ValidationError) as exc:
        grant(city, user, second)
    [message] = exc.value.message_dict["role"]
    assert "三员分立" in message
    assert Role(first).label in message and Role(second).label in message
    assert set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == {first}


@pytest.mark.parametrize("admin", sorted(ADMIN_ROLES))
@pytest.mark.parametrize("business", BUSINESS_ROLES)
def test_it_refuses_an_admin_role_to_an_account_with_a_business_role(city, admin, business):
    user = fresh(city)
    grant(city, user, business, city.court_a)
    with pytest.raises(ValidationError) as exc:
        grant(city, user, admin)
    assert "业务角色" in exc.value.message_dict["role"][0]
    assert not RoleAssignment.objects.filter(user=user, role=admin).exists()


@pytest.mark.parametrize("admin", sorted(ADMIN_ROLES))
@pytest.mark.parametrize("business", BUSINESS_ROLES)
def test_it_refuses_a_business_role_to_an_admin_account(city, admin, business):
    user = fresh(city)
    grant(city, user, admin)
    with pytest.raises(ValidationError) as exc:
        grant(city, user, business, city.court_a)
    assert Role(admin).label in exc.value.message_dict["role"][0]
    assert not RoleAssignment.objects.filter(user=user, role=business).exists()


def test_it_refuses_the_built_in_admins_a_second_admin_role(city):
    for user, role in [(city.sysadmin, Role.AUDIT_ADMIN), (city.auditor, Role.SYSTEM_ADMIN)]:
        with pytest.raises(ValidationError):
            grant(city, user, role)


def test_it_allows_several_business_roles_and_the_same_admin_role_on_two_units(city):
    user = fresh(city)
    grant(city, user, Role.UNIT_HANDLER, city.court_a)
    grant(city, user, Role.INSPECTOR, city.county_b)
    admin = fresh(city, "admin2", city.county_a)
    grant(city, admin, Role.SYSTEM_ADMIN, city.county_a)
    grant(city, admin, Role.SYSTEM_ADMIN, city.county_b)
    assert RoleAssignment.objects.filter(user=user).count() == 2
    assert RoleAssignment.objects.filter(user=admin).count() == 2


def test_it_refuses_a_duplicate_grant(city):
    user = fresh(city)
    grant(city, user, Role.INSPECTOR, city.county_a)
    with pytest.raises(ValidationError, match="已有“督导组”角色"):
        grant(city, user, Role.INSPECTOR, city.county_a)


# --- who may grant ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "actor", ["office_handler", "leader_a", "handler_a", "officer_a", "outsider", "sysadmin", "auditor"]
)
def test_it_refuses_grants_by_anyone_but_a_security_admin(city, actor):
    user = fresh(city)
    with pytest.raises(PermissionDenied):
        actions.grant_role(city.users[actor], user, role=Role.INSPECTOR, unit=city.court_a)
    assert not RoleAssignment.objects.filter(user=user).exists()


def test_it_refuses_a_security_admin_granting_themself(city):
    with pytest.raises(PermissionDenied, match="自己"):
        actions.grant_role(city.secadmin, city.secadmin, role=Role.SECURITY_ADMIN, unit=city.county_a)


def test_it_refuses_a_grant_on_a_unit_outside_the_security_admins_subtree(city):
    county_secadmin = make_user("sec_a", city.county_a, (Role.SECURITY_ADMIN, city.county_a))
    target = fresh(city)  # home unit court_a, inside county_a
    actions.grant_role(county_secadmin, target, role=Role.UNIT_HANDLER, unit=city.court_a)
    for unit in (city.court_b, city.county_b, city.city):
        with pytest.raises(PermissionDenied):
            actions.grant_role(county_secadmin, target, role=Role.INSPECTOR, unit=unit)
    assert RoleAssignment.objects.filter(user=target).count() == 1


def test_it_refuses_a_grant_to_an_account_outside_the_security_admins_subtree(city):
    county_secadmin = make_user("sec_a", city.county_a, (Role.SECURITY_ADMIN, city.county_a))
    with pytest.raises(PermissionDenied, match="管辖范围"):
        actions.grant_role(county_secadmin, city.handler_b, role=Role.INSPECTOR, unit=city.court_a)


def test_it_lets_only_a_security_admin_grant_the_audit_admin_role(city, monkeypatch):
    # Even if a later change of the PERMISSIONS table gave another role accounts.grant_roles,
    # the audit admin role stays the security admin's to give.
    from zhengdun.accounts import roles

    patched = dict(roles.PERMISSIONS)
    patched[Role.SYSTEM_ADMIN] = patched[Role.SYSTEM_ADMIN] | {"accounts.grant_roles"}
    monkeypatch.setattr(roles, "PERMISSIONS", patched)
    sysadmin = User.objects.get(pk=city.sysadmin.pk)
    user = fresh(city)
    with pytest.raises(PermissionDenied, match="只有安全管理员"):
        actions.grant_role(sysadmin, user, role=Role.AUDIT_ADMIN, unit=city.city)
    actions.grant_role(sysadmin, user, role=Role.INSPECTOR, unit=city.city)  # the patch is real
    other = fresh(city, "other")
    actions.grant_role(city.secadmin, other, role=Role.AUDIT_ADMIN, unit=city.city)


def test_it_refuses_grants_to_a_disabled_account_or_on_a_disabled_unit(city):
    user = fresh(city)
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(ValidationError, match="已停用"):
        grant(city, user, Role.INSPECTOR)
    user2 = fresh(city, "u2")
    city.court_b.is_active = False
    city.court_b.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as exc:
        grant(city, user2, Role.INSPECTOR, city.court_b)
    assert "unit" in exc.value.message_dict


@pytest.mark.parametrize(
    ("role", "unit", "field"), [("", "city", "role"), ("root", "city", "role"), ("inspector", None, "unit")]
)
def test_it_names_the_field_of_bad_grant_input(city, role, unit, field):
    with pytest.raises(ValidationError) as exc:
        actions.grant_role(city.secadmin, fresh(city), role=role, unit=getattr(city, unit) if unit else None)
    assert field in exc.value.message_dict


# --- effects and audit --------------------------------------------------------------------------


def test_it_records_grants_and_revocations_and_refreshes_permissions(city):
    user = fresh(city)
    assert not permissions.has_permission(user, "org.view_person")
    assignment = grant(city, user, Role.INSPECTOR, city.county_a)
    assert permissions.has_permission(user, "org.view_person", city.court_a)  # cache was dropped
    assert assignment.granted_by == city.secadmin
    [granted] = Entry.objects.filter(action="role.granted")
    assert granted.actor_id == city.secadmin.pk
    assert granted.object_id == str(user.pk)
    assert granted.data["role"] == Role.INSPECTOR and granted.data["unit"] == "甲县"

    actions.revoke_role(city.secadmin, assignment)
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert not permissions.has_permission(user, "org.view_person")
    [revoked] = Entry.objects.filter(action="role.revoked")
    assert revoked.data["grant_id"] == granted.data["grant_id"]


def test_it_refuses_revocation_by_the_wrong_people(city):
    handler_grant = RoleAssignment.objects.get(user=city.handler_a)
    for actor in (city.sysadmin, city.auditor, city.handler_a, city.office_handler):
        with pytest.raises(PermissionDenied):
            actions.revoke_role(actor, handler_grant)
    own = RoleAssignment.objects.get(user=city.secadmin)
    with pytest.raises(PermissionDenied):
        actions.revoke_role(city.secadmin, own)
    assert RoleAssignment.objects.filter(pk__in=[handler_grant.pk, own.pk]).count() == 2
    assert not Entry.objects.filter(action="role.revoked").exists()


# --- pages --------------------------------------------------------------------------------------


def test_it_grants_a_role_from_the_user_page(client, city):
    client.force_login(city.secadmin)
    user = fresh(city)
    page = client.get(f"/accounts/users/{user.pk}/")
    assert "授予角色" in page.content.decode()
    response = client.post(
        f"/accounts/users/{user.pk}/grant/", {"role": Role.INSPECTOR, "unit": city.county_a.pk}
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=user, role=Role.INSPECTOR, unit=city.county_a).exists()


def test_it_shows_the_separation_message_beside_the_role_field_and_keeps_the_input(client, city):
    client.force_login(city.secadmin)
    response = client.post(
        f"/accounts/users/{city.sysadmin.pk}/grant/", {"role": Role.AUDIT_ADMIN, "unit": city.county_b.pk}
    )
    assert response.status_code == 400
    form = response.context["grant_form"]
    assert "三员分立" in form.errors["role"][0]
    page = response.content.decode()
    assert "三员分立：该账号已是" in page
    assert f'<option value="{Role.AUDIT_ADMIN}" selected>' in page
    assert f'<option value="{city.county_b.pk}" selected>' in page
    assert not RoleAssignment.objects.filter(user=city.sysadmin, role=Role.AUDIT_ADMIN).exists()


def test_it_offers_only_units_in_the_security_admins_subtree(client, city):
    county_secadmin = make_user("sec_a", city.county_a, (Role.SECURITY_ADMIN, city.county_a))
    client.force_login(county_secadmin)
    target = fresh(city)
    response = client.post(
        f"/accounts/users/{target.pk}/grant/", {"role": Role.INSPECTOR, "unit": city.court_b.pk}
    )
    assert response.status_code == 400
    assert "请选择有效的授权单位" in response.context["grant_form"].errors["unit"][0]
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_it_hides_the_grant_form_from_those_who_cannot_grant(client, city):
    client.force_login(city.sysadmin)
    page = client.get(f"/accounts/users/{city.handler_a.pk}/").content.decode()
    assert "授予角色" not in page
    assert client.post(
        f"/accounts/users/{city.handler_a.pk}/grant/", {"role": Role.INSPECTOR, "unit": city.city.pk}
    ).status_code in (400, 403)
    assert RoleAssignment.objects.filter(user=city.handler_a).count() == 1
    client.force_login(city.secadmin)
    own = client.get(f"/accounts/users/{city.secadmin.pk}/").content.decode()
    assert "授予角色" not in own and "撤销</button>" not in own


def test_it_revokes_from_the_user_page(client, city):
    client.force_login(city.secadmin)
    assignment = RoleAssignment.objects.get(user=city.handler_b)
    response = client.post(f"/accounts/grants/{assignment.pk}/revoke/")
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_it_answers_404_for_a_grant_on_an_account_out_of_scope(client, city):
    county_secadmin = make_user("sec_a", city.county_a, (Role.SECURITY_ADMIN, city.county_a))
    client.force_login(county_secadmin)
    assignment = RoleAssignment.objects.get(user=city.handler_b)
    assert client.post(f"/accounts/grants/{assignment.pk}/revoke/").status_code == 404
    data = {"role": Role.INSPECTOR, "unit": city.court_a.pk}
    assert client.post(f"/accounts/users/{city.handler_b.pk}/grant/", data).status_code == 404
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
