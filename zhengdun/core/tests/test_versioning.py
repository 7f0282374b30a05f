"""core.versioning.guarded_update: the one optimistic-lock guard."""

import pytest

from zhengdun.core.errors import ConflictError
from zhengdun.core.versioning import guarded_update
from zhengdun.org.models import Unit

pytestmark = pytest.mark.django_db


def test_it_writes_and_bumps_when_the_version_is_the_stored_one(city):
    unit = Unit.objects.get(pk=city.county_a.pk)
    guarded_update(Unit, unit.pk, unit.version, "已被他人修改", name="甲县（新）")
    unit.refresh_from_db()
    assert unit.name == "甲县（新）"


def test_it_refuses_a_stale_version_and_writes_nothing(city):
    unit = Unit.objects.get(pk=city.county_a.pk)
    before = (unit.name, unit.version)
    with pytest.raises(ConflictError, match="已被他人修改"):
        guarded_update(Unit, unit.pk, unit.version - 1, "已被他人修改", name="不该写入")
    unit.refresh_from_db()
    assert (unit.name, unit.version) == before


def test_it_refuses_a_row_that_is_gone():
    with pytest.raises(ConflictError):
        guarded_update(Unit, 2**31 - 1, None, "已被删除", name="x")


def test_without_a_version_it_writes_and_still_bumps(city):
    unit = Unit.objects.get(pk=city.county_a.pk)
    guarded_update(Unit, unit.pk, None, "x", name="改名")
    unit.refresh_from_db()
    assert unit.name == "改名"
