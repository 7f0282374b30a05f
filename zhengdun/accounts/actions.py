"""Every change to accounts, role grants and API tokens goes through these functions.

Each one checks the actor's permission, validates, writes, and records the audit entry in the
same transaction. Validation failures raise ValidationError keyed by field name with a Chinese
message; permission failures raise PermissionDenied.

三员分立 (separation of the three admin roles), as enforced here:
- no account holds two of ADMIN_ROLES (系统管理员 / 安全管理员 / 审计管理员);
- an account holding an admin role holds no business role, and the other way round: admin
  accounts run the system, they do not handle cases;
- roles are granted and revoked by a 安全管理员 (accounts.grant_roles), never on their own
  account, and the 审计管理员 role only ever by a 安全管理员;
- accounts are created, disabled and have their password reset by a 系统管理员
  (accounts.manage_users); an account that holds an admin role is administered by a 安全管理员
  instead, so the 系统管理员 cannot take over the auditor's account to read the audit trail;
- nobody administers their own account through these functions.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import TYPE_CHECKING

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zhengdun.accounts import api_auth, permissions
from zhengdun.accounts.models import ApiToken, RoleAssignment, User
from zhengdun.accounts.roles import ADMIN_ROLES, Role
from zhengdun.audit.chain import record
from zhengdun.core.errors import InvalidTransition

if TYPE_CHECKING:
    from zhengdun.org.models import Unit

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{3,150}$")

# Characters that are hard to tell apart when read aloud or copied from paper are left out.
_PASSWORD_CLASSES = (
    "abcdefghjkmnpqrstuvwxyz",
    "ABCDEFGHJKLMNPQRSTUVWXYZ",
    "23456789",
    "!#$%*+-=?@_",
)


def generate_password(length: int = 14, user: User | None = None) -> str:
    """A random initial password that passes every configured password validator."""
    rng = secrets.SystemRandom()
    alphabet = "".join(_PASSWORD_CLASSES)
    while True:
        chars = [rng.choice(c) for c in _PASSWORD_CLASSES]
        chars += [rng.choice(alphabet) for _ in range(length - len(chars))]
        rng.shuffle(chars)
        candidate = "".join(chars)
        try:
            password_validation.validate_password(candidate, user)
        except ValidationError:  # pragma: no cover - vanishingly rare (e.g. contains the username)
            continue
        return candidate


def admin_roles_of(user: User) -> set[str]:
    """The admin roles the account holds on any unit (active or not)."""
    held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    return held & set(ADMIN_ROLES)


def _label(role: str) -> str:
    return Role(role).label


def _account_permission(target: User) -> str:
    return "accounts.grant_roles" if admin_roles_of(target) else "accounts.manage_users"


def can_administer(actor: User, target: User) -> bool:
    """Whether actor may disable/enable, unlock or reset the password of target."""
    if actor.pk == target.pk or target.unit_id is None:
        return False
    return permissions.has_permission(actor, _account_permission(target), target.unit)


def _require_administer(actor: User, target: User) -> None:
    if actor.pk == target.pk:
        raise PermissionDenied("不能通过账号管理功能操作自己的账号")
    if target.unit_id is None:
        raise PermissionDenied("该账号未设所在单位，不在任何管理员的管辖范围内")
    permissions.require(actor, _account_permission(target), target.unit)


# --- accounts --------------------------------------------------------------------------------


@transaction.atomic
def create_user(
    actor: User,
    *,
    username: str,
    display_name: str,
    unit: Unit,
    police_no: str = "",
    email: str = "",
) -> tuple[User, str]:
    """Open an account in `unit` (系统管理员, accounts.manage_users on the unit).

    The account gets a random initial password meeting the policy, returned once for the
    administrator to hand over, and must change it at first login. `police_no` links the
    account to the officer's roster record, which automatic recusal relies on."""
    errors: dict[str, str] = {}
    username = User.normalize_username((username or "").strip())
    display_name = (display_name or "").strip()
    if unit is None:
        errors["unit"] = "请选择所在单位"
    elif not permissions.has_permission(actor, "accounts.manage_users", unit):
        raise PermissionDenied("您没有在该单位开设账号的权限")
    elif not unit.is_active:
        errors["unit"] = f"单位“{unit.name}”已停用，不能开设账号"
    if not username:
        errors["username"] = "请填写用户名"
    elif not USERNAME_RE.match(username):
        errors["username"] = "用户名应为3–150位，只能包含字母、数字和 @ . + - _"
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = f"用户名“{username}”已被使用"
    if not display_name:
        errors["display_name"] = "请填写姓名"
    elif len(display_name) > 50:
        errors["display_name"] = "姓名不能超过50个字"
    person = None
    police_no = (police_no or "").strip()
    if police_no and unit is not None and "unit" not in errors:
        from zhengdun.org.models import Person

        # the officer must be on the roster the administrator manages: same scope as the unit
        person = (
            permissions.scope(actor, "accounts.manage_users", Person.objects.filter(police_no=police_no))
            .filter(unit__path__startswith=unit.path)
            .first()
        )
        if person is None:
            errors["police_no"] = f"在“{unit.name}”及其下级单位的干警名册中找不到警号/工号“{police_no}”"
        elif User.objects.filter(person=person).exists():
            errors["police_no"] = f"干警“{person.name}”已有账号"
    if errors:
        raise ValidationError(errors)

    user = User(
        username=username,
        display_name=display_name,
        unit=unit,
        person=person,
        email=(email or "").strip(),
        must_change_password=True,
        password_changed_at=timezone.now(),
    )
    password = generate_password(user=user)
    user.set_password(password)
    user.save()
    record(
        actor,
        "user.created",
        user,
        {
            "username": username,
            "display_name": display_name,
            "unit": unit.name,
            "unit_id": unit.pk,
            "person_id": person.pk if person else None,
        },
    )
    return user, password


