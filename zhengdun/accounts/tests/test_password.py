"""Password policy, the change-password page, and the expiry/must-change redirect."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone

from zhengdun.accounts import actions
from zhengdun.accounts.models import User
from zhengdun.accounts.passwords import ComplexityValidator
from zhengdun.audit.models import Entry
from zhengdun.core.testing import PASSWORD

CHANGE = "/accounts/password/change/"
NEW = "Neu-Kennwort-42"


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("abcdefgh", False),  # 1 class
        ("abcdEFGH", False),  # 2 classes
        ("abcd1234", False),
        ("abcd!@#$", False),
        ("abcdEF12", True),  # lower, upper, digit
        ("abcd12!@", True),  # lower, digit, special
        ("ABCD12!@", True),  # upper, digit, special
        ("abCD!@#$", True),  # lower, upper, special
        ("abCD12!@", True),  # all 4
        ("密码密码12ab", True),  # Chinese characters count as special characters
    ],
)
def test_it_requires_three_of_four_character_classes(password, ok):
    validator = ComplexityValidator()
    if ok:
        validator.validate(password)
    else:
        with pytest.raises(ValidationError, match="至少包含大写字母、小写字母、数字、特殊字符中的3类"):
            validator.validate(password)


def test_it_applies_every_configured_validator(city):
    with pytest.raises(ValidationError) as short:
        password_validation.validate_password("aB1!", city.handler_a)
    assert any("8" in m for m in short.value.messages)  # minimum length
    with pytest.raises(ValidationError):
        password_validation.validate_password("Password1", city.handler_a)  # a common password
    password_validation.validate_password(NEW, city.handler_a)


def test_it_generates_initial_passwords_that_meet_the_policy():
    for _ in range(20):
        password = actions.generate_password()
        password_validation.validate_password(password)
        assert len(password) == 14


def login(client, username="handler_a"):
    client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def test_it_changes_the_password_and_audits_it(client, city):
    User.objects.filter(pk=city.handler_a.pk).update(
        must_change_password=True, password_changed_at=timezone.now() - dt.timedelta(days=200)
    )
    login(client)
    response = client.post(CHANGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    user = User.objects.get(pk=city.handler_a.pk)
    assert user.check_password(NEW)
    assert user.must_change_password is False
    assert timezone.now() - user.password_changed_at < dt.timedelta(minutes=1)
    [entry] = Entry.objects.filter(action="auth.password_changed")
    assert entry.actor_id == user.pk
    assert NEW not in str(entry.data)
    # the session survives the change and the redirect no longer happens
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
            "old_password",
            "旧密码不正确",
        ),
        (
            {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"},
            "new_password2",
            "不一致",
        ),
        (
            {"old_password": PASSWORD, "new_password1": "abcdefgh1", "new_password2": "abcdefgh1"},
            "new_password2",
            "3类",
        ),
        ({"old_password": PASSWORD, "new_password1": "aB1!", "new_password2": "aB1!"}, "new_password2", "8"),
        (
            {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
            "new_password1",
            "不能与当前密码相同",
        ),
        ({"old_password": PASSWORD, "new_password1": "", "new_password2": ""}, "new_password1", "必填"),
    ],
)
def test_it_refuses_a_bad_new_password_beside_the_field(client, city, data, field, message):
    client.force_login(city.handler_a)
    response = client.post(CHANGE, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert any(message in e for e in errors[field]), errors
    assert User.objects.get(pk=city.handler_a.pk).check_password(PASSWORD)
    assert not Entry.objects.filter(action="auth.password_changed").exists()


def test_it_refuses_a_weak_password_in_the_action_too(city):
    with pytest.raises(ValidationError) as exc:
        actions.change_password(city.handler_a, "abcdefgh")
    assert "new_password1" in exc.value.message_dict
    assert User.objects.get(pk=city.handler_a.pk).check_password(PASSWORD)


def test_it_sends_a_must_change_user_to_the_change_page(client, city):
    User.objects.filter(pk=city.handler_a.pk).update(must_change_password=True)
    login(client)
    for path in ("/", "/accounts/tokens/", "/org/units/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == CHANGE + "?expired=1"
    page = client.get(CHANGE + "?expired=1")
    assert page.status_code == 200
    assert "请先设置新密码" in page.content.decode()


def test_it_sends_a_user_with_an_expired_password_to_the_change_page(client, city, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    User.objects.filter(pk=city.handler_a.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=91)
    )
    login(client)
    response = client.get("/")
    assert response["Location"] == CHANGE + "?expired=1"
    page = client.get(response["Location"]).content.decode()
    assert "您的密码已超过90天未修改" in page


def test_it_lets_a_user_with_a_recent_password_through(client, city):
    User.objects.filter(pk=city.handler_a.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=89)
    )
    login(client)
    assert client.get("/").status_code == 200
    assert "已超过" not in client.get(CHANGE).content.decode()


def test_it_lets_an_expired_user_log_out(client, city):
    User.objects.filter(pk=city.handler_a.pk).update(must_change_password=True)
    login(client)
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_it_requires_login_for_the_change_page(client, db):
    response = client.get(CHANGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
