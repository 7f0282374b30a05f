"""Derived status (rectification.status): derive() against a table written by hand from the
precedence in the module's docstring, for every combination of facts and of the deadline against
today; the SQL form (status_expression / annotate_status) giving the same answer on the database
for every combination; 临期 (is_near / near_condition) agreeing, with its boundary."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from zhengdun.rectification import status
from zhengdun.rectification.models import Problem
from zhengdun.rectification.status import Facts, ProblemStatus
from zhengdun.rectification.tests.helpers import fast_passwords, make_problem  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("fast_passwords")

S = ProblemStatus
D = dt.date
TODAY = D(2026, 6, 15)
BEFORE, EQUAL, AFTER = "before", "equal", "after"  # the deadline against today
DEADLINES = {BEFORE: TODAY - dt.timedelta(days=1), EQUAL: TODAY, AFTER: TODAY + dt.timedelta(days=1)}

# closed, relapsed, reported, complete → status with the deadline before / equal to / after today
TABLE: dict[tuple[bool, bool, bool, bool], tuple[S, S, S]] = {
    # 已销号 wins over everything
    (True, False, False, False): (S.CLOSED, S.CLOSED, S.CLOSED),
    (True, False, False, True): (S.CLOSED, S.CLOSED, S.CLOSED),
    (True, False, True, False): (S.CLOSED, S.CLOSED, S.CLOSED),
    (True, False, True, True): (S.CLOSED, S.CLOSED, S.CLOSED),
    (True, True, False, False): (S.CLOSED, S.CLOSED, S.CLOSED),
    (True, True, False, True): (S.CLOSED, S.CLOSED, S.CLOSED),
    (True, True, True, False): (S.CLOSED, S.CLOSED, S.CLOSED),
    (True, True, True, True): (S.CLOSED, S.CLOSED, S.CLOSED),
    # every task at 100%: 待验收, even past the deadline (the office's turn)
    (False, False, False, True): (S.AWAITING, S.AWAITING, S.AWAITING),
    (False, False, True, True): (S.AWAITING, S.AWAITING, S.AWAITING),
    (False, True, False, True): (S.AWAITING, S.AWAITING, S.AWAITING),
    (False, True, True, True): (S.AWAITING, S.AWAITING, S.AWAITING),
    # not done: 逾期 once the deadline has passed (the deadline day itself is still in time)
    (False, False, False, False): (S.OVERDUE, S.NOT_STARTED, S.NOT_STARTED),
    (False, False, True, False): (S.OVERDUE, S.IN_PROGRESS, S.IN_PROGRESS),
    (False, True, False, False): (S.OVERDUE, S.RELAPSED, S.RELAPSED),
    (False, True, True, False): (S.OVERDUE, S.RELAPSED, S.RELAPSED),
}
COMBINATIONS = [
    (facts, when) for facts in itertools.product([False, True], repeat=4) for when in (BEFORE, EQUAL, AFTER)
]


def facts(combo: tuple[bool, bool, bool, bool], when: str) -> Facts:
    closed, relapsed, reported, complete = combo
    return Facts(DEADLINES[when], closed=closed, relapsed=relapsed, reported=reported, complete=complete)


def expected(combo: tuple[bool, bool, bool, bool], when: str) -> S:
    return TABLE[combo][(BEFORE, EQUAL, AFTER).index(when)]


def test_the_table_covers_every_combination():
    assert len(TABLE) == 16 and len(COMBINATIONS) == 48


@pytest.mark.parametrize(("combo", "when"), COMBINATIONS)
def test_derive_follows_the_precedence(combo, when):
    assert status.derive(facts(combo, when), TODAY) == expected(combo, when)


def test_every_status_has_a_colour_and_the_fixed_ones_are_as_designed():
    assert set(status.COLOURS) == set(S)
    assert status.COLOURS[S.OVERDUE] == "red"
    assert status.COLOURS[S.IN_PROGRESS] == "blue"
    assert status.COLOURS[S.CLOSED] == "green"
    assert status.COLOURS[S.NOT_STARTED] == "grey"
    assert status.NEAR_COLOUR == "yellow"
    assert [s.label for s in S] == ["未启动", "整改中", "待验收", "已销号", "逾期", "反弹"]


# --- the same rule on the database -------------------------------------------------------------


def set_facts(problem: Problem, combo: tuple[bool, bool, bool, bool], deadline: dt.date) -> None:
    """The one place tests write fact columns directly."""
    closed, relapsed, reported, complete = combo
    Problem.objects.filter(pk=problem.pk).update(
        closed_on=TODAY - dt.timedelta(days=3) if closed else None,
        relapsed=relapsed,
        reported=reported,
        complete=complete,
        deadline=deadline,
    )


@pytest.fixture
def problems(city):
    """One problem per combination of facts and deadline (48 rows), keyed by combination."""
    base = make_problem(city)
    rows = {}
    for i, (combo, when) in enumerate(COMBINATIONS):
        base.pk, base.id, base.number = None, None, f"T{i:04d}"
        base._state.adding = True
        base.save()
        set_facts(base, combo, DEADLINES[when])
        rows[(combo, when)] = base.pk
    return rows


@pytest.mark.django_db
def test_the_sql_expression_derives_the_same_status_for_every_combination(problems):
    derived = dict(
        Problem.objects.with_status(TODAY)
        .filter(pk__in=problems.values())
        .values_list("pk", "derived_status")
    )
    for key, pk in problems.items():
        row = Problem.objects.get(pk=pk)
        assert (
            derived[pk]
            == expected(*key)
            == status.derive(status.facts_of(row), TODAY)
            == row.status_on(TODAY)
        ), key
    # lists filter and count by it
    for value in S:
        wanted = {pk for key, pk in problems.items() if expected(*key) == value}
        got = set(
            status.annotate_status(Problem.objects.filter(pk__in=problems.values()), TODAY)
            .filter(derived_status=value)
            .values_list("pk", flat=True)
        )
        assert got == wanted, value


# --- 临期 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("window", [7, 3, 0])
@pytest.mark.django_db
def test_near_and_its_filter_agree_with_the_boundary_at_the_window(city, settings, window):
    settings.RECTIFICATION_NEAR_DUE_DAYS = window
    base = make_problem(city)
    offsets = sorted({-1, 0, 1, window - 1, window, window + 1, window + 30})
    rows = {}
    n = 0
    for combo in itertools.product([False, True], repeat=4):
        for offset in offsets:
            base.pk, base.id, base.number = None, None, f"N{n:04d}"
            n += 1
            base._state.adding = True
            base.save()
            set_facts(base, combo, TODAY + dt.timedelta(days=offset))
            rows[base.pk] = (combo, offset)
    qs = Problem.objects.with_status(TODAY).filter(pk__in=rows)
    near = set(qs.filter(status.near_condition(TODAY)).values_list("pk", flat=True))
    for pk, derived in qs.values_list("pk", "derived_status"):
        combo, offset = rows[pk]
        deadline = TODAY + dt.timedelta(days=offset)
        flag = status.is_near(derived, deadline, TODAY)
        assert flag == (pk in near), (combo, offset)
        # by hand: still being rectified (未启动, 整改中, 反弹 — not 逾期, 待验收, 已销号) and due
        # from today to today + window, both ends included
        open_ = derived in (S.NOT_STARTED, S.IN_PROGRESS, S.RELAPSED)
        assert flag == (open_ and 0 <= offset <= window), (combo, offset)
    # at the boundary: exactly `window` days ahead is near, one more is not
    assert status.is_near(S.IN_PROGRESS, TODAY + dt.timedelta(days=window), TODAY)
    assert not status.is_near(S.IN_PROGRESS, TODAY + dt.timedelta(days=window + 1), TODAY)
    assert not status.is_near(S.OVERDUE, TODAY - dt.timedelta(days=1), TODAY)
    assert not status.is_near(S.AWAITING, TODAY, TODAY)
    assert not status.is_near(S.CLOSED, TODAY, TODAY)
    assert status.near_until(TODAY) == TODAY + dt.timedelta(days=window)


def test_a_problem_is_not_near_the_day_after_its_deadline_it_is_overdue():
    late = Facts(TODAY - dt.timedelta(days=1), closed=False, relapsed=False, reported=True, complete=False)
    assert status.derive(late, TODAY) == S.OVERDUE
    assert not status.is_near(status.derive(late, TODAY), late.deadline, TODAY)