@transaction.atomic
def set_active(actor: User, user: User, active: bool) -> User:
    """Disable (停用) or enable (启用) an account. A disabled account cannot log in, its open
    sessions end at their next request, and its API tokens stop working."""
    _require_administer(actor, user)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(actor, "user.enabled" if active else "user.disabled", user, {"username": user.username})
    permissions.forget_grants(user)
    return user


@transaction.atomic
def unlock(actor: User, user: User) -> User:
    """Lift a login-failure lock before it runs out."""
    _require_administer(actor, user)
    if not user.failed_logins and user.locked_until is None:
        return user
    before = {"failed_logins": user.failed_logins, "locked_until": user.locked_until}
    user.failed_logins, user.locked_until = 0, None
    user.save(update_fields=["failed_logins", "locked_until"])
    record(actor, "user.unlocked", user, {"username": user.username, "before": before})
    return user


@transaction.atomic
def reset_password(actor: User, user: User) -> str:
    """Give the account a new random password (returned once) that must be changed at next
    login; also lifts a lock. Existing sessions of the account end, since Django ties a
    session to the password it was opened with."""
    _require_administer(actor, user)
    password = generate_password(user=user)
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.failed_logins, user.locked_until = 0, None
    user.save(
        update_fields=[
            "password",
            "must_change_password",
            "password_changed_at",
            "failed_logins",
            "locked_until",
        ]
    )
    record(actor, "user.password_reset", user, {"username": user.username})
    return password


@transaction.atomic
def change_password(actor: User, new_password: str) -> None:
    """The signed-in user sets their own new password (the caller has checked the old one)."""
    try:
        password_validation.validate_password(new_password, actor)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from exc
    if actor.check_password(new_password):
        raise ValidationError({"new_password1": "新密码不能与当前密码相同"})
    actor.set_password(new_password)
    actor.password_changed_at = timezone.now()
    actor.must_change_password = False
    actor.save(update_fields=["password", "password_changed_at", "must_change_password"])
    record(actor, "auth.password_changed", actor, {"username": actor.username})


# --- role grants -----------------------------------------------------------------------------


def _check_separation(user: User, role: str) -> None:
    """三员分立 and the admin/business split, against every grant the account already holds."""
    held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    held_admin = held & set(ADMIN_ROLES)
    held_business = held - set(ADMIN_ROLES)
    if role in ADMIN_ROLES:
        other_admin = held_admin - {role}
        if other_admin:
            existing = "、".join(sorted(_label(r) for r in other_admin))
            raise ValidationError(
                {
                    "role": f"三员分立：该账号已是“{existing}”，不能再授予“{_label(role)}”。"
                    "系统管理员、安全管理员、审计管理员须由不同账号担任。"
                }
            )
        if held_business:
            existing = "、".join(sorted(_label(r) for r in held_business))
            raise ValidationError(
                {
                    "role": f"该账号已有业务角色（{existing}），不能再授予管理员角色“{_label(role)}”："
                    "三员账号不得办理业务，请另开账号。"
                }
            )
    elif held_admin:
        existing = "、".join(sorted(_label(r) for r in held_admin))
        raise ValidationError(
            {
                "role": f"该账号是“{existing}”，不能再授予业务角色“{_label(role)}”："
                "三员账号不得办理业务，请另开账号。"
            }
        )


