"""The demo city's plan: plan_city(seed, officers) is pure — the same arguments give the same
units, people and logins, byte for byte, on any machine and any day (dates come from a fixed
reference date, not from today). Written by seeding.write.seed_city."""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from zhengdun.accounts.roles import Role
from zhengdun.core import idcard
from zhengdun.core import seed_data as data
from zhengdun.org.models import Unit

DEFAULT_SEED = 2021
DEFAULT_OFFICERS = 3000
# Dates are relative to the campaign's launch so that a plan never depends on the day it is made.
REFERENCE_DATE = dt.date(2021, 2, 27)
DEMO_LOGINS_FILE = "demo-logins.txt"
_BATCH = 5000

T = Unit.Type


class SeedRefused(Exception):
    """The database is not empty (or a demo username is taken); nothing was written."""


@dataclass(frozen=True, slots=True)
class UnitPlan:
    key: str
    parent_key: str | None
    name: str
    short_name: str
    type: str
    code: str
    region_code: str
    sort_order: int
    area_index: int  # 0 for the city level, 1.. for the counties


@dataclass(frozen=True, slots=True)
class PostingPlan:
    unit_key: str
    position: str
    started_on: dt.date
    ended_on: dt.date | None


@dataclass(frozen=True, slots=True)
class PersonPlan:
    name: str
    gender: str
    id_number: str
    police_no: str
    unit_key: str
    position: str
    rank: str
    is_party_member: bool
    status: str
    postings: tuple[PostingPlan, ...]


@dataclass(frozen=True, slots=True)
class LoginPlan:
    username: str
    role: str
    grant_unit_key: str
    home_unit_key: str
    person_index: int | None  # index into CityPlan.people
    display_name: str


@dataclass(frozen=True)
class CityPlan:
    seed: int
    units: tuple[UnitPlan, ...]
    people: tuple[PersonPlan, ...]
    logins: tuple[LoginPlan, ...]

    def fingerprint(self) -> str:
        """A digest of everything the plan would write; equal plans have equal fingerprints."""
        h = hashlib.sha256()
        items: list[UnitPlan | PersonPlan | LoginPlan] = [*self.units, *self.people, *self.logins]
        for item in items:
            h.update(json.dumps(asdict(item), default=str, ensure_ascii=False, sort_keys=True).encode())
        return h.hexdigest()


@dataclass
class DemoLogin:
    username: str
    password: str
    role_label: str
    unit_name: str
    display_name: str


@dataclass
class SeedResult:
    units: int
    people: int
    postings: int
    logins: list[DemoLogin] = field(default_factory=list)
    seconds: float = 0.0
    logins_file: Path | None = None


# --- the plan ---------------------------------------------------------------------------------


