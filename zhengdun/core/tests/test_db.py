"""core.db.read_together: several small reads, each its own rows, in one round trip on
PostgreSQL — with every value still a bound parameter."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhengdun.clues.models import Channel
from zhengdun.core.db import read_together
from zhengdun.org.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def channels() -> list[Channel]:
    Channel.objects.all().delete()
    return [Channel.objects.create(code=f"c{i}", name=name, sort_order=i) for i, name in enumerate("甲乙丙")]


def test_it_reads_each_queryset_in_order(channels):
    ids = [c.pk for c in channels]
    first, second, third = read_together(
        Channel.objects.filter(pk__in=ids).values_list("pk", "name"),
        Channel.objects.filter(name="乙").values_list("code"),
        Channel.objects.filter(pk__in=ids).order_by("-sort_order").values_list("sort_order"),
    )
    assert first == [(c.pk, c.name) for c in channels]
    assert second == [("c1",)]
    assert third == [(2,), (1,), (0,)]


def test_an_empty_queryset_reads_as_no_rows_and_keeps_the_others_in_place(channels):
    empty, nothing, names = read_together(
        Channel.objects.none().values_list("pk"),
        Channel.objects.filter(pk__in=[]).values_list("pk"),
        Channel.objects.values_list("name"),
    )
    assert (empty, nothing) == ([], [])
    assert names == [("甲",), ("乙",), ("丙",)]


def test_it_reads_nothing_for_nothing():
    assert read_together() == []
    assert read_together(Channel.objects.none().values_list("pk")) == [[]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one message is PostgreSQL's")
def test_it_is_one_round_trip_on_postgresql(channels):
    with CaptureQueriesContext(connection) as ctx:
        read_together(Channel.objects.values_list("pk"), Unit.objects.values_list("pk"))
    assert len(ctx.captured_queries) == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(
        alphabet=st.sampled_from(list("%_'\";\\-—甲a "))
        | st.characters(codec="utf-8", exclude_categories=["Cs"]),
        min_size=1,
        max_size=12,
    ).filter(lambda t: "\x00" not in t)
)
def test_values_stay_parameters(channels, text):
    # quotes, semicolons, percent signs and backslashes in a value neither break the message
    # nor the statements around it
    Channel.objects.filter(code="x").delete()
    Channel.objects.create(code="x", name=text, sort_order=9)
    exact, contains, count = read_together(
        Channel.objects.filter(name=text).values_list("code"),
        Channel.objects.filter(name__contains=text).values_list("code"),
        Channel.objects.filter(code__in=["c0", "c1", "c2"]).values_list("pk"),
    )
    assert exact == [("x",)]
    assert ("x",) in contains
    assert len(count) == 3


def test_it_returns_the_columns_asked_for_even_when_the_sql_needs_more(channels):
    # distinct() with an ordering on another column makes Django select that column too
    (names,) = read_together(Channel.objects.order_by("-sort_order").distinct().values_list("name"))
    assert names == [("丙",), ("乙",), ("甲",)]


@pytest.mark.parametrize(
    "queryset",
    [
        lambda: Channel.objects.all(),
        lambda: Channel.objects.values("pk"),
        lambda: Channel.objects.values_list("pk", flat=True),
        lambda: Channel.objects.values_list("pk", named=True),
    ],
)
def test_it_reads_only_plain_values_lists(queryset):
    with pytest.raises(TypeError):
        read_together(queryset())