def _require_grant_rights(actor: User, user: User, role: str, unit: Unit) -> None:
    if actor.pk == user.pk:
        raise PermissionDenied("不能给自己授予或撤销角色")
    permissions.require(actor, "accounts.grant_roles", unit)
    if user.unit_id is None or not permissions.has_permission(actor, "accounts.grant_roles", user.unit):
        raise PermissionDenied("该账号不在您的管辖范围内")
    if role == Role.AUDIT_ADMIN and not any(
        g.role == Role.SECURITY_ADMIN and unit.path.startswith(g.unit_path)
        for g in permissions.grants_of(actor)
    ):
        raise PermissionDenied("只有安全管理员可以授予或撤销审计管理员角色")


def can_revoke(actor: User, grant: RoleAssignment) -> bool:
    """Whether actor may withdraw this grant (for showing the button)."""
    try:
        _require_grant_rights(actor, grant.user, grant.role, grant.unit)
    except PermissionDenied:
        return False
    return True


@transaction.atomic
def grant_role(actor: User, user: User, *, role: str, unit: Unit) -> RoleAssignment:
    """Grant `role` to `user` on `unit` and its subtree (安全管理员, accounts.grant_roles on the
    unit and on the account's home unit). Refuses what 三员分立 forbids; see the module doc."""
    errors: dict[str, str] = {}
    if not role:
        errors["role"] = "请选择角色"
    elif role not in Role.values:
        errors["role"] = "请选择有效的角色"
    if unit is None:
        errors["unit"] = "请选择授权单位"
    if errors:
        raise ValidationError(errors)
    _require_grant_rights(actor, user, role, unit)
    # Lock the account row so two grants racing each other cannot together break 三员分立.
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        raise ValidationError({"__all__": "该账号已停用，不能授予角色"})
    if not unit.is_active:
        raise ValidationError({"unit": f"单位“{unit.name}”已停用，不能在该单位授权"})
    if RoleAssignment.objects.filter(user=user, role=role, unit=unit).exists():
        raise ValidationError({"role": f"该账号在“{unit.name}”已有“{_label(role)}”角色"})
    _check_separation(user, role)
    grant = RoleAssignment.objects.create(user=user, role=role, unit=unit, granted_by=actor)
    # the entry's object is the account, so an account's audit history shows its grants
    record(
        actor,
        "role.granted",
        user,
        {
            "grant_id": grant.pk,
            "role": role,
            "role_label": _label(role),
            "unit": unit.name,
            "unit_id": unit.pk,
        },
    )
    permissions.forget_grants(user)
    return grant


@transaction.atomic
def revoke_role(actor: User, grant: RoleAssignment) -> None:
    """Withdraw a role grant (same rights as granting it)."""
    _require_grant_rights(actor, grant.user, grant.role, grant.unit)
    user = grant.user
    data = {
        "grant_id": grant.pk,
        "role": grant.role,
        "role_label": _label(grant.role),
        "unit": grant.unit.name,
        "unit_id": grant.unit_id,
        "granted_at": grant.granted_at,
    }
    grant.delete()
    record(actor, "role.revoked", user, data)
    permissions.forget_grants(user)


# --- API tokens ------------------------------------------------------------------------------

MAX_ACTIVE_TOKENS = 20


@transaction.atomic
def issue_token(actor: User, *, name: str, expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """Issue an API token to the signed-in user; the raw secret is returned once and only its
    digest is stored. The token acts with exactly the user's own roles."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写令牌用途"
    elif len(name) > 60:
        errors["name"] = "用途不能超过60个字"
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "有效期应晚于当前时间"
    active = ApiToken.objects.filter(user=actor, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        errors["__all__"] = f"每个账号最多同时持有{MAX_ACTIVE_TOKENS}个有效令牌，请先撤销不用的令牌"
    if errors:
        raise ValidationError(errors)
    token, raw = api_auth.issue_token(actor, name, expires_at)
    record(actor, "token.issued", token, {"name": name, "prefix": token.prefix, "expires_at": expires_at})
    return token, raw


@transaction.atomic
def revoke_token(actor: User, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens; it stops working at once."""
    if token.user_id != actor.pk:
        raise PermissionDenied("只能撤销自己的令牌")
    now = timezone.now()
    moved = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if moved != 1:
        raise InvalidTransition("该令牌已撤销")
    token.revoked_at = now
    record(actor, "token.revoked", token, {"name": token.name, "prefix": token.prefix})
    return token
