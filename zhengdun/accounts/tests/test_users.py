"""Opening, disabling, unlocking and resetting accounts; the user list and its scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhengdun.accounts import actions
from zhengdun.accounts.models import User
from zhengdun.accounts.roles import Role
from zhengdun.audit.models import Entry
from zhengdun.core.testing import PASSWORD, make_user


def create(city, actor=None, **values):
    data = {"username": "zhang3", "display_name": "张三", "unit": city.court_a, **values}
    return actions.create_user(actor or city.sysadmin, **data)


# --- create_user --------------------------------------------------------------------------------


def test_it_opens_an_account_that_must_change_its_password(city, client):
    user, password = create(city)
    assert (user.username, user.display_name, user.unit) == ("zhang3", "张三", city.court_a)
    assert user.must_change_password is True
    password_validation.validate_password(password, user)
    assert user.check_password(password)
    assert not user.role_assignments.exists()  # roles come from the security admin
    [entry] = Entry.objects.filter(action="user.created")
    assert entry.actor_id == city.sysadmin.pk and entry.object_id == str(user.pk)
    assert password not in str(entry.data)
    client.post("/accounts/login/", {"username": "zhang3", "password": password})
    assert client.get("/")["Location"] == "/accounts/password/change/?expired=1"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"username": ""}, "username", "请填写用户名"),
        ({"username": "ab"}, "username", "3–150位"),
        ({"username": "张三 x"}, "username", "只能包含"),
        ({"username": "HANDLER_A"}, "username", "已被使用"),
        ({"display_name": " "}, "display_name", "请填写姓名"),
        ({"unit": None}, "unit", "请选择所在单位"),
        ({"police_no": "NOPE"}, "police_no", "找不到警号"),
    ],
)
def test_it_names_the_field_of_bad_account_input(city, values, field, message):
    before = User.objects.count()
    with pytest.raises(ValidationError) as exc:
        create(city, **values)
    assert message in exc.value.message_dict[field][0]
    assert User.objects.count() == before
    assert not Entry.objects.filter(action="user.created").exists()


def test_it_refuses_a_police_number_already_linked_or_outside_the_unit(city):
    officer = city.people["officer_a"]
    with pytest.raises(ValidationError, match="已有账号"):
        create(city, unit=city.station_a, police_no=officer.police_no)
    with pytest.raises(ValidationError, match="找不到"):
        create(city, unit=city.court_b, police_no=city.people["judge_a"].police_no)
    user, _ = create(city, unit=city.court_a, police_no=city.people["judge_a"].police_no)
    assert user.person == city.people["judge_a"]


@pytest.mark.parametrize("actor", ["secadmin", "auditor", "office_handler", "handler_a", "outsider"])
def test_it_lets_only_a_system_admin_open_accounts(city, actor):
    with pytest.raises(PermissionDenied):
        create(city, actor=city.users[actor])
    assert not User.objects.filter(username="zhang3").exists()


def test_it_refuses_an_account_outside_the_system_admins_subtree(city):
    county_sysadmin = make_user("sys_a", city.county_a, (Role.SYSTEM_ADMIN, city.county_a))
    with pytest.raises(PermissionDenied):
        create(city, actor=county_sysadmin, unit=city.court_b)
    create(city, actor=county_sysadmin, unit=city.court_a)


# --- disable, unlock, reset ---------------------------------------------------------------------


def test_it_disables_and_enables_an_account_and_audits_both(city, client):
    client.force_login(city.handler_a)
    actions.set_active(city.sysadmin, city.handler_a, False)
    assert client.get("/").status_code == 302  # the open session ends
    assert client.post("/accounts/login/", {"username": "handler_a", "password": PASSWORD}).status_code == 200
    actions.set_active(city.sysadmin, city.handler_a, True)
    assert client.post("/accounts/login/", {"username": "handler_a", "password": PASSWORD}).status_code == 302
    assert [e.action for e in Entry.objects.filter(action__startswith="user.").order_by("seq")] == [
        "user.disabled",
        "user.enabled",
    ]


def test_it_resets_a_password_lifts_the_lock_and_ends_sessions(city, client):
    client.force_login(city.handler_a)
    User.objects.filter(pk=city.handler_a.pk).update(
        failed_logins=5, locked_until=timezone.now() + dt.timedelta(minutes=9)
    )
    target = User.objects.get(pk=city.handler_a.pk)
    password = actions.reset_password(city.sysadmin, target)
    target.refresh_from_db()
    assert target.check_password(password) and not target.check_password(PASSWORD)
    assert (target.must_change_password, target.failed_logins, target.locked_until) == (True, 0, None)
    assert client.get("/").status_code == 302
    [entry] = Entry.objects.filter(action="user.password_reset")
    assert password not in str(entry.data)


def test_it_unlocks_an_account(city):
    User.objects.filter(pk=city.handler_a.pk).update(
        failed_logins=5, locked_until=timezone.now() + dt.timedelta(minutes=9)
    )
    target = User.objects.get(pk=city.handler_a.pk)
    actions.unlock(city.sysadmin, target)
    target.refresh_from_db()
    assert (target.failed_logins, target.locked_until) == (0, None)
    assert Entry.objects.filter(action="user.unlocked").count() == 1


@pytest.mark.parametrize("action", ["disable", "reset", "unlock"])
def test_it_keeps_the_three_admin_accounts_out_of_the_system_admins_reach(city, action):
    # the system admin must not be able to take over the auditor's account
    do = {
        "disable": lambda actor, user: actions.set_active(actor, user, False),
        "reset": actions.reset_password,
        "unlock": actions.unlock,
    }[action]
    with pytest.raises(PermissionDenied):
        do(city.sysadmin, city.auditor)
    with pytest.raises(PermissionDenied):
        do(city.sysadmin, city.sysadmin)  # nor their own, through these functions
    do(city.secadmin, city.auditor)  # the security admin administers admin accounts


@pytest.mark.parametrize("actor", ["secadmin", "auditor", "office_handler", "leader_a", "handler_b"])
def test_it_refuses_account_administration_by_others(city, actor):
    with pytest.raises(PermissionDenied):
        actions.set_active(city.users[actor], city.handler_a, False)
    with pytest.raises(PermissionDenied):
        actions.reset_password(city.users[actor], city.handler_a)
    assert User.objects.get(pk=city.handler_a.pk).is_active


# --- pages --------------------------------------------------------------------------------------


def names(response) -> set[str]:
    return {u.username for u in response.context["page"]}


def test_it_lists_all_accounts_to_city_level_admins(client, city):
    everyone = set(User.objects.values_list("username", flat=True))
    for admin in ("sysadmin", "secadmin"):
        client.force_login(city.users[admin])
        response = client.get("/accounts/users/")
        assert response.status_code == 200
        assert names(response) == everyone


def test_it_scopes_the_list_to_the_viewers_subtree(client, city):
    county_secadmin = make_user("sec_a", city.county_a, (Role.SECURITY_ADMIN, city.county_a))
    client.force_login(county_secadmin)
    response = client.get("/accounts/users/")
    assert names(response) == {"leader_a", "handler_a", "officer_a", "sec_a"}
    assert client.get(f"/accounts/users/{city.handler_b.pk}/").status_code == 404
    assert client.get(f"/accounts/users/{city.handler_a.pk}/").status_code == 200


@pytest.mark.parametrize(
    "viewer", ["auditor", "office_handler", "leader_a", "handler_a", "officer_a", "outsider"]
)
def test_it_refuses_the_user_pages_to_everyone_else(client, city, viewer):
    client.force_login(city.users[viewer])
    assert client.get("/accounts/users/").status_code == 403
    assert client.get(f"/accounts/users/{city.handler_a.pk}/").status_code == 403
    assert client.get("/accounts/users/new/").status_code == 403


def test_it_filters_the_list(client, city):
    client.force_login(city.sysadmin)
    assert names(client.get("/accounts/users/?q=handler")) == {"handler_a", "handler_b"}
    assert names(client.get(f"/accounts/users/?role={Role.LEADER}")) == {"leader_a"}
    User.objects.filter(pk=city.outsider.pk).update(is_active=False)
    assert names(client.get("/accounts/users/?status=disabled")) == {"outsider"}
    User.objects.filter(pk=city.handler_b.pk).update(locked_until=timezone.now() + dt.timedelta(minutes=5))
    assert names(client.get("/accounts/users/?status=locked")) == {"handler_b"}


def test_it_lists_with_a_fixed_number_of_queries(client, city, django_assert_max_num_queries):
    client.force_login(city.sysadmin)
    client.get("/accounts/users/")
    for i in range(10):
        make_user(f"extra{i}", city.court_b, (Role.INSPECTOR, city.court_b))
    with django_assert_max_num_queries(15):
        client.get("/accounts/users/")


def test_it_opens_an_account_from_the_page_and_shows_the_password_once(client, city):
    client.force_login(city.sysadmin)
    assert client.get("/accounts/users/new/").status_code == 200
    response = client.post(
        "/accounts/users/new/", {"username": "li4", "display_name": "李四", "unit": city.court_b.pk}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["password"]
    assert password in response.content.decode()
    assert User.objects.get(username="li4").check_password(password)


def test_it_keeps_the_typed_input_when_the_account_form_is_refused(client, city):
    client.force_login(city.sysadmin)
    response = client.post(
        "/accounts/users/new/",
        {"username": "handler_a", "display_name": "<b>王五</b>", "unit": city.court_b.pk},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "用户名“handler_a”已被使用" in page
    assert 'value="&lt;b&gt;王五&lt;/b&gt;"' in page
    assert "<b>王五</b>" not in page


def test_it_administers_accounts_from_the_detail_page(client, city):
    client.force_login(city.sysadmin)
    target = city.handler_a
    page = client.get(f"/accounts/users/{target.pk}/").content.decode()
    assert "停用账号" in page and "重置密码" in page
    assert client.post(f"/accounts/users/{target.pk}/active/", {"active": "0"}).status_code == 302
    assert not User.objects.get(pk=target.pk).is_active
    assert client.post(f"/accounts/users/{target.pk}/active/", {"active": "1"}).status_code == 302
    reset = client.post(f"/accounts/users/{target.pk}/reset-password/")
    assert reset.status_code == 200 and "no-store" in reset["Cache-Control"]
    assert User.objects.get(pk=target.pk).check_password(reset.context["password"])
    # the auditor's account shows no such buttons to the system admin, and refuses the POST
    auditor_page = client.get(f"/accounts/users/{city.auditor.pk}/").content.decode()
    assert "重置密码" not in auditor_page
    assert client.post(f"/accounts/users/{city.auditor.pk}/reset-password/").status_code == 403
    assert client.get(f"/accounts/users/{target.pk}/active/").status_code == 405
