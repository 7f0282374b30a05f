"""Writing a plan of the demo city into an empty database (seed_city) in one transaction."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from zhengdun.accounts.models import RoleAssignment, User
from zhengdun.accounts.roles import Role
from zhengdun.audit.chain import record
from zhengdun.core import crypto, idcard
from zhengdun.core import seed_data as data
from zhengdun.core.seeding.logins import demo_password, write_logins
from zhengdun.core.seeding.plan import _BATCH, CityPlan, DemoLogin, PersonPlan, SeedRefused, SeedResult
from zhengdun.org import actions as org_actions
from zhengdun.org.models import Person, Posting, Unit

# --- writing a plan -----------------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _new_password() -> str:
    while True:
        password = demo_password()
        try:
            password_validation.validate_password(password)
        except ValidationError:  # pragma: no cover - a random 14-character string passes
            continue
        return password


@contextlib.contextmanager
def _hashing_pool() -> Iterator[Any]:
    """Processes that hash the demo passwords while the parent writes the roster.

    Each hash costs the full PBKDF2 work factor (about half a second here) and holds the GIL,
    so nine of them would dominate a 3,000-officer seed; forked workers take them off the
    critical path. Where fork is unavailable they are hashed in-process.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    workers = max(1, min(2, os.cpu_count() or 1))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield pool


@transaction.atomic
def seed_city(plan: CityPlan, *, data_dir: Path) -> SeedResult:
    """Write the plan into an empty database, in one transaction, and the logins file into data_dir.

    Refuses (SeedRefused, nothing written) when the database already has units or a demo
    username is taken: the demo never mixes with real data.
    """
    started = time.monotonic()
    if Unit.objects.exists():
        raise SeedRefused("数据库中已有单位数据，不能再写入演示城市。演示数据只能写入空数据库。")
    usernames = [lg.username for lg in plan.logins]
    taken = sorted(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    if taken:
        raise SeedRefused(f"用户名已存在：{'、'.join(taken)}。演示数据只能写入空数据库。")

    passwords = [_new_password() for _ in plan.logins]
    with _hashing_pool() as pool:
        hashes = pool.map(make_password, passwords) if pool else None

        units: dict[str, Unit] = {}
        for u in plan.units:
            units[u.key] = org_actions.create_unit(
                None,
                parent=units[u.parent_key] if u.parent_key else None,
                name=u.name,
                short_name=u.short_name,
                type=u.type,
                code=u.code,
                region_code=u.region_code,
                sort_order=u.sort_order,
            )
        person_ids, postings = _write_people(plan.people, units)
        hashed = list(hashes) if hashes is not None else [make_password(p) for p in passwords]

    now = timezone.now()
    logins: list[DemoLogin] = []
    for lg, password, encoded in zip(plan.logins, passwords, hashed, strict=True):
        home = units[lg.home_unit_key]
        user = User.objects.create(
            username=lg.username,
            password=encoded,
            display_name=lg.display_name,
            unit=home,
            person_id=person_ids[lg.person_index] if lg.person_index is not None else None,
            password_changed_at=now,
            must_change_password=False,
        )
        RoleAssignment.objects.create(user=user, role=lg.role, unit=units[lg.grant_unit_key])
        logins.append(DemoLogin(lg.username, password, Role(lg.role).label, home.name, lg.display_name))

    result = SeedResult(units=len(units), people=len(person_ids), postings=postings, logins=logins)
    record(
        None,
        "seed.demo_city",
        data={
            "seed": plan.seed,
            "units": result.units,
            "people": result.people,
            "postings": result.postings,
            "accounts": usernames,
        },
        actor_name="system",
    )
    result.logins_file = write_logins(data_dir, logins)
    result.seconds = time.monotonic() - started
    return result


def _write_people(people: Sequence[PersonPlan], units: dict[str, Unit]) -> tuple[list[int], int]:
    """bulk_create the roster and its postings in batches; returns the new ids and the posting count."""
    person_ids: list[int] = []
    postings = 0
    for chunk in _chunks(people, _BATCH):
        rows = [
            Person(
                name=p.name,
                gender=p.gender,
                id_cipher=crypto.encrypt(p.id_number),
                id_digest=crypto.digest(p.id_number),
                id_masked=idcard.mask(p.id_number),
                police_no=p.police_no,
                unit=units[p.unit_key],
                position=p.position,
                rank=p.rank,
                is_party_member=p.is_party_member,
                status=p.status,
            )
            for p in chunk
        ]
        created = Person.objects.bulk_create(rows)
        person_ids.extend(r.pk for r in created)
        history = [
            Posting(
                person_id=person.pk,
                unit=units[posting.unit_key],
                position=posting.position,
                started_on=posting.started_on,
                ended_on=posting.ended_on,
            )
            for person, p in zip(created, chunk, strict=True)
            for posting in p.postings
        ]
        Posting.objects.bulk_create(history)
        postings += len(history)
    return person_ids, postings


def summary(result: SeedResult) -> str:
    return (
        f"已写入演示城市 {data.CITY_NAME}：{result.units} 个单位，{result.people} 名干警，"
        f"{result.postings} 条任职经历，{len(result.logins)} 个演示账号（用时 {result.seconds:.1f} 秒）。"
    )
