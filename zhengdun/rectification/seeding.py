"""Demo rectification (顽瘴痼疾专项整治) for the seeded city: about twenty problems of the six
顽瘴痼疾 and one local item, across the counties and the kinds of units of 临江市, in every
status a newcomer should see on the lists and the battle map — 未启动, 整改中 at various
progress, 临期, 待验收, 已销号 (with its close-off evidence), 逾期 and 反弹 (a second round after a
close-off) — one plan that does not fit its deadline (工期不足), one whose deadline moved (the
plan change lists what moved), problems made from two demo clues' findings and from a
self-report item, and a dozen institutions (建章立制) linked to the problems they address.

Everything is made through rectification.actions by the demo accounts holding the right roles
(units' discipline staff register and report, the city office closes off, leaders reopen), with
`today=` set to the day each step happens, so registration weeks ago, overdue deadlines and
close-offs in the past are what the rules derive. The actions stamp their rows with the moment
the seed runs; those timestamps (created, reported, decided, reopened, changed, uploaded) are
then moved back to the step's day on the rows directly, as the clue and self-report demos date
their steps back; the audit entries keep the moment the seed ran.

Dates are relative to the day of seeding. Plans are made to fit where the story wants them to:
a registration day is moved earlier (a new deadline later) until the category's template fits,
so holidays in the window never turn a demo problem into an unintended 工期不足.

This module tells the story in order (the problems of SPECS, those found elsewhere, then the
institutions); the literal texts and tables are in rectification.seed_data, and the mechanics —
the places and who acts on each (Town), one problem's rounds (Story) — in
rectification.seeding_story.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues.configuration import add_local_category
from zhengdun.clues.models import SUBSTANTIATED, Category, ClueSubject
from zhengdun.clues.seeding import ensure_reference_data
from zhengdun.org.models import Person, Unit
from zhengdun.rectification import actions
from zhengdun.rectification.default_templates import ensure_templates
from zhengdun.rectification.models import Institution, InstitutionDocument, Problem, ProblemSource
from zhengdun.rectification.seed_data import (
    CLUE_DESCRIPTION,
    CLUE_MEASURES,
    CLUE_STANDARD,
    CLUE_TASKS,
    FINDING_DEFAULT,
    FINDING_TITLES,
    INSTITUTIONS,
    LOCAL_CODE,
    LOCAL_NAME,
    SELFREPORT_CODES,
    SELFREPORT_DESCRIPTION,
    SELFREPORT_MEASURES,
    SELFREPORT_SHORT,
    SELFREPORT_STANDARD,
    SELFREPORT_TASKS,
    SELFREPORT_TITLE,
    SPECS,
    Spec,
)
from zhengdun.rectification.seeding_story import (
    Story,
    Town,
    at,
    build_town,
    fitting_deadline,
    pdf,
    template_steps,
    tiny_pdf,
)

__all__ = ["SPECS", "Made", "Spec", "Story", "Town", "seed_demo_rectification", "tiny_pdf"]


class Made(NamedTuple):
    """How many problems and institutions the demo has."""

    problems: int
    institutions: int


# --- problems found elsewhere: clue findings, a self-report item ----------------------------------


def _fit_for_any_unit(subject: ClueSubject) -> bool:
    """Whether the subject's finding is of a kind any unit can have (GJ1–GJ3), unlike 减刑假释 or
    离任从业, which belong to particular kinds of unit."""
    categories = list(subject.finding_categories.all()) or list(subject.clue.categories.all())
    return bool(categories) and categories[0].code in ("GJ1", "GJ2", "GJ3")


def _finding_problems(story: Story, made: dict[str, Problem]) -> None:
    """Two problems from demo clues whose subject was substantiated, one from a reviewed
    self-report item — each registered by the city office with the link kept both ways."""
    from zhengdun.clues.models import Clue

    town, today = story.town, story.today
    office = town.cast.office
    visible = permissions.scope(office, "clues.view", Clue.objects.all())
    subjects = (
        ClueSubject.objects.filter(
            result__in=SUBSTANTIATED,
            person__isnull=False,
            person__status=Person.Status.ACTIVE,
            clue__in=visible,
            clue__received_on__lte=today - dt.timedelta(days=30),
        )
        .select_related("clue", "person__unit")
        .prefetch_related("finding_categories", "clue__categories")
        .order_by("clue_id", "id")
    )
    codes_used: set[str] = set()
    picked = []
    for subject in sorted(subjects, key=lambda s: not _fit_for_any_unit(s)):
        categories = list(subject.finding_categories.all()) or list(subject.clue.categories.all())
        if not categories or categories[0].code in codes_used:
            continue
        codes_used.add(categories[0].code)
        picked.append((subject, categories[0]))
        if len(picked) == 2:
            break
    for n, (subject, category) in enumerate(picked):
        assert subject.person is not None  # noqa: S101 - picked only among roster subjects
        clue, unit = subject.clue, subject.person.unit
        registered = story.day(20 - n * 8)
        deadline = fitting_deadline(template_steps(category), story.day(-100 - n * 10), registered)
        problem, registered = story.register(
            office,
            unit=unit,
            category=category,
            source=ProblemSource.CLUE,
            title=FINDING_TITLES.get(category.code, FINDING_DEFAULT).format(unit=unit.name),
            description=CLUE_DESCRIPTION.format(
                number=clue.number, result=subject.get_result_display(), summary=clue.summary
            ),
            measures=CLUE_MEASURES,
            standard=CLUE_STANDARD,
            registered=registered,
            deadline=deadline,
            source_clue=clue,
        )
        tasks = story.add_tasks(office, problem, CLUE_TASKS[n], registered)
        story.report(office, problem, tasks, registered + dt.timedelta(days=3), story.day(1))
        made[f"clue_{n}"] = problem

    from zhengdun.selfreports.models import SelfReport, SelfReportItem

    # items are seen through their report (the report carries the unit)
    reports = permissions.scope(
        office, "selfreports.view", SelfReport.objects.filter(submitted_at__isnull=False)
    )
    item = (
        SelfReportItem.objects.filter(report__in=reports, category__code__in=SELFREPORT_CODES)
        .exclude(review__isnull=True)
        .exclude(review__outcome="")
        .select_related("category", "report__unit")
        .order_by("id")
        .first()
    )
    if item is None:
        return
    unit = item.report.unit
    short = SELFREPORT_SHORT[item.category.code]
    problem, registered = story.register(
        office,
        unit=unit,
        category=item.category,
        source=ProblemSource.SELF_CHECK,
        title=SELFREPORT_TITLE.format(unit=unit.name, short=short),
        description=SELFREPORT_DESCRIPTION.format(description=item.description[:120]),
        measures=SELFREPORT_MEASURES,
        standard=SELFREPORT_STANDARD,
        registered=story.day(8),
        deadline=fitting_deadline(template_steps(item.category), story.day(-110), story.day(8)),
        source_item=item,
    )
    tasks = story.add_tasks(office, problem, SELFREPORT_TASKS, registered)
    story.report(office, problem, tasks, registered + dt.timedelta(days=2), story.day(1))
    made["selfreport"] = problem


# --- 建章立制 ---------------------------------------------------------------------------------------


def _institutions(story: Story, made: dict[str, Problem]) -> int:
    town = story.town
    count = 0
    for title, number, place, ago, scope, keys in INSTITUTIONS:
        unit = town.place(*place)
        actor = town.actor(unit)
        issued = story.day(ago)
        row = actions.register_institution(
            actor,
            {
                "title": title,
                "doc_number": number.format(county=town.county_name(unit), year=issued.year),
                "issuing_unit": unit.pk,
                "issued_on": issued.isoformat(),
                "scope": scope,
            },
            problems=[made[k] for k in keys if k in made],
            files=[pdf(f"{title[:40]}.pdf", f"Zhengdun demo institution {count + 1}: {issued.isoformat()}")],
            today=story.today,
        )
        moment = at(issued + dt.timedelta(days=1), 10, story.rng.randint(0, 59))
        Institution.objects.filter(pk=row.pk).update(created_at=moment)
        InstitutionDocument.objects.filter(institution=row).update(uploaded_at=moment)
        count += 1
    return count


# --- the entry point ------------------------------------------------------------------------------


def _local_category(office: User, root: Unit) -> Category:
    existing = Category.objects.filter(code=LOCAL_CODE).first()
    if existing is not None:
        return existing
    return add_local_category(office, unit=root, code=LOCAL_CODE, name=LOCAL_NAME)


def seed_demo_rectification(rng: random.Random, today: dt.date | None = None) -> Made:
    """Write the demo problems (every status), their tasks, reports, close-offs, reopenings and
    the institutions; returns how many of each. Deterministic for a given rng state and roster.
    A database that already has problems is left alone (a second run writes nothing)."""
    today = today or timezone.localdate()
    if Problem.objects.exists():
        return Made(Problem.objects.count(), Institution.objects.count())
    ensure_reference_data()
    ensure_templates()
    town = build_town(rng)
    with transaction.atomic():
        categories = {c.code: c for c in Category.objects.all()}
        categories[LOCAL_CODE] = _local_category(town.cast.office, town.root)
        story = Story(town, today, categories)
        made: dict[str, Problem] = {}
        for spec in SPECS:
            made[spec.key] = story.run(spec)
        _finding_problems(story, made)
        institutions = _institutions(story, made)
    return Made(len(made), institutions)
