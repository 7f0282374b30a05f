"""The signed-in user of a request, with its real type.

Django types `request.user` as `User | AnonymousUser`. Every page that acts for someone sits
behind `login_required` (and every API operation behind `api_auth`), so there it is always a
`User`: `current_user(request)` narrows it once, here, instead of each view casting or ignoring
the type. Actions, permissions and rules then take a `User`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from zhengdun.accounts.models import User

__all__ = ["current_user"]


def current_user(request: HttpRequest) -> User:
    """The request's signed-in user. An anonymous request that gets here anyway (a view that
    forgot login_required) is refused, as the permission check would have refused it."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("请先登录")
    return user
