"""API tokens: issuing and revoking them, and bearer authentication on /api/v1/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import timezone
from ninja.testing import TestClient

from zhengdun.accounts import actions
from zhengdun.accounts.api import router
from zhengdun.accounts.api_auth import TokenAuth, token_digest
from zhengdun.accounts.models import ApiToken, User
from zhengdun.audit.models import Entry
from zhengdun.core.errors import InvalidTransition


def authenticate(raw: str):
    request = RequestFactory().get("/api/v1/")
    return TokenAuth().authenticate(request, raw)


def test_it_issues_a_token_storing_only_its_digest(city):
    token, raw = actions.issue_token(city.handler_a, name="12337 导入")
    assert raw.startswith("zd_")
    assert token.digest == token_digest(raw)
    assert raw not in {token.digest, token.prefix}
    assert raw[3:11] == token.prefix
    [entry] = Entry.objects.filter(action="token.issued")
    assert entry.actor_id == city.handler_a.pk
    assert raw not in str(entry.data)


def test_it_authenticates_a_valid_token_as_its_user(city):
    token, raw = actions.issue_token(city.handler_a, name="x")
    assert authenticate(raw) == city.handler_a
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_rejects_unknown_revoked_and_expired_tokens_and_disabled_users(city):
    assert authenticate("zd_not-a-real-token") is None
    revoked, raw_revoked = actions.issue_token(city.handler_a, name="revoked")
    actions.revoke_token(city.handler_a, revoked)
    assert authenticate(raw_revoked) is None
    expired, raw_expired = actions.issue_token(
        city.handler_a, name="expired", expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert authenticate(raw_expired) is None
    _, raw_b = actions.issue_token(city.handler_b, name="b")
    assert authenticate(raw_b) == city.handler_b
    User.objects.filter(pk=city.handler_b.pk).update(is_active=False)
    assert authenticate(raw_b) is None


def test_it_answers_the_api_with_the_tokens_user_and_roles(city):
    _, raw = actions.issue_token(city.leader_a, name="x")
    api = TestClient(router)
    response = api.get("/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "leader_a"
    assert [(r["role"], r["unit_id"]) for r in body["roles"]] == [("leader", city.county_a.pk)]
    assert api.get("/me", headers={"Authorization": "Bearer zd_forged"}).status_code == 401
    assert api.get("/me").status_code == 401


def test_it_authenticates_bearer_tokens_on_the_api(client, city):
    token, raw = actions.issue_token(city.handler_a, name="x")
    response = client.get("/api/v1/units", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    # the token acts with its user's scope: handler_a sees only their court
    assert [u["name"] for u in response.json()] == ["甲县人民法院"]
    assert client.get("/api/v1/units").status_code == 401
    assert client.get("/api/v1/units", HTTP_AUTHORIZATION="Bearer zd_forged").status_code == 401
    actions.revoke_token(city.handler_a, token)
    assert client.get("/api/v1/units", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_it_refuses_an_expired_token_on_the_api(client, city):
    token, raw = actions.issue_token(
        city.handler_a, name="x", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    assert client.get("/api/v1/units", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/units", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


@pytest.mark.parametrize(
    ("name", "expires_at", "field"),
    [
        ("", None, "name"),
        ("x" * 61, None, "name"),
        ("ok", timezone.now() - dt.timedelta(minutes=1), "expires_at"),
    ],
)
def test_it_names_the_field_of_bad_token_input(city, name, expires_at, field):
    with pytest.raises(ValidationError) as exc:
        actions.issue_token(city.handler_a, name=name, expires_at=expires_at)
    assert field in exc.value.message_dict
    assert not ApiToken.objects.exists()


def test_it_caps_the_number_of_active_tokens(city):
    for i in range(actions.MAX_ACTIVE_TOKENS):
        actions.issue_token(city.handler_a, name=f"t{i}")
    with pytest.raises(ValidationError, match="最多"):
        actions.issue_token(city.handler_a, name="one too many")


def test_it_lets_only_the_owner_revoke_a_token_and_only_once(city):
    token, _ = actions.issue_token(city.handler_a, name="x")
    with pytest.raises(PermissionDenied):
        actions.revoke_token(city.handler_b, token)
    actions.revoke_token(city.handler_a, token)
    with pytest.raises(InvalidTransition):
        actions.revoke_token(city.handler_a, ApiToken.objects.get(pk=token.pk))
    assert Entry.objects.filter(action="token.revoked").count() == 1


# --- the page -----------------------------------------------------------------------------------


def test_it_shows_a_new_token_once_on_the_page(client, city):
    client.force_login(city.outsider)  # any signed-in user may hold tokens
    response = client.post("/accounts/tokens/", {"name": "对接省平台", "expires_on": ""})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = response.context["issued"]["raw"]
    assert raw in response.content.decode()
    assert authenticate(raw) == city.outsider
    again = client.get("/accounts/tokens/").content.decode()
    assert raw not in again and "对接省平台" in again


def test_it_ends_a_token_at_the_end_of_its_last_day(client, city):
    client.force_login(city.outsider)
    day = timezone.localdate() + dt.timedelta(days=3)
    client.post("/accounts/tokens/", {"name": "x", "expires_on": day.isoformat()})
    token = ApiToken.objects.get()
    assert timezone.localtime(token.expires_at) == timezone.make_aware(
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "请填写令牌用途"),
        ({"name": "x", "expires_on": "2021.6.2"}, "expires_on", "格式"),
        ({"name": "x", "expires_on": "2001-01-01"}, "expires_on", "不能早于今天"),
    ],
)
def test_it_refuses_bad_token_input_on_the_page(client, city, data, field, message):
    client.force_login(city.outsider)
    response = client.post("/accounts/tokens/", data)
    assert response.status_code == 400
    assert message in response.context["form"].errors[field][0]
    assert not ApiToken.objects.exists()


def test_it_revokes_from_the_page_and_hides_other_peoples_tokens(client, city):
    mine, _ = actions.issue_token(city.handler_a, name="mine")
    theirs, _ = actions.issue_token(city.handler_b, name="theirs")
    client.force_login(city.handler_a)
    page = client.get("/accounts/tokens/").content.decode()
    assert "mine" in page and "theirs" not in page
    assert client.post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/accounts/tokens/{mine.pk}/revoke/").status_code == 302
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is not None
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