def _units(rng: random.Random) -> list[UnitPlan]:
    units: list[UnitPlan] = []
    order: dict[str | None, int] = {}

    def add(
        key: str,
        parent: str | None,
        name: str,
        short: str,
        type_: str,
        code: str,
        area: int,
        region: str = "",
    ) -> str:
        order[parent] = order.get(parent, 0) + 1
        units.append(UnitPlan(key, parent, name, short, type_, code, region, order[parent], area))
        return key

    city, c = data.CITY_NAME, "C" + data.CITY_REGION
    root = add("city", None, city, city, T.CITY, c, 0, data.CITY_REGION)
    plc = add("city.plc", root, f"{city}委政法委", "市委政法委", T.PLC, f"{c}-ZFW", 0)
    add("city.office", plc, f"{city}教育整顿办", "市教育整顿办", T.OFFICE, f"{c}-ZDB", 0)
    add("city.court", root, f"{city}中级人民法院", "市中级人民法院", T.COURT, f"{c}-FY", 0)
    add("city.procuratorate", root, f"{city}人民检察院", "市人民检察院", T.PROCURATORATE, f"{c}-JC", 0)
    police = add("city.police", root, f"{city}公安局", "市公安局", T.PUBLIC_SECURITY, f"{c}-GA", 0)
    add("city.detention", police, f"{city}看守所", "市看守所", T.DETENTION, f"{c}-GA-KSS", 0)
    stems = rng.sample(data.PLACE_STEMS, 2 * len(data.CITY_POLICE_BRANCHES))
    for i, branch in enumerate(data.CITY_POLICE_BRANCHES, start=1):
        b = add(
            f"city.police.b{i}",
            police,
            f"{city}公安局{branch}",
            branch,
            T.PUBLIC_SECURITY,
            f"{c}-GA-FJ{i}",
            0,
        )
        for j in range(2):
            stem = stems[2 * (i - 1) + j]
            add(
                f"{b}.s{j + 1}",
                b,
                f"{branch}{stem}派出所",
                f"{stem}派出所",
                T.POLICE_STATION,
                f"{c}-GA-FJ{i}-{j + 1:02d}",
                0,
            )
    justice = add("city.justice", root, f"{city}司法局", "市司法局", T.JUSTICE, f"{c}-SF", 0)
    add("city.prison", justice, f"{city[:-1]}监狱", f"{city[:-1]}监狱", T.PRISON, f"{c}-SF-JY", 0)
    add("city.rehab", justice, f"{city}强制隔离戒毒所", "市戒毒所", T.REHAB, f"{c}-SF-JDS", 0)

    for area, (county, region) in enumerate(data.COUNTIES, start=1):
        k, c = f"c{area:02d}", "C" + region
        add(k, root, county, county, T.COUNTY, c, area, region)
        level = county[-1]  # 区 or 县
        cplc = add(f"{k}.plc", k, f"{county}委政法委", f"{level}委政法委", T.PLC, f"{c}-ZFW", area)
        add(f"{k}.office", cplc, f"{county}教育整顿办", f"{level}教育整顿办", T.OFFICE, f"{c}-ZDB", area)
        add(f"{k}.court", k, f"{county}人民法院", f"{level}法院", T.COURT, f"{c}-FY", area)
        add(
            f"{k}.procuratorate", k, f"{county}人民检察院", f"{level}检察院", T.PROCURATORATE, f"{c}-JC", area
        )
        cpolice = add(
            f"{k}.police", k, f"{county}公安局", f"{level}公安局", T.PUBLIC_SECURITY, f"{c}-GA", area
        )
        n_stations, n_offices = rng.randint(3, 5), rng.randint(2, 4)
        stems = rng.sample(data.PLACE_STEMS, n_stations + n_offices)
        for j, stem in enumerate(stems[:n_stations], start=1):
            add(
                f"{cpolice}.s{j}",
                cpolice,
                f"{county}公安局{stem}派出所",
                f"{stem}派出所",
                T.POLICE_STATION,
                f"{c}-GA-{j:02d}",
                area,
            )
        cjustice = add(f"{k}.justice", k, f"{county}司法局", f"{level}司法局", T.JUSTICE, f"{c}-SF", area)
        for j, stem in enumerate(stems[n_stations:], start=1):
            add(
                f"{cjustice}.o{j}",
                cjustice,
                f"{county}司法局{stem}司法所",
                f"{stem}司法所",
                T.JUDICIAL_OFFICE,
                f"{c}-SF-{j:02d}",
                area,
            )
    return units


def employing_units(units: Iterable[UnitPlan]) -> list[UnitPlan]:
    """The units that have staff of their own (area nodes only group other units)."""
    return [u for u in units if u.type not in Unit.AREA_TYPES]


def _allocate(total: int, weights: Sequence[float], floor: int) -> list[int]:
    """Split total into integer shares: `floor` each, the rest by weight (largest remainder)."""
    base = [floor] * len(weights)
    rest = total - floor * len(weights)
    s = sum(weights)
    exact = [rest * w / s for w in weights]
    shares = [int(x) for x in exact]
    left = rest - sum(shares)
    for i in sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))[:left]:
        shares[i] += 1
    return [b + x for b, x in zip(base, shares, strict=True)]


