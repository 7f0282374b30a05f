from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse

from zhengdun.accounts import permissions
from zhengdun.accounts.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from zhengdun.accounts.models import User

# The roles whose work the API serves (docs/decisions.md, "接口令牌"): 干警 file their own
# self-report on the pages and the 审计管理员's audit log has no API, so neither sees the entry.
API_ROLES = frozenset(
    {
        Role.OFFICE_HANDLER,
        Role.LEADER,
        Role.UNIT_HANDLER,
        Role.INSPECTOR,
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
    }
)


def uses_api(user: User | AnonymousUser) -> bool:
    """Whether the menu offers 接口令牌 to the user: one of API_ROLES."""
    return bool(permissions.roles_of(user) & API_ROLES)


def may_edit_calendar(user: User | AnonymousUser) -> bool:
    """The 工作日历 page's own rule (core.actions.may_edit_calendar): a city-wide grant."""
    from zhengdun.core.actions import may_edit_calendar as rule

    return rule(user)


# who sees an entry: a permission code held on any unit, a rule of its own, or None for any
# signed-in user
Visibility = str | Callable[["User | AnonymousUser"], bool] | None

# (group title, [(label, url name, visibility)])
NAVIGATION: list[tuple[str, list[tuple[str, str, Visibility]]]] = [
    ("工作台", [("首页", "core:home", None)]),
    (
        "线索办理",
        [
            ("线索台账", "clues:list", "clues.view"),
            ("登记线索", "clues:register", "clues.register"),
            ("我的提醒", "clues:notifications", "clues.view"),
            ("基础设置", "clues:settings", "clues.configure"),
        ],
    ),
    (
        "自查自纠",
        [
            ("我的自查", "selfreports:mine", "selfreports.file_own"),
            ("自查事项", "selfreports:list", "selfreports.view"),
            ("自查统计", "selfreports:stats", "selfreports.view"),
            ("代为填报", "selfreports:file_for", "selfreports.file"),
            ("教育整顿设置", "selfreports:campaigns", "selfreports.configure"),
        ],
    ),
    (
        "专项整治",
        [
            ("问题清单", "rectification:problems", "rectification.view"),
            ("登记问题", "rectification:register", "rectification.register"),
            ("挂图作战", "rectification:battlemap", "rectification.view"),
            ("建章立制", "rectification:institutions", "rectification.view"),
            ("工期模板", "rectification:templates", "rectification.configure"),
        ],
    ),
    (
        "组织与人员",
        [("单位", "org:unit_list", "org.view_unit"), ("干警名册", "org:person_list", "org.view_person")],
    ),
    (
        "系统管理",
        [
            ("用户与授权", "accounts:user_list", "accounts.view_users"),
            ("用户与授权", "accounts:user_list", "accounts.manage_users"),
            ("工作日历", "core:calendar", may_edit_calendar),
            ("接口令牌", "accounts:token_list", uses_api),
        ],
    ),
    ("安全审计", [("审计日志", "audit:entry_list", "audit.view")]),
]


@lru_cache(maxsize=256)
def _url(name: str, prefix: str) -> str:
    # the navigation's URLs do not change while the process runs; reversing the ~15 shown on
    # every page cost ~1 ms. The script prefix is part of the key for a deployment under a path.
    return reverse(name)


def _visible(user: User | AnonymousUser, rule: Visibility) -> bool:
    if rule is None:
        return True
    if isinstance(rule, str):
        return permissions.has_permission(user, rule)
    return rule(user)


def _nav(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    groups: list[dict[str, Any]] = []
    for title, items in NAVIGATION:
        shown: list[dict[str, Any]] = []
        seen: set[str] = set()
        for label, name, perm in items:
            if name in seen or not _visible(user, perm):
                continue
            seen.add(name)
            url = _url(name, get_script_prefix())
            active = request.path == url or (url != "/" and request.path.startswith(url))
            shown.append({"label": label, "url": url, "active": active})
        if shown:
            groups.append({"title": title, "items": shown})
    # /clues/new/ lies under /clues/ too: only the longest matching entry is highlighted
    lit = [item for group in groups for item in group["items"] if item["active"]]
    longest = max((len(item["url"]) for item in lit), default=0)
    for item in lit:
        item["active"] = len(item["url"]) == longest
    roles = sorted({Role(r).label for r in permissions.roles_of(user)})
    return {"groups": groups, "roles": roles}


def platform(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"PLATFORM_NAME": settings.PLATFORM_NAME}
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        context["nav"] = _nav(request)
    return context
