"""A problem's status (整改状态) is derived, never typed: from its dates, its progress reports and
the office's decisions. One rule, in two forms that tests hold equal over every combination:

    derive(facts, today)          for one problem in Python
    annotate_status(qs, today)    the same rule as a SQL CASE, so lists filter and count by it

Precedence, first that applies:
    已销号  closed off by the office (and not reopened since)
    待验收  every task of the current round reported 100% — the unit is done, the office checks
    逾期    past the deadline (整改时限) and not done
    反弹    reopened after a close-off (反弹回潮 / 回头看) and being rectified again
    整改中  at least one progress report in the current round
    未启动  nothing reported yet
"临期" (near due) is a flag beside the status, not a status: a problem still open whose deadline
falls within settings.RECTIFICATION_NEAR_DUE_DAYS calendar days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, QuerySet, Value, When

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from zhengdun.rectification.models import Problem


class StatusAnnotation(TypedDict):
    """What annotate_status() adds to each row."""

    derived_status: str


class ProblemStatus(models.TextChoices):
    NOT_STARTED = "not_started", "未启动"
    IN_PROGRESS = "in_progress", "整改中"
    AWAITING = "awaiting", "待验收"
    CLOSED = "closed", "已销号"
    OVERDUE = "overdue", "逾期"
    RELAPSED = "relapsed", "反弹"


# the colour each status wears everywhere (DESIGN.md: colours carry meaning, the word is always there)
COLOURS = {
    ProblemStatus.NOT_STARTED: "grey",
    ProblemStatus.IN_PROGRESS: "blue",
    ProblemStatus.AWAITING: "teal",
    ProblemStatus.CLOSED: "green",
    ProblemStatus.OVERDUE: "red",
    ProblemStatus.RELAPSED: "orange",
}
NEAR_COLOUR = "yellow"
OPEN_STATUSES = (
    ProblemStatus.NOT_STARTED,
    ProblemStatus.IN_PROGRESS,
    ProblemStatus.RELAPSED,
    ProblemStatus.OVERDUE,
)


@dataclass(frozen=True)
class Facts:
    deadline: dt.date
    closed: bool  # a close-off stands (closed_on set)
    relapsed: bool  # reopened after a close-off, not closed again
    reported: bool  # any progress report in the current round
    complete: bool  # the current round has tasks and every one is at 100%


def derive(facts: Facts, today: dt.date) -> ProblemStatus:
    """The status of a problem with these facts on this day."""
    if facts.closed:
        return ProblemStatus.CLOSED
    if facts.complete:
        return ProblemStatus.AWAITING
    if facts.deadline < today:
        return ProblemStatus.OVERDUE
    if facts.relapsed:
        return ProblemStatus.RELAPSED
    if facts.reported:
        return ProblemStatus.IN_PROGRESS
    return ProblemStatus.NOT_STARTED


def near_until(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=settings.RECTIFICATION_NEAR_DUE_DAYS)


def is_near(status: str, deadline: dt.date, today: dt.date) -> bool:
    """临期: still being rectified and due within the warning window (today included)."""
    return status in (ProblemStatus.NOT_STARTED, ProblemStatus.IN_PROGRESS, ProblemStatus.RELAPSED) and (
        deadline <= near_until(today)
    )


def facts_of(problem: Problem) -> Facts:
    """The facts stored on a Problem row (kept current by rectification.actions)."""
    return Facts(
        deadline=problem.deadline,
        closed=problem.closed_on is not None,
        relapsed=problem.relapsed,
        reported=problem.reported,
        complete=problem.complete,
    )


def status_expression(today: dt.date) -> Case:
    """derive() as a SQL expression over the Problem columns of Facts."""
    return Case(
        When(closed_on__isnull=False, then=Value(ProblemStatus.CLOSED.value)),
        When(complete=True, then=Value(ProblemStatus.AWAITING.value)),
        When(deadline__lt=today, then=Value(ProblemStatus.OVERDUE.value)),
        When(relapsed=True, then=Value(ProblemStatus.RELAPSED.value)),
        When(reported=True, then=Value(ProblemStatus.IN_PROGRESS.value)),
        default=Value(ProblemStatus.NOT_STARTED.value),
        output_field=models.CharField(),
    )


def annotate_status(
    queryset: QuerySet[Problem], today: dt.date
) -> QuerySet[WithAnnotations[Problem, StatusAnnotation]]:
    """The queryset with `derived_status`, the status derive() would give each row on today."""
    return queryset.annotate(derived_status=status_expression(today))


def near_condition(today: dt.date) -> Q:
    """is_near() as a filter on a queryset annotated by annotate_status()."""
    return Q(
        derived_status__in=[
            ProblemStatus.NOT_STARTED.value,
            ProblemStatus.IN_PROGRESS.value,
            ProblemStatus.RELAPSED.value,
        ],
        deadline__lte=near_until(today),
    )
