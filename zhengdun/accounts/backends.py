"""Django's model backend, with the signed-in user's home unit read in the same query: every
page's top bar shows its name, which otherwise cost a query of its own on every request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from zhengdun.accounts.models import User


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("unit").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
