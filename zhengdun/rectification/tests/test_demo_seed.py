"""The demo rectification: after the demo city is seeded a newcomer finds problems in every status
(derived on the seed's day, by the Python rule and its SQL form alike), the 临期 flag, a plan that
does not fit, a deadline change with what moved, a second round after a relapse, close-offs with
evidence, institutions linked to problems — all made through the actions by the demo accounts,
across counties and kinds of unit; the full `zhengdun seed` adds problems made from demo clues'
findings and from a self-report item; and seeding again writes nothing."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.audit.chain import verify_chain
from zhengdun.audit.models import Entry
from zhengdun.core import seeding
from zhengdun.org.models import Unit
from zhengdun.rectification.models import (
    CloseOff,
    Evidence,
    Institution,
    Milestone,
    PlanChange,
    Problem,
    ProgressReport,
    Reopening,
    Task,
)
from zhengdun.rectification.seeding import SPECS, seed_demo_rectification, tiny_pdf
from zhengdun.rectification.status import ProblemStatus, is_near
from zhengdun.rectification.tests.helpers import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    """The demo city (400 officers) and the rectification demo on it, without clues or self-reports."""
    settings.DATA_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seeding.seed_city(seeding.plan_city(seed=7, officers=400), data_dir=tmp_path)
    today = timezone.localdate()
    return seed_demo_rectification(random.Random(5), today=today), today


def by_title(title: str) -> Problem:
    return Problem.objects.get(title=title)


def spec(key: str):  # noqa: ANN201 - a Spec
    return next(s for s in SPECS if s.key == key)


# Seeding the demo takes seconds: each test below looks at one side of the same seeded demo.

EXPECTED = {
    "gj1_court": ProblemStatus.IN_PROGRESS,
    "gj2_police": ProblemStatus.OVERDUE,
    "gj5_procuratorate": ProblemStatus.OVERDUE,
    "gj2_court": ProblemStatus.AWAITING,
    "gj3_police": ProblemStatus.CLOSED,
    "gj3_justice": ProblemStatus.RELAPSED,
    "gj6_court": ProblemStatus.CLOSED,
    "gj4_procuratorate": ProblemStatus.NOT_STARTED,
    "gj5_police_b": ProblemStatus.NOT_STARTED,
}


def test_every_status_is_there_on_the_seeds_day(demo):
    made, today = demo
    problems = list(Problem.objects.all())
    assert made.problems == len(problems) == len(SPECS)
    statuses = {p.pk: p.status_on(today) for p in problems}
    assert set(statuses.values()) == set(ProblemStatus)
    # the list pages filter by the SQL form of the rule: it agrees on every demo problem
    derived = dict(Problem.objects.with_status(today).values_list("pk", "derived_status"))
    assert derived == {pk: status.value for pk, status in statuses.items()}
    for key, status in EXPECTED.items():
        assert by_title(spec(key).title).status_on(today) == status, key
    near = by_title(spec("gj1_procuratorate").title)
    assert is_near(near.status_on(today), near.deadline, today)
    in_progress = [p for p in problems if statuses[p.pk] == ProblemStatus.IN_PROGRESS]
    assert len({p.progress for p in in_progress}) >= 4 and all(0 < p.progress < 100 for p in in_progress)


def test_plans_close_offs_and_reopenings_tell_their_story(demo):
    _, today = demo
    # one plan does not fit (工期不足), on purpose; the others do
    misfit = by_title(spec("gj4_procuratorate").title)
    assert not misfit.plan_fits and misfit.plan_shortfall > 0
    assert misfit.milestones.order_by("position").first().start < misfit.created_at.date()
    assert set(Problem.objects.filter(plan_fits=False)) == {misfit}

    # a deadline change lists what moved
    moved = by_title(spec("gj4_prison").title)
    change = PlanChange.objects.get(problem=moved, reason__startswith="整改时限调整")
    assert change.moves and all(m["end_shift"] > 0 for m in change.moves)
    assert change.changed_at.date() < today
    assert Entry.objects.filter(action="rectification.problem_changed", object_id=str(moved.pk)).exists()

    # a relapse: a second round, the first kept
    relapsed = by_title(spec("gj3_justice").title)
    assert relapsed.round == 2 and relapsed.relapsed
    reopening = Reopening.objects.get(problem=relapsed)
    assert (
        reopening.kind == "relapse" and reopening.old_deadline < reopening.new_deadline == relapsed.deadline
    )
    assert set(relapsed.tasks.values_list("round", flat=True)) == {1, 2}
    assert CloseOff.objects.filter(problem=relapsed, round=1).exists()
    assert ProgressReport.objects.filter(task__problem=relapsed, task__round=2).exists()
    twice = by_title(spec("gj6_court").title)
    assert list(CloseOff.objects.filter(problem=twice).values_list("round", flat=True)) == [1, 2]

    # close-offs: by the office, with evidence, on their day
    office = User.objects.get(username="office")
    close_offs = list(CloseOff.objects.all())
    assert len(close_offs) >= 4
    for row in close_offs:
        assert row.decided_by == office and row.evidence.exists()
        assert row.closed_on < today and row.decided_at.date() == row.closed_on


def test_no_milestone_ahead_of_the_plan_is_drawn_done(demo):
    # the 甘特图 of the demo: a milestone is marked done only once its planned window has begun,
    # so no bar still ahead of today is green 已完成 (issue #11)
    _, today = demo
    done = Milestone.objects.filter(done_on__isnull=False)
    assert done.exists()
    assert not done.filter(done_on__lt=F("start")).exists()
    assert not done.filter(start__gt=today).exists()
    assert Milestone.objects.filter(start__gt=today, done_on__isnull=True).exists()


def test_tasks_reports_and_places_look_real(demo):
    _, today = demo
    for problem in Problem.objects.all():
        tasks = list(problem.tasks.all())
        assert len(tasks) >= 2 and len({t.owner_id for t in tasks}) >= 2
        assert all(t.weight >= 1 for t in tasks)
    reports = ProgressReport.objects.all()
    assert reports.count() >= 40
    assert all("：" in r.narrative and "%" in r.narrative for r in reports)
    assert len({r.reported_at.date() for r in reports}) >= 20  # spread over weeks, not all today
    evidence = Evidence.objects.first()
    with evidence.file.open("rb") as fh:
        data = fh.read()
    assert data.startswith(b"%PDF-1.4") and b"xref" in data and data.rstrip().endswith(b"%%EOF")
    assert evidence.content_type == "application/pdf"

    created = sorted(p.created_at.date() for p in Problem.objects.all())
    assert created[0] <= today - dt.timedelta(days=100) and created[-1] < today

    counties = list(Unit.objects.filter(type=Unit.Type.COUNTY))
    units = [p.responsible_unit for p in Problem.objects.select_related("responsible_unit")]
    assert len({c.pk for c in counties for u in units if u.path.startswith(c.path)}) >= 8
    assert any(not any(u.path.startswith(c.path) for c in counties) for u in units)  # city level too
    assert len({u.type for u in units}) >= 6
    codes = set(Problem.objects.values_list("category__code", flat=True))
    assert {"GJ1", "GJ2", "GJ3", "GJ4", "GJ5", "GJ6"} <= codes
    assert Problem.objects.filter(category__is_national=False).exists()  # the local item


def test_institutions_and_who_sees_what(demo):
    made, today = demo
    assert 8 <= made.institutions == Institution.objects.count() <= 15
    for institution in Institution.objects.all():
        assert institution.problems.exists() and institution.documents.count() == 1
        assert institution.issued_on <= today
    assert len({p for i in Institution.objects.all() for p in i.problems.all()}) >= 12

    def visible(username: str) -> int:
        user = User.objects.get(username=username)
        return permissions.scope(user, "rectification.view", Problem.objects.all()).count()

    total = Problem.objects.count()
    assert visible("office") == total and visible("inspector") == total and visible("leader") == total
    assert 0 < visible("unit_handler") < visible("county_leader") < total
    assert visible("officer") == 0 and visible("auditor") == 0


def test_it_went_through_the_actions_and_a_second_run_writes_nothing(demo):
    made, today = demo
    entries = Entry.objects
    assert entries.filter(action="rectification.problem_registered").count() == Problem.objects.count()
    # a reopening makes its round's first task itself
    added = Task.objects.count() - Reopening.objects.count()
    assert entries.filter(action="rectification.task_added").count() == added
    assert entries.filter(action="rectification.progress_reported").count() == ProgressReport.objects.count()
    assert entries.filter(action="rectification.closed_off").count() == CloseOff.objects.count()
    assert (
        entries.filter(action="rectification.institution_registered").count() == Institution.objects.count()
    )
    assert list(verify_chain()) == []

    before = row_counts()
    assert seed_demo_rectification(random.Random(5), today=today) == made
    assert row_counts() == before


def test_tiny_pdf_is_a_well_formed_document():
    data = tiny_pdf("Zhengdun (demo) \\ test")
    offset = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert data[offset:].startswith(b"xref\n0 6\n")
    for line in data[offset:].split(b"\n")[3:8]:
        position = int(line[:10])
        assert data[position:].split(b" ", 1)[0].isdigit() and b" 0 obj" in data[position : position + 12]


# --- the whole `zhengdun seed` ---------------------------------------------------------------------------


@pytest.fixture
def full_demo(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.DEMO_RECORDS = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()
    call_command("seed", officers=400, stdout=out)
    return out.getvalue()


def test_the_full_seed_makes_problems_from_clue_findings_and_a_self_report(full_demo):
    from zhengdun.clues.models import SUBSTANTIATED

    assert "个整改问题" in full_demo and "项制度成果" in full_demo
    from_clues = list(Problem.objects.filter(source_clue__isnull=False).select_related("source_clue"))
    assert len(from_clues) == 2
    for problem in from_clues:
        assert problem.source == "clue" and problem in problem.source_clue.rectification_problems.all()
        assert problem.source_clue.subjects.filter(result__in=SUBSTANTIATED).exists()
    from_item = Problem.objects.get(source_selfreport_item__isnull=False)
    assert from_item.source == "self_check"
    assert from_item.source_selfreport_item.report.submitted_at is not None
    assert list(verify_chain()) == []

    # seeding again is refused before anything is written
    before = row_counts()
    with pytest.raises(CommandError):
        call_command("seed", officers=400, stdout=io.StringIO())
    assert row_counts() == before
