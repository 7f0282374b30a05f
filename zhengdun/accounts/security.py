"""Login-failure lockout and password age (等保 level 3 identity authentication).

The lockout rule lives here and nowhere else: after settings.LOGIN_MAX_FAILURES consecutive
failed attempts an account is locked for settings.LOGIN_LOCK_MINUTES; a successful login resets
the count; once a lock has run out the count starts again from zero.

What the person at the login form is told:
- unknown username or wrong password: the same "用户名或密码错误", so the form cannot be used to
  find out which usernames exist;
- a real account that is locked: "账号已锁定，请X分钟后再试". This does reveal that the account
  exists, but only to someone who has already failed on it LOGIN_MAX_FAILURES times, and the
  owner needs to know why a correct password is refused;
- a disabled account: the generic message (the owner will learn why from the administrator).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from zhengdun.audit.chain import record

if TYPE_CHECKING:
    from zhengdun.accounts.models import User

GENERIC_FAILURE = "用户名或密码错误"


def password_expired(user: User, now: dt.datetime | None = None) -> bool:
    if settings.PASSWORD_MAX_AGE_DAYS <= 0 or user.password_changed_at is None:
        return False
    now = now or timezone.now()
    return now - user.password_changed_at > dt.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)


def is_locked(user: User, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return user.locked_until is not None and user.locked_until > now


def lock_minutes_left(user: User, now: dt.datetime | None = None) -> int:
    """Whole minutes until the lock ends, rounded up (a lock never shows "0分钟")."""
    now = now or timezone.now()
    if user.locked_until is None or user.locked_until <= now:  # not locked
        return 0
    return max(1, math.ceil((user.locked_until - now).total_seconds() / 60))


def locked_message(user: User, now: dt.datetime | None = None) -> str:
    return f"账号已锁定，请{lock_minutes_left(user, now)}分钟后再试"


class LoginRefused(Exception):
    """The attempt failed; str(exc) is what the login form shows."""


@dataclass
class _Attempt:
    username: str
    user: User | None  # the account named, or None when no such username exists


def _find_account(username: str) -> User | None:
    from zhengdun.accounts.models import User

    return User.objects.filter(username=username).first()


def _audit_failure(attempt: _Attempt, reason: str) -> None:
    record(
        None,
        "auth.login_failed",
        attempt.user,
        {"username": attempt.username, "reason": reason},
        success=False,
        actor_name=attempt.username[:150],
        object_type="accounts.user",
    )


def _register_failure(attempt: _Attempt, account: User, now: dt.datetime) -> bool:
    """Count one failure against a real account; lock it when the limit is reached.

    Runs on the locked row so two parallel wrong guesses both count. Returns True when this
    failure locked the account."""
    from zhengdun.accounts.models import User

    user = User.objects.select_for_update().get(pk=account.pk)
    if user.locked_until is not None and user.locked_until <= now:
        # the previous lock has run out: a fresh series of attempts
        user.failed_logins = 0
        user.locked_until = None
    user.failed_logins = min(user.failed_logins + 1, 32767)
    just_locked = user.failed_logins >= settings.LOGIN_MAX_FAILURES
    if just_locked:
        user.locked_until = now + dt.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    user.save(update_fields=["failed_logins", "locked_until"])
    attempt.user = user
    return just_locked


def attempt_login(request: HttpRequest | None, username: str, password: str) -> User:
    """Check a username and password under the lockout rule and audit a failure.

    Returns the authenticated user (pass it to log_in), or raises LoginRefused with the message
    to show. Failures are recorded whether or not the username exists; the attempted username is
    kept in the audit entry."""
    from zhengdun.accounts.models import User

    now = timezone.now()
    attempt = _Attempt(username=username, user=_find_account(username))
    if attempt.user is not None and is_locked(attempt.user, now):
        # the password is not even checked while locked, so guessing cannot continue
        with transaction.atomic():
            _audit_failure(attempt, "locked")
        raise LoginRefused(locked_message(attempt.user, now))

    # authenticate() runs the password hasher for unknown usernames too, so the time a failed
    # attempt takes does not tell whether the username exists.
    user = authenticate(request, username=username, password=password)
    if isinstance(user, User):  # AUTH_USER_MODEL: every backend answers a User or None
        return user

    message = GENERIC_FAILURE
    # the exception is raised after the block: raising inside would roll the audit entry back
    with transaction.atomic():
        if attempt.user is None:
            _audit_failure(attempt, "unknown_user")
        elif not attempt.user.is_active:
            _audit_failure(attempt, "disabled")
        else:
            just_locked = _register_failure(attempt, attempt.user, now)
            _audit_failure(attempt, "bad_password")
            if just_locked:
                record(
                    None,
                    "auth.locked",
                    attempt.user,
                    {
                        "username": username,
                        "failures": attempt.user.failed_logins,
                        "locked_until": attempt.user.locked_until,
                    },
                    success=False,
                    actor_name=username[:150],
                )
                message = locked_message(attempt.user, now)
    raise LoginRefused(message)


def log_in(request: HttpRequest, user: User) -> None:
    """Start the session of a user attempt_login accepted: reset the failure count, rotate the
    session key (django login) and audit the login, all in one transaction."""
    with transaction.atomic():
        if user.failed_logins or user.locked_until:
            type(user).objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
            user.failed_logins, user.locked_until = 0, None
        login(request, user)
        record(user, "auth.login", user, {"username": user.get_username()})


def log_out(request: HttpRequest) -> None:
    """End the session, auditing who left."""
    user = request.user
    with transaction.atomic():
        logout(request)
        if user.is_authenticated:
            record(user, "auth.logout", user, {"username": user.get_username()})
