"""Accounts, role grants on units, and API tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.db import models

from zhengdun.accounts.roles import Role

if TYPE_CHECKING:
    from zhengdun.accounts.permissions import Grant


class User(AbstractUser):
    """A login. `unit` is the home unit shown in the top bar; what the user may see comes only
    from RoleAssignment rows. `person` links an officer's account to their roster record, which
    is what automatic recusal (回避) compares against."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    unit = models.ForeignKey(
        "org.Unit", verbose_name="所在单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.OneToOneField(
        "org.Person",
        verbose_name="对应干警",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
    )
    failed_logins = models.PositiveSmallIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    password_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)

    # `objects` is AbstractUser's UserManager (typed there; redeclaring it here clashed with it)

    # accounts.permissions caches a request's grants and the root units' paths on the instance
    # (never stored); declared so the cache is typed
    _zd_grants: list[Grant]
    _zd_roots: list[str]

    # scoping facts read by accounts.permissions.scope(): an account belongs to its home unit
    scope_units = ("unit",)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    """A role granted to a user on a unit; it covers the unit's whole subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    unit = models.ForeignKey("org.Unit", verbose_name="授权单位", on_delete=models.PROTECT, related_name="+")
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "角色授权"
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="unique_role_grant")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.unit}"


class ApiToken(models.Model):
    """A bearer token for integrations. Only a SHA-256 digest of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=60)
    prefix = models.CharField(max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField("有效期至", null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