class _Names:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.surnames = [s for s, _ in data.SURNAMES]
        self.cum = list(itertools.accumulate(w for _, w in data.SURNAMES))

    def __call__(self, gender: str) -> str:
        rng = self.rng
        surname = self.surnames[bisect.bisect(self.cum, rng.random() * self.cum[-1])]
        pool = data.GIVEN_MALE if gender == "M" else data.GIVEN_FEMALE
        if rng.random() < 0.3:
            return surname + rng.choice(pool)
        first = rng.choice(data.GIVEN_LEADING + pool)
        second = rng.choice(pool)
        while second == first:
            second = rng.choice(pool)
        return surname + first + second


class _IdNumbers:
    """Valid, unique resident ID numbers: region + birth date + sequence (odd for men) + check."""

    def __init__(self, rng: random.Random, regions: Sequence[str]):
        self.rng, self.regions, self.seen = rng, regions, set[str]()

    def __call__(self, region: str, born: dt.date, gender: str) -> str:
        rng = self.rng
        for attempt in itertools.count():
            if attempt > 20:  # that birthday is crowded in this region: let the person be from elsewhere
                region = rng.choice(self.regions)
            seq = rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0)
            first17 = f"{region}{born:%Y%m%d}{seq:03d}"
            if first17 not in self.seen:
                self.seen.add(first17)
                return first17 + idcard.check_char(first17)
        raise AssertionError("unreachable")


class _Numbers:
    """警号 for police (six digits, city-wide unique) and 工号 for the other families."""

    PREFIX = {data.COURT: "FY", data.PROCURATORATE: "JC", data.JUSTICE: "SF", data.PLC: "ZF"}

    def __init__(self, rng: random.Random, police_count: int):
        # A random sample of the six-digit space, so neighbours in a unit do not get neighbouring numbers.
        self.police = iter(rng.sample(range(100000, 1000000), police_count))
        self.counters: dict[tuple[str, int], Iterator[int]] = {}

    def __call__(self, family: str, area: int) -> str:
        if family == data.POLICE:
            return f"{next(self.police):06d}"
        counter = self.counters.setdefault((family, area), itertools.count(1))
        return f"{self.PREFIX[family]}{area:02d}{next(counter):05d}"


def _head_title(unit: UnitPlan, title: str) -> str:
    # The head of a party committee's political-legal commission is named after the committee.
    if unit.type == T.PLC:
        return unit.short_name.replace("委政法委", "委政法委书记") if unit.area_index else "市委政法委书记"
    return title


