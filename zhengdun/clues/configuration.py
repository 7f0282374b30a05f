"""基础设置: the rules and writes for the clue reference lists (线索来源, 问题类别, 办理时限规则),
audited like any write. (The views are clues.views.reference; the starting 工期模板 data is
rectification.default_templates.)

Who may change what is decided here, by the unit an item belongs to:

- a local category (本地顽瘴痼疾) belongs to the unit that set it up: `clues.configure` on that
  unit's subtree lets a county office switch its own items on and off, never another county's;
- source channels, the deadline rules and categories without a unit are city-wide: they need
  `clues.configure` on the root unit(s) (may_configure_city), so a county office cannot change
  the time limits every unit in the city works to.

The national categories GJ1–GJ6 are fixed; a unit adds its local items beside them.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.audit.chain import record
from zhengdun.clues.models import Category, Channel, DeadlineRule
from zhengdun.org.models import Unit

PERMISSION = "clues.configure"
CITY_ONLY = "只有市级教育整顿办可以修改全市统一的设置（线索来源、全市类别、办理时限规则）"

_CODE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")


def _code(value: str) -> str:
    code = (value or "").strip()
    if not _CODE.match(code):
        raise ValidationError({"code": "代码只能由字母、数字、下划线或短横线组成，最长20位"})
    return code


def may_configure_city(actor: User) -> bool:
    """Whether the actor may change the city-wide lists: clues.configure on every root unit."""
    return permissions.covers_everything(actor, PERMISSION)


def may_change(actor: User, item: Channel | Category) -> bool:
    """Whether the actor may switch this channel or category on or off: a local category by
    the unit that owns it (or any unit above), everything else city-wide only."""
    if isinstance(item, Category) and item.unit_id is not None:
        return permissions.has_permission(actor, PERMISSION, item.unit)
    return may_configure_city(actor)


def _require_city(actor: User) -> None:
    if not may_configure_city(actor):
        raise PermissionDenied(CITY_ONLY)


def _name(value: str, max_length: int) -> str:
    name = (value or "").strip()
    if not name:
        raise ValidationError({"name": "请填写名称"})
    if len(name) > max_length:
        raise ValidationError({"name": f"名称不能超过{max_length}个字"})
    return name


@transaction.atomic
def add_channel(actor: User, *, code: str, name: str) -> Channel:
    """Add a source channel to the configurable list (city-wide)."""
    _require_city(actor)
    code, name = _code(code), _name(name, 40)
    if Channel.objects.filter(code=code).exists():
        raise ValidationError({"code": f"代码“{code}”已存在"})
    channel = Channel.objects.create(code=code, name=name, sort_order=Channel.objects.count())
    record(actor, "channel.created", channel, {"code": code, "name": name})
    return channel


@transaction.atomic
def add_local_category(actor: User, *, unit: Unit, code: str, name: str) -> Category:
    """Add a local problem category (本地顽瘴痼疾) set up by a unit."""
    permissions.require(actor, PERMISSION, unit)
    code, name = _code(code), _name(name, 80)
    if Category.objects.filter(code=code).exists():
        raise ValidationError({"code": f"代码“{code}”已存在"})
    category = Category.objects.create(code=code, name=name, unit=unit, is_national=False, sort_order=100)
    record(actor, "category.created", category, {"code": code, "name": name, "unit": unit.name})
    return category


@transaction.atomic
def set_active(actor: User, item: Channel | Category, *, active: bool) -> None:
    """Switch a channel or local category on or off; records keep their links either way.
    A local category only by its own unit's office (or one above); the rest city-wide."""
    if not may_change(actor, item):
        local = isinstance(item, Category) and item.unit_id is not None
        raise PermissionDenied("您没有修改其他单位问题类别的权限" if local else CITY_ONLY)
    if isinstance(item, Category) and item.is_national:
        raise ValidationError({"__all__": "全国统一的六大顽瘴痼疾类别不能停用"})
    item.is_active = active
    item.save(update_fields=["is_active"])
    record(actor, f"{item._meta.model_name}.{'enabled' if active else 'disabled'}", item)


@transaction.atomic
def set_deadline_rule(
    actor: User, *, channel: Channel | None, category: Category | None, days: int, working_days: bool
) -> DeadlineRule:
    """Create or change the handling-time rule for a source/category combination (city-wide:
    every handling unit's deadline follows it)."""
    _require_city(actor)
    if not 1 <= days <= 365:
        raise ValidationError({"days": "办理时限应在1至365天之间"})
    rule, created = DeadlineRule.objects.update_or_create(
        channel=channel, category=category, defaults={"days": days, "working_days": working_days}
    )
    record(actor, "deadline_rule.set", rule, {"days": days, "working_days": working_days, "created": created})
    return rule


@transaction.atomic
def delete_deadline_rule(actor: User, rule: DeadlineRule) -> None:
    """Remove a specific rule; the default rule (any source, any category) stays. City-wide."""
    _require_city(actor)
    if rule.channel_id is None and rule.category_id is None:
        raise ValidationError({"__all__": "默认时限规则不能删除，可修改天数"})
    label = str(rule)
    rule.delete()
    record(actor, "deadline_rule.deleted", None, {"rule": label}, object_type="clues.deadlinerule")
