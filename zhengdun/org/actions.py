"""Every change to the unit tree and the roster goes through these functions.

Each one checks the actor's permission on the unit concerned, validates, writes, and records the
audit entry in the same transaction. Validation failures raise ValidationError with a Chinese
message keyed by field name, so forms and the API show it beside the field.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.audit.chain import diff, record
from zhengdun.core import crypto, idcard
from zhengdun.core.errors import ConflictError
from zhengdun.org.models import Person, Posting, Unit, path_segment

if TYPE_CHECKING:
    from zhengdun.accounts.models import User

UNIT_FIELDS = ("name", "short_name", "type", "code", "region_code", "parent_id", "sort_order", "is_active")
PERSON_FIELDS = ("name", "gender", "police_no", "unit_id", "position", "rank", "is_party_member", "status")


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


# --- units ---------------------------------------------------------------------------------


def _clean_text(value: Any) -> str:
    # Codes typed on a Chinese keyboard often arrive with full-width digits and letters.
    return unicodedata.normalize("NFKC", value or "").strip()


def _check_unit_values(values: dict[str, Any], *, instance: Unit | None) -> None:
    errors: dict[str, str] = {}
    for key in ("code", "region_code"):
        if key in values:
            values[key] = _clean_text(values[key])
    if "name" in values and not (values["name"] or "").strip():
        errors["name"] = "请填写单位名称"
    if "code" in values and not values["code"]:
        errors["code"] = "请填写单位编码"
    code = values.get("code", "")
    others = Unit.objects.filter(code=code)
    if instance is not None:
        others = others.exclude(pk=instance.pk)
    if code and others.exists():
        errors["code"] = f"单位编码“{code}”已被其他单位使用"
    region = values.get("region_code", "")
    if region and (len(region) != 6 or not region.isascii() or not region.isdigit()):
        errors["region_code"] = "行政区划代码应为6位数字"
    parent = values.get("parent")
    if instance is not None and parent is not None and parent.path.startswith(instance.path):
        errors["parent"] = "上级单位不能是本单位或其下级单位（会形成循环）"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_unit(actor: User | None, *, parent: Unit | None, **values: Any) -> Unit:
    """Create a unit under parent (None makes a root; only on an empty tree or by the system)."""
    if parent is None:
        if actor is not None and Unit.objects.exists():
            raise ValidationError({"parent": "请选择上级单位"})
    else:
        if actor is not None:
            permissions.require(actor, "org.change_unit", parent)
    checked = {**values, "parent": parent}
    _check_unit_values(checked, instance=None)
    values = {k: checked[k] for k in values}
    unit = Unit(parent=parent, **values)
    unit.depth = (parent.depth + 1) if parent else 0
    unit.save()
    unit.path = (parent.path if parent else "") + path_segment(unit.pk)
    unit.save(update_fields=["path"])
    record(actor, "unit.created", unit, {"after": _snapshot(unit, UNIT_FIELDS)})
    return unit


@transaction.atomic
def update_unit(actor: User, unit: Unit, *, version: int, **values: Any) -> Unit:
    """Change a unit's fields; a new parent moves the whole subtree (one UPDATE of the paths)."""
    permissions.require(actor, "org.change_unit", unit)
    parent = values.pop("parent", unit.parent)
    if parent is None and unit.parent_id is not None:
        raise ValidationError({"parent": "请选择上级单位"})
    moving = parent is not None and parent.pk != unit.parent_id
    if moving:
        permissions.require(actor, "org.change_unit", parent)
        # Two moves that cross (A under B while B goes under A) would each pass the cycle check
        # on the tree as it was; serialising moves on the root rows and re-reading the paths
        # under that lock makes the second one see the first.
        list(Unit.objects.select_for_update().filter(depth=0).values_list("pk", flat=True))
        unit.refresh_from_db(fields=["path", "depth", "parent"])
        parent.refresh_from_db(fields=["path", "depth"])
    if unit.parent_id is None and parent is not None:
        raise ValidationError({"parent": "根单位不能移动到其他单位下"})
    checked = {**values, "parent": parent}
    _check_unit_values(checked, instance=unit)
    values = {k: checked[k] for k in values}
    before = _snapshot(unit, UNIT_FIELDS)
    moved = Unit.objects.filter(pk=unit.pk, version=version).update(version=F("version") + 1)
    if moved != 1:
        raise ConflictError("该单位已被他人修改，请刷新后重试")
    for key, value in values.items():
        setattr(unit, key, value)
    old_path = unit.path
    if parent is not None and parent.pk != unit.parent_id:
        new_path = parent.path + path_segment(unit.pk)
        depth_change = parent.depth + 1 - unit.depth
        Unit.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1, Length("path"))),
            depth=F("depth") + depth_change,
        )
        unit.parent = parent
        unit.path, unit.depth = new_path, parent.depth + 1
    unit.version = version + 1
    unit.save(update_fields=[*values.keys(), "parent", "updated_at"])
    record(actor, "unit.changed", unit, {"changes": diff(before, _snapshot(unit, UNIT_FIELDS))})
    return unit


