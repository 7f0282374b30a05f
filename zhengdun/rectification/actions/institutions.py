"""建章立制: institutions and rules produced by the rectification, linked to the problems they
address."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.audit.chain import record
from zhengdun.core.text import clean_text
from zhengdun.org.models import Unit
from zhengdun.rectification.actions._common import (
    TEXT_MAX,
    TITLE_MAX,
    _date,
    _files,
    _store,
    _today,
    _unit,
)
from zhengdun.rectification.models import (
    Institution,
    InstitutionDocument,
    Problem,
)


@transaction.atomic
def register_institution(
    actor: User,
    data: dict[str, Any],
    *,
    problems: Sequence[Problem] = (),
    files: Sequence[Any] = (),
    today: dt.date | None = None,
) -> Institution:
    """Record an institution or rule produced (建章立制): title, issuing unit, date, scope and its
    document, linked to the problems it addresses (problems the actor may see)."""
    today = today or _today()
    permissions.require(actor, "rectification.institutions")
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def issuing_unit() -> Unit:
        try:
            return _unit(actor, data.get("issuing_unit"), "rectification.institutions")
        except ValidationError as exc:
            raise ValidationError({"issuing_unit": "制定单位须是您有权管理的单位"}) from exc

    def issued_on() -> dt.date:
        day = _date(data.get("issued_on"), "issued_on", "印发日期")
        if day > today:
            raise ValidationError({"issued_on": "印发日期不能晚于今天"})
        return day

    for key, fn in (
        (
            "title",
            lambda: clean_text(data.get("title"), "title", "制度名称", max_length=TITLE_MAX, required=True),
        ),
        (
            "doc_number",
            lambda: clean_text(data.get("doc_number"), "doc_number", "文号", required=False, max_length=60),
        ),
        ("issuing_unit", issuing_unit),
        ("issued_on", issued_on),
        (
            "scope",
            lambda: clean_text(data.get("scope"), "scope", "适用范围", required=True, max_length=TEXT_MAX),
        ),
    ):
        try:
            values[key] = fn()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    checked: list[tuple[Any, str, bytes]] = []
    if not files:
        errors.setdefault("files", []).append("请上传制度文件")
    else:
        try:
            checked = _files(files, "files")
        except ValidationError as exc:
            errors["files"] = exc.message_dict["files"]
    visible = permissions.scope(actor, "rectification.view", Problem.objects.all())
    wanted = {p.pk for p in problems}
    if wanted and visible.filter(pk__in=wanted).count() != len(wanted):
        errors.setdefault("problems", []).append("所选问题中有您无权查看的问题")
    if errors:
        raise ValidationError(errors)
    row = Institution.objects.create(created_by=actor, **values)
    row.problems.set(wanted)
    _store(InstitutionDocument, {"institution": row}, actor, checked)
    record(
        actor,
        "rectification.institution_registered",
        row,
        {"title": row.title, "doc_number": row.doc_number, "problems": sorted(wanted)},
    )
    return row


@transaction.atomic
def link_institution(actor: User, institution: Institution, problems: Sequence[Problem]) -> None:
    """Set the problems an institution addresses (within what the actor may see)."""
    permissions.require(actor, "rectification.institutions", institution.issuing_unit)
    visible = permissions.scope(actor, "rectification.view", Problem.objects.all())
    wanted = {p.pk for p in problems}
    if wanted and visible.filter(pk__in=wanted).count() != len(wanted):
        raise ValidationError({"problems": "所选问题中有您无权查看的问题"})
    # links to problems the actor cannot see stay as they are
    hidden = set(institution.problems.exclude(pk__in=visible.values("pk")).values_list("pk", flat=True))
    before = sorted(institution.problems.values_list("pk", flat=True))
    institution.problems.set(wanted | hidden)
    record(
        actor,
        "rectification.institution_linked",
        institution,
        {"problems": [before, sorted(wanted | hidden)]},
    )
