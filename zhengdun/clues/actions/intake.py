"""Taking a clue in: registration (登记), corrections, its subjects (被反映人), attachments, the
reporter's identity and the named viewers of a 重要 clue."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.audit.chain import diff, record
from zhengdun.clues import search, workflow
from zhengdun.clues.actions import _common
from zhengdun.clues.actions._common import CLUE_FIELDS, _bump, _log, _step
from zhengdun.clues.models import (
    Attachment,
    Category,
    Channel,
    Clue,
    ClueSubject,
    ClueViewer,
    NumberSequence,
    ReportingMode,
    Sensitivity,
)
from zhengdun.core import crypto
from zhengdun.core.files import sniff_upload
from zhengdun.core.text import clean_text
from zhengdun.org.models import Person, Unit


def _next_number(owner_unit: Unit, received_on: dt.date) -> str:
    region = owner_unit.region_code_effective()
    key = f"{region}-{received_on.year}"
    NumberSequence.objects.get_or_create(prefix=key)
    seq = NumberSequence.objects.select_for_update().get(prefix=key)
    seq.last += 1
    seq.save(update_fields=["last"])
    return settings.CLUE_NUMBER_PATTERN.format(region=region, year=received_on.year, serial=seq.last)


def _resolve_subjects(actor: User, subjects: list[dict[str, Any]]) -> list[ClueSubject]:
    """Subjects from the roster must be people the actor may see; free text needs a name."""
    resolved: list[ClueSubject] = []
    visible_people = permissions.scope(actor, "org.view_person", Person.objects.all())
    for i, raw in enumerate(subjects):
        person_id = raw.get("person_id") or raw.get("person")
        if person_id:
            person = (
                visible_people.select_related("unit").filter(pk=getattr(person_id, "pk", person_id)).first()
            )
            if person is None:
                raise ValidationError({"subjects": f"第{i + 1}名被反映人不在您可管理的干警范围内"})
            resolved.append(
                ClueSubject(
                    person=person, name=person.name, unit_text=person.unit.name, position=person.position
                )
            )
            continue
        name = clean_text(raw.get("name", ""), "subjects", "被反映人姓名", max_length=50)
        if not name:
            raise ValidationError({"subjects": f"第{i + 1}名被反映人：请从名册选择或填写姓名"})
        resolved.append(
            ClueSubject(
                name=name,
                unit_text=clean_text(raw.get("unit_text", ""), "subjects", "被反映人单位", max_length=100),
                position=clean_text(raw.get("position", ""), "subjects", "被反映人职务", max_length=60),
            )
        )
    if not resolved:
        raise ValidationError({"subjects": "请至少填写一名被反映人"})
    return resolved


# the reporter's details, keyed as the registration form names them (reporter_<key>)
_REPORTER_LABELS = {"name": "举报人姓名", "phone": "联系电话", "id_number": "身份证号", "address": "联系地址"}


def _reporter_cipher(mode: str, reporter: dict[str, str] | None) -> tuple[str, bool]:
    if mode == ReportingMode.ANONYMOUS and not any((reporter or {}).values()):
        return "", False
    data = {
        k: clean_text(v, f"reporter_{k}", _REPORTER_LABELS[k])
        for k, v in (reporter or {}).items()
        if k in _REPORTER_LABELS
    }
    if mode == ReportingMode.REAL_NAME and not data.get("name"):
        raise ValidationError({"reporter_name": "实名举报须填写举报人姓名"})
    reachable = bool(data.get("phone") or data.get("address"))
    return (crypto.encrypt(json.dumps(data, ensure_ascii=False)) if data else ""), reachable


# --- registration ------------------------------------------------------------------------------


@transaction.atomic
def register_clue(
    actor: User,
    *,
    owner_unit: Unit,
    channel: Channel,
    received_on: dt.date,
    reporting_mode: str,
    summary: str,
    subjects: list[dict[str, Any]],
    content: str = "",
    categories: list[Category] | None = None,
    reporter: dict[str, str] | None = None,
    external_ref: str = "",
    sensitivity: str = Sensitivity.NORMAL,
    viewers: list[User] | None = None,
) -> Clue:
    """Register a clue (登记) with a new number; the registering unit becomes its owner."""
    permissions.require(actor, "clues.register", owner_unit)
    summary = clean_text(summary, "summary", "反映问题摘要", required=True, max_length=200)
    content = clean_text(content, "content", "反映问题内容", max_length=20000)
    external_ref = clean_text(external_ref, "external_ref", "外部编号", max_length=64)
    if received_on > _common._today():
        raise ValidationError({"received_on": "受理日期不能晚于今天"})
    if reporting_mode not in ReportingMode.values:
        raise ValidationError({"reporting_mode": "请选择举报方式"})
    if sensitivity not in Sensitivity.values:
        raise ValidationError({"sensitivity": "请选择密级"})
    if external_ref:
        existing = Clue.objects.filter(channel=channel, external_ref=external_ref).first()
        if existing is not None:
            raise ValidationError(
                {
                    "external_ref": f"{channel.name}编号“{external_ref}”已登记为线索{existing.number}，请勿重复登记"
                }
            )
    resolved = _resolve_subjects(actor, subjects)
    cipher, reachable = _reporter_cipher(reporting_mode, reporter)
    clue = Clue.objects.create(
        number=_next_number(owner_unit, received_on),
        channel=channel,
        received_on=received_on,
        external_ref=external_ref,
        reporting_mode=reporting_mode,
        reporter_cipher=cipher,
        reporter_reachable=reachable,
        summary=summary,
        content=content,
        sensitivity=sensitivity,
        owner_unit=owner_unit,
        created_by=actor,
        categories_at_receipt=sorted(c.pk for c in categories or []),
    )
    clue.categories.set(categories or [])
    for subject in resolved:
        subject.clue = clue
    ClueSubject.objects.bulk_create(resolved)
    if sensitivity == Sensitivity.IMPORTANT:
        ClueViewer.objects.bulk_create(
            [ClueViewer(clue=clue, user=u) for u in {actor, *(viewers or [])}], ignore_conflicts=True
        )
    search.reindex(clue)
    _log(
        actor,
        clue,
        "registered",
        data={"channel": channel.name, "subjects": [s.name for s in resolved], "summary": summary},
    )
    return clue


@transaction.atomic
def update_clue(
    actor: User, clue: Clue, *, version: int, categories: list[Category] | None = None, **values: Any
) -> Clue:
    """Correct a clue's registration details (修改) while it is registered or just assigned."""
    unknown = sorted(set(values) - set(CLUE_FIELDS))
    if unknown:
        # status, units, deadline and the like move only through their own actions
        raise TypeError(f"update_clue() cannot change {', '.join(unknown)}")
    _step(actor, clue, "edit")
    before = {f: getattr(clue, f) for f in CLUE_FIELDS}
    if "summary" in values:
        values["summary"] = clean_text(
            values["summary"], "summary", "反映问题摘要", required=True, max_length=200
        )
    if "content" in values:
        values["content"] = clean_text(values["content"], "content", "反映问题内容", max_length=20000)
    if "received_on" in values and values["received_on"] > _common._today():
        raise ValidationError({"received_on": "受理日期不能晚于今天"})
    if "received_on" in values and clue.deadline and values["received_on"] > clue.deadline:
        raise ValidationError({"received_on": "受理日期不能晚于办理时限"})
    if "reporting_mode" in values and values["reporting_mode"] not in ReportingMode.values:
        raise ValidationError({"reporting_mode": "请选择举报方式"})
    if "sensitivity" in values and values["sensitivity"] not in Sensitivity.values:
        raise ValidationError({"sensitivity": "请选择密级"})
    ref = values.get("external_ref", clue.external_ref)
    channel_id = values.get("channel_id", clue.channel_id)
    if ref and Clue.objects.filter(channel_id=channel_id, external_ref=ref).exclude(pk=clue.pk).exists():
        raise ValidationError({"external_ref": f"外部编号“{ref}”已登记为其他线索"})
    _bump(clue, version, **values)
    if clue.sensitivity == Sensitivity.IMPORTANT and not clue.viewers.exists():
        # 重要 with nobody named would hide the clue from everyone, its editor included
        ClueViewer.objects.create(clue=clue, user=actor)
    if categories is not None:
        clue.categories.set(categories)
    search.reindex(clue)
    after = {f: getattr(clue, f) for f in CLUE_FIELDS}
    # dates in the diff: the timeline's JSONField has no date encoder, the audit chain does
    changes = json.loads(json.dumps(diff(before, after), cls=DjangoJSONEncoder))
    _log(actor, clue, "edited", data={"changes": changes})
    return clue


