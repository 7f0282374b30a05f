"""The one place that decides what a user may see and do.

    scope(user, permission, queryset)   -> the rows the user may act on with that permission
    get_for_user(user, permission, queryset, pk) -> one row, or Http404 (same as "not found")
    has_permission(user, permission, unit=None) -> bool, for buttons and unit-level actions
    require(user, permission, unit=None) -> raises PermissionDenied

A grant (RoleAssignment) gives its role's permissions on a unit and its whole subtree. A scoped
model declares the facts this module needs, as class attributes or methods:

    scope_unit_path = "unit__path"          # lookup of the unit path the row belongs to
    def scope_extra(cls, user, permission) -> Q | None      # explicit grants/shares (added)
    def scope_exclude(cls, user, permission) -> Q | None    # recusal, sensitivity (removed)

Every page, API endpoint, search and export calls scope() or get_for_user(); nothing filters by
unit on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from zhengdun.accounts.roles import permissions_of

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    unit_path: str
    permissions: frozenset[str]


def grants_of(user: Any) -> list[Grant]:
    """The user's grants, cached on the user object for the length of a request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_zd_grants", None)
    if cached is not None:
        return cached
    from zhengdun.accounts.models import RoleAssignment

    rows = RoleAssignment.objects.filter(user=user, unit__is_active=True).values_list(
        "role", "unit_id", "unit__path"
    )
    grants = [Grant(role, unit_id, path, permissions_of(role)) for role, unit_id, path in rows]
    user._zd_grants = grants
    return grants


def forget_grants(user: Any) -> None:
    """Drop the per-request cache after a grant changes."""
    if hasattr(user, "_zd_grants"):
        del user._zd_grants


def unit_paths_for(user: Any, permission: str) -> list[str]:
    """Unit-path prefixes on which the user holds the permission, without nested duplicates."""
    paths = sorted({g.unit_path for g in grants_of(user) if permission in g.permissions})
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def roles_of(user: Any) -> set[str]:
    return {g.role for g in grants_of(user)}


def has_permission(user: Any, permission: str, unit: Any = None) -> bool:
    """Whether the user holds the permission anywhere (unit=None) or on that unit's subtree."""
    paths = unit_paths_for(user, permission)
    if unit is None:
        return bool(paths)
    return any(unit.path.startswith(p) for p in paths)


def require(user: Any, permission: str, unit: Any = None) -> None:
    if not has_permission(user, permission, unit):
        raise PermissionDenied("您没有执行此操作的权限")


def scope(user: Any, permission: str, queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows of queryset the user may act on with permission: unit subtree + explicit grants
    − rows the model excludes for this user (recusal, restricted sensitivity)."""
    model = queryset.model
    paths = unit_paths_for(user, permission)
    allowed = Q(pk__in=[])
    lookup = f"{model.scope_unit_path}__startswith"  # type: ignore[attr-defined]
    for path in paths:
        allowed |= Q(**{lookup: path})
    extra = model.scope_extra(user, permission) if hasattr(model, "scope_extra") else None
    if extra is not None:
        allowed |= extra
    if not paths and extra is None:
        return queryset.none()
    scoped = queryset.filter(allowed)
    exclude = model.scope_exclude(user, permission) if hasattr(model, "scope_exclude") else None
    if exclude is not None:
        scoped = scoped.exclude(exclude)
    return scoped


def get_for_user(user: Any, permission: str, queryset: QuerySet[M], **lookup: Any) -> M:
    """One row the user may act on, or Http404 — the same answer as a row that does not exist."""
    try:
        return scope(user, permission, queryset).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("未找到该记录") from exc
