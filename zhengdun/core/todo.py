"""The home page (工作台): each role's work, gathered from the plug-in points of core.hooks.

The foundation contributes here what is its own: the unit tree and roster counts for those
who work with the roster, the 三员's admin panels (accounts for the system and security
administrators, the audit trail for the auditor) and everyone's 我的信息. Capabilities add
their cards and panels from their own hooks modules. Counts go through
accounts.permissions.scope(), like every other read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.core import hooks
from zhengdun.core.hooks import Card, Line, Section

__all__ = ["Card", "Line", "Section", "home_sections", "register", "todo_cards"]


def todo_cards(user: User) -> list[Card]:
    """Every registered card provider's cards, in the providers' order."""
    cards: list[Card] = []
    for provider in hooks.HOME_CARDS:
        cards.extend(provider(user))
    return cards


def home_sections(user: User) -> list[Section]:
    """Every registered panel provider's panels, in the providers' order."""
    sections: list[Section] = []
    for provider in hooks.HOME_SECTIONS:
        sections.extend(provider(user))
    return sections


def org_cards(user: User) -> list[Card]:
    """辖区单位 and 在职干警, for those whose work is the roster (org.view_person): an officer
    sees their own unit and an administrator manages the tree, neither works through a count."""
    from zhengdun.org.models import Person, Unit

    if not permissions.has_permission(user, "org.view_person"):
        return []
    units = permissions.scope(user, "org.view_unit", Unit.objects.filter(is_active=True)).count()
    people = permissions.scope(user, "org.view_person", Person.objects.filter(status=Person.Status.ACTIVE))
    return [
        Card("辖区单位", units, "个", reverse("org:unit_list")),
        Card("在职干警", people.count(), "名", reverse("org:person_list")),
    ]


def _visible_users(user: User) -> Any:

    base = User.objects.all()
    return permissions.scope(user, "accounts.view_users", base) | permissions.scope(
        user, "accounts.manage_users", base
    )


def _line(label: str, n: int, unit: str, url: str, tone: str = "") -> Line:
    """A counted line whose badge shows only when there is something to count."""
    return Line(label, f"{n} {unit}", url, tone if n else "")


def account_sections(user: User) -> list[Section]:
    """账号管理 for the system administrator, 角色授权 for the security administrator: the
    accounts of their subtree that need someone (locked, to change their password, expired,
    without any role), each linking to the user list."""
    from zhengdun.accounts.models import ApiToken, RoleAssignment

    manages = permissions.has_permission(user, "accounts.manage_users")
    grants = permissions.has_permission(user, "accounts.grant_roles")
    if not (manages or grants):
        return []
    users_url = reverse("accounts:user_list")
    now = timezone.now()
    visible = _visible_users(user)
    active = visible.filter(is_active=True)
    locked = visible.filter(locked_until__gt=now).count()
    lines = [
        Line("在用账号", f"{active.count()} 个", f"{users_url}?status=active"),
        _line("锁定中的账号", locked, "个", f"{users_url}?status=locked", "red"),
    ]
    sections: list[Section] = []
    if manages:
        must_change = active.filter(must_change_password=True).count()
        lines.append(_line("待本人修改密码", must_change, "个", users_url, "yellow"))
        if settings.PASSWORD_MAX_AGE_DAYS > 0:
            cutoff = now - dt.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
            expired = active.filter(password_changed_at__lt=cutoff).count()
            lines.append(_line("密码已过期", expired, "个", users_url, "yellow"))
        disabled = visible.filter(is_active=False).count()
        lines.append(Line("已停用账号", f"{disabled} 个", f"{users_url}?status=disabled"))
        links = [("用户管理", users_url), ("新建用户", reverse("accounts:user_create"))]
        if permissions.has_permission(user, "org.change_unit"):
            links.append(("单位树管理", reverse("org:unit_list")))
        if permissions.has_permission(user, "core.edit_calendar"):
            links.append(("工作日历", reverse("core:calendar")))
        sections.append(Section("账号管理", lines, links))
    if grants:
        without_role = active.exclude(role_assignments__isnull=False).count()
        grant_lines = list(lines) if not manages else []
        grant_lines += [
            Line("角色授权", f"{RoleAssignment.objects.filter(user__in=visible).count()} 项", users_url),
            _line("未授予角色的账号", without_role, "个", users_url, "yellow"),
            Line(
                "有效的接口令牌",
                f"{ApiToken.objects.filter(revoked_at__isnull=True, user__in=visible).count()} 个",
                reverse("accounts:token_list"),
            ),
        ]
        sections.append(
            Section(
                "角色授权",
                grant_lines,
                [("用户与角色授权", users_url), ("接口令牌", reverse("accounts:token_list"))],
            )
        )
    return sections


def audit_sections(user: User) -> list[Section]:
    """审计日志 for the audit administrator: today's entries and failed sign-ins, and the last
    verification of the chain (校验结果) with when it ran."""
    from zhengdun.audit.models import Entry, VerificationRun

    if not permissions.has_permission(user, "audit.view"):
        return []
    entries_url = reverse("audit:entry_list")
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    today = Entry.objects.filter(at__gte=start)
    failed = today.filter(action__in=["auth.login_failed", "auth.locked"]).count()
    lines = [
        Line("今日审计日志", f"{today.count()} 条", entries_url),
        _line("今日登录失败", failed, "次", entries_url, "red"),
    ]
    latest = VerificationRun.objects.order_by("-requested_at", "-id").first()
    verify_url = reverse("audit:verify")
    if latest is None:
        lines.append(Line("最近一次校验", "尚未校验", verify_url, "yellow"))
    else:
        when = latest.finished_at or latest.requested_at
        tone = {True: "green", False: "red", None: "blue"}[latest.ok]
        text = f"{latest.state_label}（{timezone.localtime(when):%Y-%m-%d %H:%M}）"
        lines.append(Line("最近一次校验", text, verify_url, "grey" if latest.abandoned else tone))
    return [Section("审计日志", lines, [("查阅审计日志", entries_url), ("校验日志链", verify_url)])]


def profile_sections(user: User) -> list[Section]:
    """我的信息: who the account is (name, unit, roles; the roster record for an officer) and
    when the password was last changed."""
    from zhengdun.accounts.roles import Role

    roles = sorted({Role(g.role).label for g in user.role_assignments.all()})
    lines = [Line("姓名", user.display_name or user.username), Line("账号", user.username)]
    if user.unit is not None:
        lines.append(Line("所在单位", user.unit.name))
    person = user.person if user.person_id else None
    if person is not None:
        lines += [Line("警号", person.police_no or "—"), Line("职务", person.position or "—")]
    lines.append(Line("角色", "、".join(roles) or "未授予角色"))
    changed = user.password_changed_at
    lines.append(Line("密码修改于", f"{timezone.localtime(changed):%Y-%m-%d}" if changed else "从未修改"))
    return [Section("我的信息", lines, [("修改密码", reverse("accounts:password_change"))])]


def register() -> None:
    """The foundation's entries (CoreConfig.ready)."""
    from zhengdun.core import dbstats

    hooks.HOME_CARDS.register("org", org_cards, order=0)
    hooks.HOME_SECTIONS.register("accounts", account_sections, order=0)
    hooks.HOME_SECTIONS.register("audit", audit_sections, order=5)
    hooks.HOME_SECTIONS.register("profile", profile_sections, order=1000)
    hooks.JOBS.register(
        "core.planner_statistics", hooks.Job("planner statistics", dbstats.refresh_daily), order=100
    )