@transaction.atomic
def add_subject(actor: User, clue: Clue, subject: dict[str, Any]) -> ClueSubject:
    """Add a 被反映人 to a clue."""
    _step(actor, clue, "edit_subjects")
    (new,) = _resolve_subjects(actor, [subject])
    new.clue = clue
    new.save()
    _bump(clue)
    search.reindex(clue)
    _log(actor, clue, "subject_added", data={"name": new.name})
    return new


@transaction.atomic
def remove_subject(actor: User, subject: ClueSubject) -> None:
    """Remove a 被反映人 that has no result or measures yet; a clue keeps at least one."""
    clue = subject.clue
    _step(actor, clue, "edit_subjects")
    if subject.result or subject.measures.exists():
        raise ValidationError({"subjects": "已录入核查结论或处理措施的被反映人不能删除"})
    if clue.subjects.count() <= 1:
        raise ValidationError({"subjects": "线索至少须有一名被反映人"})
    name = subject.name
    subject.delete()
    _bump(clue)
    search.reindex(clue)
    _log(actor, clue, "subject_removed", data={"name": name})


@transaction.atomic
def add_attachment(actor: User, clue: Clue, *, upload: Any) -> Attachment:
    """Attach a file: its type is read from its content and must match its name's extension; the
    size is limited; it is stored under its SHA-256 so no user-chosen name reaches the disk."""
    _step(actor, clue, "attach")
    content_type, data = sniff_upload(upload)
    digest = hashlib.sha256(data).hexdigest()
    att = Attachment(
        clue=clue,
        original_name=(upload.name or "附件")[-200:],
        content_type=content_type,
        size=len(data),
        sha256=digest,
        uploaded_by=actor,
    )
    att.file.save(digest, ContentFile(data), save=False)
    att.save()
    _bump(clue)
    _log(
        actor, clue, "attachment_added", data={"name": att.original_name, "size": att.size, "sha256": digest}
    )
    return att


def reveal_reporter(actor: User, clue: Clue) -> dict[str, str]:
    """The reporter's identity, for holders of clues.view_reporter; every view is audited."""
    if not workflow.may_see(actor, clue) or not workflow.holds(
        actor, "clues.view_reporter", clue, workflow.EITHER
    ):
        raise PermissionDenied("您无权查看举报人信息")
    with transaction.atomic():
        record(actor, "clue.reporter_viewed", clue)
    return clue.reporter()


@transaction.atomic
def name_viewers(actor: User, clue: Clue, *, users: list[User]) -> Clue:
    """Name who may see a 重要 clue (besides its subjects' recusal, which always applies)."""
    _step(actor, clue, "name_viewers")
    ClueViewer.objects.filter(clue=clue).exclude(user__in=users).delete()
    ClueViewer.objects.bulk_create([ClueViewer(clue=clue, user=u) for u in users], ignore_conflicts=True)
    _bump(clue)
    _log(actor, clue, "viewers_named", data={"users": sorted(u.username for u in users)})
    return clue
