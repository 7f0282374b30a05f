"""Changes to the clue reference lists (线索来源, 问题类别, 办理时限规则), audited like any write.

The national categories GJ1–GJ6 are fixed; a unit adds its local items beside them.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from zhengdun.accounts import permissions
from zhengdun.audit.chain import record
from zhengdun.clues.models import Category, Channel, DeadlineRule
from zhengdun.org.models import Unit

_CODE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")


def _code(value: str) -> str:
    code = (value or "").strip()
    if not _CODE.match(code):
        raise ValidationError({"code": "代码只能由字母、数字、下划线或短横线组成，最长20位"})
    return code


def _name(value: str, max_length: int) -> str:
    name = (value or "").strip()
    if not name:
        raise ValidationError({"name": "请填写名称"})
    if len(name) > max_length:
        raise ValidationError({"name": f"名称不能超过{max_length}个字"})
    return name


@transaction.atomic
def add_channel(actor: Any, *, code: str, name: str) -> Channel:
    """Add a source channel to the configurable list."""
    permissions.require(actor, "clues.configure")
    code, name = _code(code), _name(name, 40)
    if Channel.objects.filter(code=code).exists():
        raise ValidationError({"code": f"代码“{code}”已存在"})
    channel = Channel.objects.create(code=code, name=name, sort_order=Channel.objects.count())
    record(actor, "channel.created", channel, {"code": code, "name": name})
    return channel


@transaction.atomic
def add_local_category(actor: Any, *, unit: Unit, code: str, name: str) -> Category:
    """Add a local problem category (本地顽瘴痼疾) set up by a unit."""
    permissions.require(actor, "clues.configure", unit)
    code, name = _code(code), _name(name, 80)
    if Category.objects.filter(code=code).exists():
        raise ValidationError({"code": f"代码“{code}”已存在"})
    category = Category.objects.create(code=code, name=name, unit=unit, is_national=False, sort_order=100)
    record(actor, "category.created", category, {"code": code, "name": name, "unit": unit.name})
    return category


@transaction.atomic
def set_active(actor: Any, item: Channel | Category, *, active: bool) -> None:
    """Switch a channel or local category on or off; records keep their links either way."""
    permissions.require(actor, "clues.configure")
    if isinstance(item, Category) and item.is_national:
        raise ValidationError({"__all__": "全国统一的六大顽瘴痼疾类别不能停用"})
    item.is_active = active
    item.save(update_fields=["is_active"])
    record(actor, f"{item._meta.model_name}.{'enabled' if active else 'disabled'}", item)


@transaction.atomic
def set_deadline_rule(
    actor: Any, *, channel: Channel | None, category: Category | None, days: int, working_days: bool
) -> DeadlineRule:
    """Create or change the handling-time rule for a source/category combination."""
    permissions.require(actor, "clues.configure")
    if not 1 <= days <= 365:
        raise ValidationError({"days": "办理时限应在1至365天之间"})
    rule, created = DeadlineRule.objects.update_or_create(
        channel=channel, category=category, defaults={"days": days, "working_days": working_days}
    )
    record(actor, "deadline_rule.set", rule, {"days": days, "working_days": working_days, "created": created})
    return rule


@transaction.atomic
def delete_deadline_rule(actor: Any, rule: DeadlineRule) -> None:
    """Remove a specific rule; the default rule (any source, any category) stays."""
    permissions.require(actor, "clues.configure")
    if rule.channel_id is None and rule.category_id is None:
        raise ValidationError({"__all__": "默认时限规则不能删除，可修改天数"})
    label = str(rule)
    rule.delete()
    record(actor, "deadline_rule.deleted", None, {"rule": label}, object_type="clues.deadlinerule")