def _people(rng: random.Random, units: list[UnitPlan], officers: int) -> list[PersonPlan]:
    staffed = employing_units(units)
    if officers < len(staffed):
        raise ValueError(f"至少需要 {len(staffed)} 名干警（每个单位至少一名）")
    weights = [
        data.UNIT_WEIGHTS[u.type] * (1 if u.area_index else data.CITY_WEIGHT_FACTOR) * rng.uniform(0.8, 1.25)
        for u in staffed
    ]
    floor = min(3, officers // len(staffed))
    counts = _allocate(officers, weights, floor)
    police_count = sum(
        n for u, n in zip(staffed, counts, strict=True) if data.FAMILY_OF_TYPE[u.type] == data.POLICE
    )

    names = _Names(rng)
    regions = [data.CITY_REGION] + [r for _, r in data.COUNTIES]
    area_region = {0: data.CITY_REGION, **{i: r for i, (_, r) in enumerate(data.COUNTIES, start=1)}}
    ids = _IdNumbers(rng, regions)
    numbers = _Numbers(rng, police_count)
    statuses, status_weights = zip(*data.STATUS_WEIGHTS, strict=True)
    by_family: dict[str, list[UnitPlan]] = {}
    for u in staffed:
        by_family.setdefault(data.FAMILY_OF_TYPE[u.type], []).append(u)

    people: list[PersonPlan] = []
    for unit, count in zip(staffed, counts, strict=True):
        family = data.FAMILY_OF_TYPE[unit.type]
        head, deputies, staff = data.POSITIONS[unit.type]
        ranks = data.RANKS[family]
        n_deputies = min(len(deputies), max(0, count // 8), count - 1)
        others = [u for u in by_family[family] if u.key != unit.key]
        for i in range(count):
            leader = i <= n_deputies
            age = rng.randint(42, 57) if leader else rng.randint(23, 58)
            if i == 0:
                position, rank = _head_title(unit, head), ranks[rng.randrange(0, 2)]
            elif leader:
                position, rank = deputies[i - 1], ranks[rng.randrange(1, 4)]
            else:
                # seniority grows with age: the youngest hold the lowest ranks
                lowest = len(ranks) - 1
                step = (age - 23) // 6 + rng.randrange(-1, 2)
                position, rank = rng.choice(staff), ranks[max(3, min(lowest, lowest - step))]
            born = REFERENCE_DATE - dt.timedelta(days=age * 365 + rng.randrange(365))
            gender = "M" if rng.random() < data.MALE_SHARE[family] else "F"
            region = area_region[unit.area_index] if rng.random() < 0.7 else rng.choice(regions)
            joined = born + dt.timedelta(days=22 * 365 + rng.randrange(365))
            started = joined + dt.timedelta(days=rng.randrange(max(1, (REFERENCE_DATE - joined).days)))
            postings = [PostingPlan(unit.key, position, started, None)]
            if started - joined > dt.timedelta(days=2 * 365) and others and rng.random() < 0.25:
                earlier = rng.choice(others)
                postings.append(
                    PostingPlan(
                        earlier.key,
                        rng.choice(data.POSITIONS[earlier.type][2]),
                        joined,
                        started - dt.timedelta(days=1),
                    )
                )
            people.append(
                PersonPlan(
                    name=names(gender),
                    gender=gender,
                    id_number=ids(region, born, gender),
                    police_no=numbers(family, unit.area_index),
                    unit_key=unit.key,
                    position=position,
                    rank=rank,
                    is_party_member=leader or rng.random() < data.PARTY_MEMBER_SHARE,
                    status="active" if leader else rng.choices(statuses, status_weights)[0],
                    postings=tuple(postings),
                )
            )
    return people


# One login per role. (username, role, unit the role is granted on, home unit, whose roster
# record the account belongs to: "head" of the home unit, "staff" (first serving non-head) or None.)
_LOGINS: tuple[tuple[str, str, str, str, str | None, str], ...] = (
    ("office", Role.OFFICE_HANDLER, "city", "city.office", "staff", ""),
    ("leader", Role.LEADER, "city", "city.office", "head", ""),
    ("county_leader", Role.LEADER, "c01", "c01.plc", "head", ""),
    ("unit_handler", Role.UNIT_HANDLER, "c01.court", "c01.court", "staff", ""),
    ("inspector", Role.INSPECTOR, "city", "city.plc", None, "市督导组"),
    ("officer", Role.OFFICER, "c01.police.s1", "c01.police.s1", "staff", ""),
    ("sysadmin", Role.SYSTEM_ADMIN, "city", "city.plc", None, "系统管理员"),
    ("secadmin", Role.SECURITY_ADMIN, "city", "city.plc", None, "安全管理员"),
    ("auditor", Role.AUDIT_ADMIN, "city", "city.plc", None, "审计管理员"),
)


def _logins(people: list[PersonPlan]) -> list[LoginPlan]:
    first_index: dict[str, int] = {}
    staff_index: dict[str, int] = {}
    for i, p in enumerate(people):
        if p.unit_key not in first_index:
            first_index[p.unit_key] = i
        elif p.unit_key not in staff_index and p.status == "active":
            staff_index[p.unit_key] = i
    plans = []
    for username, role, grant_key, home_key, who, display in _LOGINS:
        index = None
        if who == "head":
            index = first_index[home_key]
        elif who == "staff":
            index = staff_index.get(home_key, first_index[home_key])
        name = people[index].name if index is not None else display
        plans.append(LoginPlan(username, str(role), grant_key, home_key, index, name))
    return plans


def plan_city(seed: int = DEFAULT_SEED, officers: int = DEFAULT_OFFICERS) -> CityPlan:
    """The demo city for this seed and head count. Pure: no database, no clock, no global RNG."""
    rng = random.Random(seed)  # noqa: S311 - a deterministic plan, not a secret
    units = _units(rng)
    people = _people(rng, units, officers)
    return CityPlan(seed, tuple(units), tuple(people), tuple(_logins(people)))