@transaction.atomic
def delete_unit(actor: User, unit: Unit) -> None:
    """Delete an empty unit. A unit with sub-units, people or records is refused: deactivate it."""
    permissions.require(actor, "org.change_unit", unit)
    reasons = []
    if unit.children.exists():
        reasons.append("还有下级单位")
    if unit.people.exists():
        reasons.append("还有干警")
    if reasons:
        raise ValidationError({"__all__": f"单位“{unit.name}”{'、'.join(reasons)}，不能删除；可改为停用。"})
    snapshot, pk = _snapshot(unit, UNIT_FIELDS), unit.pk
    try:
        with transaction.atomic():
            unit.delete()
    except ProtectedError as exc:  # an account or a business record still points at it
        raise ValidationError(
            {"__all__": f"单位“{unit.name}”仍有关联的账号或业务记录，不能删除；可改为停用。"}
        ) from exc
    record(actor, "unit.deleted", None, {"id": pk, "before": snapshot}, object_type="org.unit")


# --- personnel -------------------------------------------------------------------------------


def _apply_id_number(person: Person, raw: str, errors: dict[str, str]) -> None:
    try:
        number = idcard.normalize(raw)
    except idcard.InvalidIdNumber as exc:
        errors["id_number"] = str(exc)
        return
    digest = crypto.digest(number)
    if Person.objects.filter(id_digest=digest).exclude(pk=person.pk).exists():
        errors["id_number"] = "该身份证号码已登记在其他干警名下"
        return
    person.id_cipher = crypto.encrypt(number)
    person.id_digest = digest
    person.id_masked = idcard.mask(number)


def _check_police_no(person: Person, police_no: str, errors: dict[str, str]) -> None:
    if not police_no:
        errors["police_no"] = "请填写警号/工号"
    # Search matches police numbers case-insensitively, so uniqueness must too.
    elif Person.objects.filter(police_no__iexact=police_no).exclude(pk=person.pk).exists():
        errors["police_no"] = f"警号/工号“{police_no}”已被其他干警使用"


@transaction.atomic
def create_person(
    actor: User | None, *, id_number: str, started_on: dt.date | None = None, **values: Any
) -> Person:
    """Put an officer on the roster, with their first posting."""
    unit: Unit = values["unit"]
    if actor is not None:
        permissions.require(actor, "org.change_person", unit)
    values["police_no"] = _clean_text(values.get("police_no"))
    person = Person(**values)
    errors: dict[str, str] = {}
    _apply_id_number(person, id_number, errors)
    _check_police_no(person, values.get("police_no", ""), errors)
    if errors:
        raise ValidationError(errors)
    person.save()
    Posting.objects.create(
        person=person, unit=unit, position=person.position, started_on=started_on or timezone.localdate()
    )
    record(actor, "person.created", person, {"after": _snapshot(person, PERSON_FIELDS)})
    return person


@transaction.atomic
def update_person(
    actor: User, person: Person, *, version: int, id_number: str | None = None, **values: Any
) -> Person:
    """Change a person's record. A new unit or position closes the current posting and opens a
    new one, so the history of where they served is kept."""
    permissions.require(actor, "org.change_person", person.unit)
    new_unit: Unit = values.get("unit", person.unit)
    if new_unit.pk != person.unit_id:
        permissions.require(actor, "org.change_person", new_unit)
    errors: dict[str, str] = {}
    if id_number:
        _apply_id_number(person, id_number, errors)
    if "police_no" in values:
        values["police_no"] = _clean_text(values["police_no"])
        _check_police_no(person, values["police_no"], errors)
    if errors:
        raise ValidationError(errors)
    before = _snapshot(person, PERSON_FIELDS)
    moved = Person.objects.filter(pk=person.pk, version=version).update(version=F("version") + 1)
    if moved != 1:
        raise ConflictError("该干警信息已被他人修改，请刷新后重试")
    posting_changed = (
        new_unit.pk != person.unit_id or values.get("position", person.position) != person.position
    )
    was_serving = person.status == Person.Status.ACTIVE
    serving = values.get("status", person.status) == Person.Status.ACTIVE
    for key, value in values.items():
        setattr(person, key, value)
    person.version = version + 1
    person.save(
        update_fields=[
            *values.keys(),
            *(("id_cipher", "id_digest", "id_masked") if id_number else ()),
            "version",
            "updated_at",
        ]
    )
    # The postings follow the service: leaving (调离/退休/辞职) ends the current one, a new unit or
    # position (or coming back) ends it and opens the next.
    if (was_serving and not serving) or (serving and (posting_changed or not was_serving)):
        today = timezone.localdate()
        Posting.objects.filter(person=person, ended_on__isnull=True).update(ended_on=today)
        if serving:
            Posting.objects.create(person=person, unit=new_unit, position=person.position, started_on=today)
    changes = diff(before, _snapshot(person, PERSON_FIELDS))
    if id_number:
        changes["id_number"] = ["（已修改）", "（已修改）"]
    record(actor, "person.changed", person, {"changes": changes})
    return person


def reveal_id_number(actor: User, person: Person) -> str:
    """The full ID-card number for a user allowed to see it; every view is audited."""
    permissions.require(actor, "org.view_id_number", person.unit)
    with transaction.atomic():
        record(actor, "person.id_number_viewed", person)
    return person.id_number()
