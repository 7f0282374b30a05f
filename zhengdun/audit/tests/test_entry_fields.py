"""An audit entry's data is shown as labelled Chinese fields, never as a JSON dump (issue #11:
a raw "filters" block on the entry page); the list's short columns do not wrap a character per
line."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from zhengdun.audit.chain import record
from zhengdun.audit.models import Entry
from zhengdun.audit.views import data_fields

LIST = reverse("audit:entry_list")


@pytest.fixture
def auditor_client(client: Any, city: Any) -> Any:
    client.force_login(city.auditor)
    return client


def _rec(actor: Any, action: str, obj: Any = None, data: Any = None) -> Entry:
    with transaction.atomic():
        return record(actor, action, obj, data)


@pytest.mark.django_db
def test_it_shows_a_searchs_filters_as_labelled_chinese_fields(auditor_client: Any, city: Any) -> None:
    auditor_client.get(LIST, {"user": "office", "success": "1", "date_from": "2021-06-02"})
    entry = Entry.objects.filter(action="audit.viewed").latest("seq")
    assert entry.data["filters"]["user"] == "office"
    body = auditor_client.get(reverse("audit:entry_detail", args=[entry.seq])).content.decode()
    assert "筛选条件" in body and "操作人" in body and "office" in body and "成功" in body
    assert "起始日期" in body and "2021-06-02" in body
    assert '"filters"' not in body and "{&quot;" not in body and "&quot;filters&quot;" not in body
    assert "audit-json" not in body  # no pre-formatted JSON block left


@pytest.mark.django_db
def test_it_shows_an_unknown_key_with_the_key_itself(auditor_client: Any, city: Any) -> None:
    entry = _rec(city.office_handler, "thing.done", None, {"zzz_flag": True, "nested": {"a_b": [1, 2]}})
    body = auditor_client.get(reverse("audit:entry_detail", args=[entry.seq])).content.decode()
    assert "zzz_flag" in body and "（字段 zzz_flag）" in body and "是" in body
    assert "1、2" in body and '{"a_b"' not in body


@pytest.mark.django_db
def test_it_labels_the_fields_of_a_change(auditor_client: Any, city: Any) -> None:
    judge = city.people["judge_a"]
    entry = _rec(city.office_handler, "person.changed", judge, {"changes": {"position": ["科员", "副庭长"]}})
    body = auditor_client.get(reverse("audit:entry_detail", args=[entry.seq])).content.decode()
    assert "<td>职务" in body and "科员" in body and "副庭长" in body


def test_it_flattens_nested_data_into_labelled_lines() -> None:
    fields = data_fields({"filters": {"action": "unit.created", "date_from": "2021-06-02"}, "rows": 3})
    assert [(f.label, f.depth) for f in fields] == [
        ("筛选条件", 0),
        ("操作", 1),
        ("起始日期", 1),
        ("导出行数", 0),
    ]
    assert fields[1].value.endswith("（unit.created）")
    assert [f.value for f in data_fields({"filters": {}, "items": []})] == ["无", "无"]
    items = data_fields({"items": [{"name": "甲"}, {"name": "乙"}]})
    assert [f.label for f in items] == ["事项", "第1项", "名称", "第2项", "名称"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)


@given(json_values)
def test_it_shows_any_json_as_lines_of_text(value: Any) -> None:
    for field in data_fields(value):
        assert isinstance(field.label, str) and isinstance(field.value, str)
        assert field.depth >= 0


@pytest.mark.django_db
def test_it_keeps_the_result_and_detail_columns_on_one_line(auditor_client: Any, city: Any) -> None:
    _rec(city.office_handler, "thing.done", None, {})
    body = auditor_client.get(LIST).content.decode()
    assert '<td class="result">' in body and '<td class="more">' in body
    css = auditor_client.get("/static/zhengdun/audit.css")
    text = b"".join(css.streaming_content).decode() if css.streaming else css.content.decode()
    assert "td.result" in text and "nowrap" in text
