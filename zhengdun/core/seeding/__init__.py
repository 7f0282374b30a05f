"""The demo city (临江市): a deterministic plan, and the one function that writes it.

plan_city(seed, officers) is pure: the same arguments give the same units, people and logins,
byte for byte, on any machine and any day (dates are computed from a fixed reference date, not
from today). seed_city(plan) writes a plan into an empty database in one transaction: units
through org.actions (so the tree's paths are built the one way they are always built), people
and postings with bulk_create, demo accounts with random passwords, and one audit entry for the
whole run. Benchmarks seed their data through the same functions (`zhengdun seed --officers N`).

Split by phase: plan (the pure plan), logins (passwords and the logins file), write (seed_city).
The names below stay importable from `zhengdun.core.seeding`.
"""

from zhengdun.core.seeding.logins import demo_password, format_logins, logins_path, read_logins, write_logins
from zhengdun.core.seeding.plan import (
    DEFAULT_OFFICERS,
    DEFAULT_SEED,
    DEMO_LOGINS_FILE,
    REFERENCE_DATE,
    CityPlan,
    DemoLogin,
    LoginPlan,
    PersonPlan,
    PostingPlan,
    SeedRefused,
    SeedResult,
    UnitPlan,
    employing_units,
    plan_city,
)
from zhengdun.core.seeding.write import seed_city, summary

__all__ = [
    "DEFAULT_OFFICERS",
    "DEFAULT_SEED",
    "DEMO_LOGINS_FILE",
    "REFERENCE_DATE",
    "CityPlan",
    "DemoLogin",
    "LoginPlan",
    "PersonPlan",
    "PostingPlan",
    "SeedRefused",
    "SeedResult",
    "UnitPlan",
    "demo_password",
    "employing_units",
    "format_logins",
    "logins_path",
    "plan_city",
    "read_logins",
    "seed_city",
    "summary",
    "write_logins",
]
