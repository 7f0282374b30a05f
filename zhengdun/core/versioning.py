"""One home for the optimistic-lock guard: a row is changed only if nobody changed it since the
caller read it (its `version` column), else ConflictError and nothing is written."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Model

from zhengdun.core.errors import ConflictError


def guarded_update(model: type[Model], pk: Any, version: int | None, message: str, **values: Any) -> None:
    """UPDATE … SET version = version + 1, **values WHERE pk = pk AND version = version.

    With version None the row is changed whatever its version (the caller holds a lock or has no
    version to offer), still bumping it so other readers see the change. Raises ConflictError
    with `message` when no row matched: the row moved or is gone."""
    rows = model._default_manager.filter(pk=pk)
    if version is not None:
        rows = rows.filter(version=version)
    if rows.update(version=F("version") + 1, **values) != 1:
        raise ConflictError(message)
