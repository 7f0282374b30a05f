"""Session security on every request: the sliding idle timeout, and a user whose password has
expired (or must be changed) sent to the change-password page."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from zhengdun.accounts.security import password_expired

_ALLOWED_PREFIXES = ("/accounts/password/", "/accounts/logout/", "/static/", "/api/")
# when the session's idle clock was last pushed forward (epoch seconds, in the session)
TOUCHED = "_zd_touched"


class SessionSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            touch_session(request)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and (user.must_change_password or password_expired(user))
        ):
            return redirect(reverse("accounts:password_change") + "?expired=1")
        return self.get_response(request)


def touch_session(request: HttpRequest) -> None:
    """Push the session's expiry (SESSION_COOKIE_AGE of idleness) forward if the last push is
    older than SESSION_REFRESH_SECONDS; the changed key makes Django save the session with a new
    expiry. The idle limit so holds to within that many seconds."""
    now = int(time.time())
    if now - int(request.session.get(TOUCHED, 0)) >= settings.SESSION_REFRESH_SECONDS:
        request.session[TOUCHED] = now
