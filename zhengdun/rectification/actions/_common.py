"""Helpers every rectification action shares: the messages and limits, the checks of ids,
dates, numbers, people and units a form posts, and the storing of uploaded files.

Text is checked by core.text.clean_text and rows change under core.versioning.guarded_update;
both have one home there."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues.models import Category, NumberSequence
from zhengdun.core.dates import parse_date
from zhengdun.core.files import sniff_upload
from zhengdun.org.models import Person, Unit
from zhengdun.rectification.models import Problem, ProblemSource

CONFLICT = "该问题已被他人修改，请刷新页面查看最新情况后再操作"
TASK_CONFLICT = "该任务的进度已被他人更新，请刷新页面查看最新情况后再操作"
TEMPLATE_CONFLICT = "该工期模板已被他人修改，请刷新页面查看最新情况后再操作"
CLOSED = "该问题已销号，不能再修改；如问题反弹或回头看发现问题，请“重新整改”"

TITLE_MAX = 200
TEXT_MAX = 5000
REASON_MIN = 4
REASON_MAX = 500  # a progress report's reason for going back (the form's limit too)
STEP_NAME_MAX = 40
MAX_TASKS = 50
MAX_WEIGHT = 100
MAX_FILES = 10

# A problem's five definitions (五定) and the other fields a form edits, with their labels
FIELD_LABELS = {
    "title": "问题名称",
    "category": "问题类别",
    "source": "问题来源",
    "description": "问题描述",
    "responsible_unit": "责任单位",
    "responsible_leader": "责任领导",
    "responsible_person": "责任人",
    "measures": "整改措施",
    "standard": "整改标准",
    "deadline": "整改时限",
}


def _today() -> dt.date:
    return timezone.localdate()


def _date(value: Any, key: str, label: str) -> dt.date:
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ValidationError({key: f"{label}：{exc}"}) from exc


def _future_date(value: Any, key: str, label: str, today: dt.date) -> dt.date:
    day = _date(value, key, label)
    if day <= today:
        raise ValidationError({key: f"{label}须晚于今天（{today.isoformat()}）"})
    return day


def _int(value: Any, key: str, label: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise ValidationError({key: f"{label}须为{low}到{high}之间的整数"}) from exc
    if not low <= number <= high:
        raise ValidationError({key: f"{label}须为{low}到{high}之间的整数"})
    return number


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _same(value: Any, stored_pk: Any) -> bool:
    """Whether a submitted choice is the one already stored (a form posts ids as text)."""
    return value not in (None, "") and str(_pk(value)).strip() == str(stored_pk)


def _locked(pk: int) -> Problem:
    """The problem as stored now, its row locked until the transaction ends: decisions that
    depend on its facts (closed, round, complete) must not act on a copy read before another
    change, and progress rollups of the same problem must not interleave."""
    return Problem.objects.select_for_update().get(pk=pk)


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _person(actor: User, value: Any, key: str, label: str) -> Person:
    """A roster person the actor may see, still serving."""
    if value in (None, ""):
        raise ValidationError({key: f"请选择{label}"})
    visible = permissions.scope(actor, "org.view_person", Person.objects.select_related("unit"))
    try:
        person = visible.filter(pk=_pk(value), status=Person.Status.ACTIVE).first()
    except (TypeError, ValueError):
        person = None
    if person is None:
        raise ValidationError({key: f"{label}须从您可查看的在职干警中选择"})
    return person


def _unit(actor: User, value: Any, permission: str) -> Unit:
    if value in (None, ""):
        raise ValidationError({"responsible_unit": "请选择责任单位"})
    try:
        unit = Unit.objects.filter(pk=_pk(value), is_active=True).first()
    except (TypeError, ValueError):
        unit = None
    if unit is None or not permissions.has_permission(actor, permission, unit):
        raise ValidationError({"responsible_unit": "责任单位须是您有权管理的单位"})
    return unit


def _require_on(actor: User, permission: str, problem: Problem) -> None:
    permissions.require(actor, permission, problem.responsible_unit)


def _files(uploads: Iterable[Any], key: str) -> list[tuple[Any, str, bytes]]:
    checked = []
    for upload in uploads:
        try:
            content_type, data = sniff_upload(upload)
        except ValidationError as exc:
            raise ValidationError({key: f"{getattr(upload, 'name', '')}：{exc.messages[0]}"}) from exc
        checked.append((upload, content_type, data))
    if len(checked) > MAX_FILES:
        raise ValidationError({key: f"一次最多上传{MAX_FILES}个文件"})
    return checked


def _store(model: type, owner: dict[str, Any], actor: User, files: list[tuple[Any, str, bytes]]) -> list[Any]:
    rows = []
    for upload, content_type, data in files:
        sha = hashlib.sha256(data).hexdigest()
        row = model(
            **owner,
            original_name=(getattr(upload, "name", "") or "file")[:200],
            content_type=content_type,
            size=len(data),
            sha256=sha,
            uploaded_by=actor,
        )
        row.file.save(sha, ContentFile(data), save=False)
        row.save()
        rows.append(row)
    return rows


def _next_number(today: dt.date) -> str:
    key = f"ZG-{today.year}"
    NumberSequence.objects.get_or_create(prefix=key)
    seq = NumberSequence.objects.select_for_update().get(prefix=key)
    seq.last += 1
    seq.save(update_fields=["last"])
    return settings.RECTIFICATION_NUMBER_PATTERN.format(year=today.year, serial=seq.last)


def _category(value: Any) -> Category:
    if value in (None, ""):
        raise ValidationError({"category": "请选择问题类别"})
    try:
        category = Category.objects.filter(pk=_pk(value), is_active=True).first()
    except (TypeError, ValueError):
        category = None
    if category is None:
        raise ValidationError({"category": "问题类别不存在或已停用"})
    return category


def _source(value: Any) -> str:
    if value not in ProblemSource.values:
        raise ValidationError({"source": "请选择问题来源"})
    return str(value)
