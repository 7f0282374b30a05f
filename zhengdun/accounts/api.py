"""/api/v1/accounts/: who the caller is. Lets an integration check its token and see the roles
it acts with before it calls anything else."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from zhengdun.accounts import permissions
from zhengdun.accounts.api_auth import api_auth
from zhengdun.accounts.roles import Role

# auth on the router itself, so the endpoint is protected however it is mounted
router = Router(auth=api_auth, tags=["账号"])


class GrantOut(Schema):
    role: str
    role_label: str
    unit_id: int


class MeOut(Schema):
    username: str
    display_name: str
    unit_id: int | None
    unit_name: str
    roles: list[GrantOut]


@router.get("/me", response=MeOut, summary="当前调用者的账号与角色")
def me(request: HttpRequest) -> dict:
    user = request.auth  # type: ignore[attr-defined]
    grants = sorted(permissions.grants_of(user), key=lambda g: (g.unit_path, g.role))
    return {
        "username": user.username,
        "display_name": user.display_name,
        "unit_id": user.unit_id,
        "unit_name": user.unit.name if user.unit_id else "",
        "roles": [{"role": g.role, "role_label": Role(g.role).label, "unit_id": g.unit_id} for g in grants],
    }
