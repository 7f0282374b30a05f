"""What a rectification page reads off its request, typed: django_htmx's details, which
HttpRequest's stubs know nothing of (HtmxMiddleware runs on every request). The signed-in user
comes from accounts.current.current_user, the project's one typed accessor."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


def htmx_of(request: HttpRequest) -> HtmxDetails:
    """What django_htmx's middleware found about the request (falsy when htmx did not send it)."""
    details = getattr(request, "htmx", None)
    if not isinstance(details, HtmxDetails):
        raise ImproperlyConfigured("django_htmx.middleware.HtmxMiddleware is not installed")
    return details
