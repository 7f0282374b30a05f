"""core.pages.mark/fact: the template-only facts a page attaches to a loaded row are
plain attributes (templates read them as before) and never fields (nothing is saved)."""

from __future__ import annotations

import pytest

from zhengdun.clues.models import Channel
from zhengdun.core.pages import fact, mark


def test_marked_facts_read_back_as_attributes_and_through_fact() -> None:
    row = Channel(code="X", name="测试来源")
    mark(row, may_change=True, names=["甲", "乙"])
    assert row.may_change is True  # what a template reads
    assert fact(row, "names") == ["甲", "乙"]


def test_a_fact_never_marked_is_an_error_not_a_silent_blank() -> None:
    with pytest.raises(KeyError):
        fact(Channel(code="X", name="测试来源"), "subject_names")


def test_marking_does_not_touch_the_fields() -> None:
    row = Channel(code="X", name="测试来源")
    mark(row, name_shown="别名")
    assert row.name == "测试来源"
    assert "name_shown" not in {f.name for f in Channel._meta.get_fields()}
