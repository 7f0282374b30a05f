"""The one place that decides what a user may see and do.

    scope(user, permission, queryset)   -> the rows the user may act on with that permission
    get_for_user(user, permission, queryset, pk) -> one row, or Http404 (same as "not found")
    has_permission(user, permission, unit=None) -> bool, for buttons and unit-level actions
    require(user, permission, unit=None) -> raises PermissionDenied

A grant (RoleAssignment) gives its role's permissions on a unit and its whole subtree. A scoped
model declares the facts this module needs, as class attributes or methods:

    scope_units = ("unit",)     # lookups holding the unit id(s) a row belongs to; any one counts
                                # ("pk" for the unit itself, two for a clue: handling and owner)
    def scope_extra(cls, user, permission) -> Q | None      # explicit grants/shares (added)
    def scope_exclude(cls, user, permission) -> Q | None    # recusal, sensitivity (removed)

Rows are matched by unit id against the subtree's ids (`unit_id IN (SELECT id FROM org_unit
WHERE path LIKE …)`), never by joining the unit table per row: at a million clues the join made
every list and count read every row. A user whose grants cover every root unit needs no unit
condition at all on a model with a required unit. Exclusions should likewise name rows by id
(small sets such as a user's recusals), so a count can be answered from an index.

Every page, API endpoint, search and export calls scope() or get_for_user(); nothing filters by
unit on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Field, Model, Q, QuerySet, Value
from django.http import Http404

from zhengdun.accounts.roles import permissions_of

if TYPE_CHECKING:
    # The functions below take request.user as it is (User | AnonymousUser): an anonymous
    # caller simply holds no grant. Actions take a User (accounts.current.current_user).
    from django.contrib.auth.models import AnonymousUser

    from zhengdun.accounts.models import User
    from zhengdun.org.models import Unit

M = TypeVar("M", bound=Model)
# scope() hands back the queryset class it was given (a model's custom QuerySet keeps its methods)
QS = TypeVar("QS", bound=QuerySet[Any])


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    unit_path: str
    permissions: frozenset[str]


def grants_of(user: User | AnonymousUser) -> list[Grant]:
    """The user's grants, cached on the user object for the length of a request."""
    from zhengdun.accounts.models import RoleAssignment, User
    from zhengdun.org.models import Unit

    # anonymous (or no one at all): no grants
    if not isinstance(user, User) or not user.is_active:
        return []
    cached = getattr(user, "_zd_grants", None)
    if cached is not None:
        return cached

    assignments = (
        RoleAssignment.objects.filter(user=user, unit__is_active=True)
        .order_by()
        .values_list("role", "unit_id", "unit__path")
    )
    # the root units' paths (covers_everything) ride along in the same round trip, marked by an
    # empty role: nearly every page asks both
    roots = Unit.objects.filter(parent__isnull=True).order_by().values_list(Value(""), "pk", "path")
    grants, root_paths = [], []
    for role, unit_id, path in assignments.union(roots, all=True):
        if role:
            grants.append(Grant(role, unit_id, path, permissions_of(role)))
        else:
            root_paths.append(path)
    user._zd_grants = grants
    user._zd_roots = sorted(root_paths)
    return grants


def forget_grants(user: User | AnonymousUser) -> None:
    """Drop the per-request cache after a grant changes."""
    if hasattr(user, "_zd_grants"):
        del user._zd_grants


def unit_paths_for(user: User | AnonymousUser, permission: str) -> list[str]:
    """Unit-path prefixes on which the user holds the permission, without nested duplicates."""
    paths = sorted({g.unit_path for g in grants_of(user) if permission in g.permissions})
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def roles_of(user: User | AnonymousUser) -> set[str]:
    return {g.role for g in grants_of(user)}


def has_permission(user: User | AnonymousUser, permission: str, unit: Unit | None = None) -> bool:
    """Whether the user holds the permission anywhere (unit=None) or on that unit's subtree."""
    paths = unit_paths_for(user, permission)
    if unit is None:
        return bool(paths)
    return any(unit.path.startswith(p) for p in paths)


def require(user: User | AnonymousUser, permission: str, unit: Unit | None = None) -> None:
    if not has_permission(user, permission, unit):
        raise PermissionDenied("您没有执行此操作的权限")


def covers_everything(user: User | AnonymousUser, permission: str) -> bool:
    """Whether the user's grants for permission cover every unit (a grant on each root unit)."""
    from zhengdun.accounts.models import User
    from zhengdun.org.models import Unit

    paths = unit_paths_for(user, permission)
    if not paths:
        return False
    roots = getattr(user, "_zd_roots", None)
    if roots is None:
        roots = list(Unit.objects.filter(parent__isnull=True).values_list("path", flat=True))
        if isinstance(user, User):
            user._zd_roots = roots
    return all(root in paths for root in roots)


def units_under(paths: list[str]) -> QuerySet:
    """The ids of the units in the given subtrees, as a subquery."""
    from zhengdun.org.models import Unit

    in_subtrees = Q(pk__in=[])
    for path in paths:
        in_subtrees |= Q(path__startswith=path)
    return Unit.objects.filter(in_subtrees).values("pk")


def scope(user: User | AnonymousUser, permission: str, queryset: QS) -> QS:
    """The rows of queryset the user may act on with permission: unit subtree + explicit grants
    − rows the model excludes for this user (recusal, restricted sensitivity)."""
    model = queryset.model
    paths = unit_paths_for(user, permission)
    extra = model.scope_extra(user, permission) if hasattr(model, "scope_extra") else None
    if not paths and extra is None:
        return queryset.none()
    fields: tuple[str, ...] = model.scope_units
    if paths and covers_everything(user, permission) and any(_required(model, f) for f in fields):
        scoped = queryset
    else:
        allowed = Q(pk__in=[])
        if paths:
            units = units_under(paths)
            for field in fields:
                allowed |= Q(**{f"{field}__in": units})
        if extra is not None:
            allowed |= extra
        scoped = queryset.filter(allowed)
    exclude = model.scope_exclude(user, permission) if hasattr(model, "scope_exclude") else None
    if exclude is not None:
        scoped = scoped.exclude(exclude)
    return scoped


def _required(model: type[Model], lookup: str) -> bool:
    """Whether every row has a unit under this lookup (the primary key, or a non-null FK)."""
    if lookup == "pk":
        return True
    field = model._meta.get_field(lookup)
    # a reverse relation (or a generic key) may be empty for a row
    return isinstance(field, Field) and not field.null


def get_for_user(user: User | AnonymousUser, permission: str, queryset: QuerySet[M], **lookup: Any) -> M:
    """One row the user may act on, or Http404 — the same answer as a row that does not exist."""
    try:
        return scope(user, permission, queryset).get(**lookup)
    # ObjectDoesNotExist: the base of every model's DoesNotExist (queryset.model's among them)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404("未找到该记录") from exc
