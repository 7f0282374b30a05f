"""Writing and verifying the audit chain.

record() must be called inside the transaction of the change it describes: if the change rolls
back, so does its entry, and an entry never exists for a change that did not happen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from zhengdun.audit.context import client_ip
from zhengdun.audit.models import ChainHead, Entry

GENESIS = "0" * 64


def _hasher(algorithm: str) -> Any:
    if algorithm == "sm3":
        return hashlib.new("sm3")
    if algorithm == "sha256":
        return hashlib.sha256()
    raise ValueError(f"unsupported audit hash algorithm {algorithm!r}")


def _canonical(value: Any) -> Any:
    # One JSON form for hashing, stable across SQLite and PostgreSQL JSON round trips.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True))


def compute_hash(entry: Entry) -> str:
    at = entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    body = json.dumps(
        [
            entry.seq,
            at,
            entry.actor_id,
            entry.actor_name,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.object_repr,
            entry.ip,
            entry.success,
            entry.data,
            entry.algorithm,
            entry.prev_hash,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    h = _hasher(entry.algorithm)
    h.update(body.encode())
    return h.hexdigest()


def _object_fields(obj: models.Model | None) -> dict[str, str]:
    if obj is None:
        return {"object_type": "", "object_id": "", "object_repr": ""}
    return {
        "object_type": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
    }


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    *,
    success: bool = True,
    actor_name: str = "",
    object_type: str = "",
) -> Entry:
    """Append one entry to the chain, inside the caller's transaction.

    `action` is a dotted code ("person.changed", "auth.login_failed"); `data` holds before/after
    values or other detail. Locks the chain head so concurrent writers chain in one order.
    """
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        user = actor if getattr(actor, "is_authenticated", False) else None
        entry = Entry(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=user,
            actor_name=actor_name or (getattr(user, "username", "") if user else ""),
            action=action,
            ip=client_ip.get(),
            success=success,
            data=_canonical(data or {}),
            algorithm=settings.AUDIT_HASH_ALGORITHM,
            prev_hash=head.hash,
            **_object_fields(obj),
        )
        if object_type:
            entry.object_type = object_type
        entry.hash = compute_hash(entry)
        entry.save(force_insert=True)
        head.seq = entry.seq
        head.hash = entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields that changed, as {"field": [old, new]}."""
    return {k: [before.get(k), after.get(k)] for k in sorted(after) if before.get(k) != after.get(k)}


@dataclass
class ChainProblem:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"审计日志第 {self.seq} 条: {self.reason}"


def verify_chain(batch_size: int = 5000) -> Iterator[ChainProblem]:
    """Yield the problems found, first broken entry first. An intact chain yields nothing.

    Checks each entry's own hash, its link to the previous entry, gaps in the sequence (a
    removed entry) and that the chain head matches the last entry (a removed tail).
    """
    expected_prev = GENESIS
    expected_seq = 1
    last_seq = 0
    qs = Entry.objects.order_by("seq")
    cursor = 0
    while True:
        batch = list(qs.filter(seq__gt=cursor)[:batch_size])
        if not batch:
            break
        for entry in batch:
            if entry.seq != expected_seq:
                yield ChainProblem(expected_seq, "缺失（序号不连续，条目被删除）")
                return
            if entry.prev_hash != expected_prev:
                yield ChainProblem(entry.seq, "与上一条的链接不符")
                return
            if compute_hash(entry) != entry.hash:
                yield ChainProblem(entry.seq, "内容与哈希不符（条目被篡改）")
                return
            expected_prev = entry.hash
            expected_seq += 1
            last_seq = entry.seq
        cursor = batch[-1].seq
    head = ChainHead.objects.filter(id=1).first()
    if head is not None and (head.seq != last_seq or head.hash != expected_prev):
        yield ChainProblem(last_seq + 1, "链尾条目缺失（与链头记录不符）")
