"""Writing and verifying the audit chain.

record() must be called inside the transaction of the change it describes: if the change rolls
back, so does its entry, and an entry never exists for a change that did not happen.

Each entry's hash covers all its stored fields and the previous entry's hash, and each entry
stores the algorithm it was hashed with, so a chain may mix SHA-256 and SM3 (国密) entries when
AUDIT_HASH_ALGORITHM changes. The chain is tamper-evident, not tamper-proof: someone able to
rewrite every entry and the chain head can forge a consistent chain, which is why
verify_audit prints the head hash for the operator to keep outside the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from zhengdun.accounts.models import User
from zhengdun.audit.context import client_ip
from zhengdun.audit.models import ChainHead, Entry

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

GENESIS = "0" * 64
ALGORITHMS = ("sha256", "sm3")


def algorithm_available(algorithm: str) -> bool:
    """Whether this Python's OpenSSL can compute the algorithm (SM3 needs OpenSSL ≥ 1.1.1 built
    with it; some distributions leave it out)."""
    if algorithm not in ALGORITHMS:
        return False
    try:
        hashlib.new(algorithm)
    except ValueError:
        return False
    return True


def configured_algorithm() -> str:
    """settings.AUDIT_HASH_ALGORITHM, checked. Raises ImproperlyConfigured with a message an
    operator can act on; called at start-up (AuditConfig.ready) and before every write, so a
    misconfiguration never produces an entry that cannot be verified."""
    algorithm = str(settings.AUDIT_HASH_ALGORITHM).strip().lower()
    if algorithm not in ALGORITHMS:
        raise ImproperlyConfigured(
            f"ZHENGDUN_AUDIT_HASH={settings.AUDIT_HASH_ALGORITHM!r} 不受支持：审计日志哈希算法只能是 sha256 或 sm3"
        )
    if not algorithm_available(algorithm):
        raise ImproperlyConfigured(
            f"ZHENGDUN_AUDIT_HASH={algorithm}：本机 Python 所用的 OpenSSL 不提供 {algorithm.upper()} 算法。"
            "请改用带 SM3 的 OpenSSL（1.1.1 及以上，未禁用 SM3）重新构建 Python，或改设为 sha256。"
        )
    return algorithm


def _hasher(algorithm: str) -> Any:
    if algorithm == "sha256":
        return hashlib.sha256()
    if algorithm == "sm3":
        return hashlib.new("sm3")
    raise ValueError(f"unsupported audit hash algorithm {algorithm!r}")


def _canonical(value: Any) -> Any:
    # One JSON form for hashing, stable across SQLite and PostgreSQL JSON round trips.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True))


def compute_hash(entry: Any) -> str:
    """The hash of an Entry, or of a row with the same attributes (check_chain reads named
    tuples: building a model instance per row would double the time for a million entries)."""
    # The layout of this body is part of the stored data: changing it invalidates every entry.
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
    actor: User | AnonymousUser | None,
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
    values or other detail. Locks the chain head so concurrent writers chain in one order; the
    lock is held until the caller's transaction ends, so call record() as the last write of the
    transaction (it then serialises only the commit, and cannot deadlock against row locks the
    caller takes afterwards).
    """
    algorithm = configured_algorithm()
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        # an anonymous caller (a failed login) is recorded by the name it gave, without a user
        user = actor if isinstance(actor, User) else None
        entry = Entry(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=user,
            actor_name=actor_name or (getattr(user, "username", "") if user else ""),
            action=action,
            ip=client_ip.get(),
            success=success,
            data=_canonical(data or {}),
            algorithm=algorithm,
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
        return f"审计日志第 {self.seq} 条{self.reason}"


@dataclass
class ChainReport:
    """The outcome of one pass over the chain: how many entries were checked, the last one, and
    the first problem (None when the chain is intact)."""

    count: int
    last_seq: int
    last_hash: str
    problem: ChainProblem | None

    @property
    def intact(self) -> bool:
        return self.problem is None


_VERIFIED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "ip",
    "success",
    "data",
    "algorithm",
    "prev_hash",
    "hash",
)


def _entry_problem(entry: Any, expected_seq: int, expected_prev: str) -> ChainProblem | None:
    if entry.seq != expected_seq:
        return ChainProblem(expected_seq, "缺失（序号不连续，条目被删除）")
    if entry.prev_hash != expected_prev:
        return ChainProblem(entry.seq, "与上一条的链接不符")
    if entry.algorithm not in ALGORITHMS:
        return ChainProblem(entry.seq, f"哈希算法“{entry.algorithm}”未知（条目被篡改）")
    if not algorithm_available(entry.algorithm):
        return ChainProblem(entry.seq, f"使用 {entry.algorithm.upper()} 算法，本机不支持，无法校验")
    if compute_hash(entry) != entry.hash:
        return ChainProblem(entry.seq, "内容与哈希不符（条目被篡改）")
    return None


def check_chain(batch_size: int = 5000, progress: Callable[[int], None] | None = None) -> ChainReport:
    """Walk the whole chain in seq order, batch_size entries per query (keyset on the unique seq
    index, so memory and per-query cost stay flat at millions of entries), and stop at the first
    problem.

    Checks each entry's own hash, its link to the previous entry, gaps in the sequence (a removed
    entry) and that the chain head matches the last entry (a removed tail). The head is read
    before and after the walk: entries appended by concurrent writers during the walk are
    chained and checked too, and never reported as missing or extra.
    """
    head_before = ChainHead.objects.filter(id=1).first()
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    hash_at_head_before: str | None = None
    cursor = 0
    while True:
        rows = Entry.objects.filter(seq__gt=cursor).order_by("seq").values_list(*_VERIFIED_FIELDS, named=True)
        batch = list(rows[:batch_size])
        if not batch:
            break
        for entry in batch:
            problem = _entry_problem(entry, expected_seq, expected_prev)
            if problem is not None:
                return ChainReport(count, expected_seq - 1, expected_prev, problem)
            if head_before is not None and entry.seq == head_before.seq:
                hash_at_head_before = entry.hash
            expected_prev = entry.hash
            expected_seq += 1
            count += 1
        cursor = batch[-1].seq
        if progress is not None:
            progress(count)
        if len(batch) < batch_size:
            break
    last_seq = expected_seq - 1

    def report(problem: ChainProblem | None) -> ChainReport:
        return ChainReport(count, last_seq, expected_prev, problem)

    if head_before is not None and head_before.seq > last_seq:
        return report(ChainProblem(last_seq + 1, "链尾条目缺失（与链头记录不符）"))
    if head_before is not None and head_before.seq > 0 and hash_at_head_before != head_before.hash:
        return report(ChainProblem(head_before.seq, "与链头记录的哈希不符（条目被替换）"))
    head_after = ChainHead.objects.filter(id=1).first()
    head_after_seq = head_after.seq if head_after is not None else 0
    if last_seq > head_after_seq:
        # Every writer moves the head in the transaction that adds the entry, so an entry past
        # the head was inserted behind the application's back (or the head was rolled back).
        return report(ChainProblem(head_after_seq + 1, "超出链头记录（链头被改动或条目被私自插入）"))
    return report(None)


def verify_chain(batch_size: int = 5000) -> Iterator[ChainProblem]:
    """Yield the problems found, first broken entry first. An intact chain yields nothing."""
    problem = check_chain(batch_size).problem
    if problem is not None:
        yield problem
