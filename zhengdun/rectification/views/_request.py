"""What a rectification page reads off its request, typed: the signed-in user and django_htmx's
details. HttpRequest's stubs type `user` as User | AnonymousUser and know nothing of `htmx`; every
page here is behind login_required and HtmxMiddleware runs on every request, so these accessors
only make that explicit (one place, instead of an ignore at every call)."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from zhengdun.accounts.models import User


def user_of(request: HttpRequest) -> User:
    """The signed-in user of a login_required page."""
    user = request.user
    if not isinstance(user, User):
        # unreachable behind login_required; refuse rather than act as an anonymous caller
        raise PermissionDenied("请先登录")
    return user


def htmx_of(request: HttpRequest) -> HtmxDetails:
    """What django_htmx's middleware found about the request (falsy when htmx did not send it)."""
    details = getattr(request, "htmx", None)
    if not isinstance(details, HtmxDetails):
        raise ImproperlyConfigured("django_htmx.middleware.HtmxMiddleware is not installed")
    return details
