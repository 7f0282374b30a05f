"""Idle timeout, cookie flags, CSRF, and the production start-up guard (等保: auto-logout on
timeout, protected session credentials)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from zhengdun.accounts.middleware import TOUCHED
from zhengdun.accounts.models import RoleAssignment
from zhengdun.accounts.roles import Role
from zhengdun.core.testing import PASSWORD


def signed_in(client: Client, username: str = "handler_a") -> Session:
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return Session.objects.get(session_key=client.session.session_key)


def test_it_sets_a_thirty_minute_sliding_idle_timeout():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_REFRESH_SECONDS == 60


def _idle_for(session: Session, minutes: int) -> None:
    """Make the stored session look untouched for that many minutes."""
    store = SessionStore(session_key=session.session_key)
    store[TOUCHED] = int(time.time()) - minutes * 60
    store.save()
    expires = timezone.now() + dt.timedelta(minutes=30 - minutes)
    Session.objects.filter(pk=session.pk).update(expire_date=expires)


def test_it_logs_out_a_session_idle_past_the_limit(client, city):
    session = signed_in(client)
    assert client.get("/").status_code == 200
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_pushes_the_expiry_forward_when_the_user_comes_back(client, city):
    session = signed_in(client)
    _idle_for(session, 29)  # still inside the limit
    assert client.get("/").status_code == 200
    session.refresh_from_db()
    remaining = session.expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < remaining <= dt.timedelta(minutes=30)


def test_it_does_not_write_the_session_on_every_request(client, city):
    session = signed_in(client)
    _idle_for(session, 0)
    session.refresh_from_db()
    before = session.expire_date
    for _ in range(3):
        assert client.get("/").status_code == 200
    session.refresh_from_db()
    assert session.expire_date == before  # read, not rewritten, within the refresh interval
    _idle_for(session, 2)
    assert client.get("/").status_code == 200
    session.refresh_from_db()
    assert session.expire_date - timezone.now() > dt.timedelta(minutes=29)


def test_it_marks_the_session_cookie_httponly_and_samesite_lax(client, city):
    response = client.post("/accounts/login/", {"username": "handler_a", "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    # without ZHENGDUN_HTTPS (plain-HTTP intranet installs) the cookie cannot be Secure
    assert not cookie["secure"]
    csrf = client.get("/accounts/login/").cookies.get(settings.CSRF_COOKIE_NAME)
    if csrf is not None:
        assert csrf["samesite"] == "Lax"


def run_settings(tmp_path, code: str, **env: str) -> subprocess.CompletedProcess:
    """Start a fresh interpreter with the given environment and import the settings there, as a
    production start would."""
    full_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ZHENGDUN_")},
        "DJANGO_SETTINGS_MODULE": "zhengdun.config.settings",
        "ZHENGDUN_DATA_DIR": str(tmp_path),
        "ZHENGDUN_DEBUG": "0",
        "ZHENGDUN_SECRET_KEY": "k" * 50,
        **env,
    }
    full_env.pop("DATABASE_URL", None)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRINT_COOKIE_FLAGS = """
from django.conf import settings as s
print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,
                  s.SESSION_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS > 0]))
"""


@pytest.mark.parametrize(("https", "secure"), [("1", True), ("0", False)])
def test_it_makes_cookies_secure_when_https_is_on(tmp_path, https, secure):
    result = run_settings(tmp_path, "import json\n" + PRINT_COOKIE_FLAGS, ZHENGDUN_HTTPS=https)
    assert result.returncode == 0, result.stderr
    session_secure, csrf_secure, httponly, samesite, hsts = json.loads(result.stdout)
    assert (session_secure, csrf_secure, hsts) == (secure, secure, secure)
    assert (httponly, samesite) == (True, "Lax")


def test_it_refuses_to_start_in_production_with_the_public_secret_key(tmp_path):
    result = run_settings(tmp_path, "", ZHENGDUN_SECRET_KEY=settings.INSECURE_SECRET_KEY)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "production mode refuses to start" in result.stderr


def test_it_starts_in_production_with_a_proper_secret_key(tmp_path):
    # the control for the test above: the same start with a real key succeeds
    result = run_settings(tmp_path, "print('ok')")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_it_refuses_a_login_post_without_a_csrf_token(city):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "handler_a", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_it_accepts_a_login_post_with_the_csrf_token(city):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        "/accounts/login/", {"username": "handler_a", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_it_refuses_a_role_grant_post_without_a_csrf_token(city):
    client = Client(enforce_csrf_checks=True)
    client.force_login(city.secadmin)
    response = client.post(
        f"/accounts/users/{city.outsider.pk}/grant/", {"role": Role.INSPECTOR, "unit": city.county_a.pk}
    )
    assert response.status_code == 403
    assert not RoleAssignment.objects.filter(user=city.outsider).exists()
