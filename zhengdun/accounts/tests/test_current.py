"""current_user: the typed signed-in user of a request."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from zhengdun.accounts.current import current_user


def test_it_answers_the_signed_in_user(city: Any) -> None:
    request = RequestFactory().get("/")
    request.user = city.handler_a
    assert current_user(request) == city.handler_a


def test_it_refuses_an_anonymous_request(db: Any) -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        current_user(request)
