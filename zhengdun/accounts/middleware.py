"""Send a user whose password has expired (or must be changed) to the change-password page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from zhengdun.accounts.security import password_expired

_ALLOWED_PREFIXES = ("/accounts/password/", "/accounts/logout/", "/static/", "/api/")


class SessionSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and (user.must_change_password or password_expired(user))
        ):
            return redirect(reverse("accounts:password_change") + "?expired=1")
        return self.get_response(request)
