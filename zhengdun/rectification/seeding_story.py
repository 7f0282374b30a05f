"""The mechanics of the rectification demo (rectification.seeding): the demo city's places and
who acts on each (Town), and one problem walked through its rounds — registered, planned, tasked,
reported, closed off, reopened — through rectification.actions, each row's timestamps then dated
back to the step's day (Story); and the small valid PDF the evidence files are made of."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues.models import Category
from zhengdun.clues.seeding import Cast, build_cast
from zhengdun.org.models import Person, Unit
from zhengdun.rectification import actions, schedule
from zhengdun.rectification.models import (
    CloseOff,
    Evidence,
    PlanChange,
    Problem,
    ProgressReport,
    Reopening,
    Task,
)
from zhengdun.rectification.seed_data import CLOSE_OFF_NOTE, EVIDENCE_NAMES, NARRATIVES, Spec, TaskPlan


def tiny_pdf(text: str) -> bytes:
    """A small, valid one-page PDF (catalog, page tree, page, font, content stream and a
    correct cross-reference table) saying `text` (ASCII)."""
    safe = text.encode("ascii", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 14 Tf 72 760 Td (" + safe + b") Tj ET"
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)


def pdf(name: str, text: str) -> SimpleUploadedFile:
    """An uploaded PDF file named `name` saying `text` (see tiny_pdf)."""
    return SimpleUploadedFile(name, tiny_pdf(text), content_type="application/pdf")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """The aware moment of `day` at hour:minute, a dated-back step's timestamp."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


# --- the places and the people -------------------------------------------------------------------


@dataclass
class Town:
    """The demo city's units as the story names them, who acts on each, and its roster."""

    cast: Cast
    root: Unit
    counties: list[Unit]
    units: list[Unit]
    own: set[int]  # roster records of the demo accounts: never made responsible for a problem
    rng: random.Random
    _people: dict[tuple[int, int], list[Person]] = field(default_factory=dict)

    def place(self, where: str, kind: str) -> Unit:
        if where == "city":
            county_paths = [c.path for c in self.counties]
            area = [u for u in self.units if not any(u.path.startswith(p) for p in county_paths)]
        else:
            county = self.counties[min(int(where[1:]), len(self.counties)) - 1]
            area = [u for u in self.units if u.path.startswith(county.path)]
        found = [u for u in area if u.type == kind]
        if not found:  # a smaller city: any employing unit of that area
            found = [u for u in area if u.type not in Unit.AREA_TYPES]
        return found[0]

    def county_of(self, unit: Unit) -> Unit | None:
        return next((c for c in self.counties if unit.path.startswith(c.path)), None)

    def county_name(self, unit: Unit) -> str:
        county = self.county_of(unit)
        return county.name[:2] if county else self.root.name[:1]

    def actor(self, unit: Unit) -> User:
        """Who registers and reports for a unit: the county's discipline staff where their grant
        covers it and they can name enough of its people, else the city office."""
        county = self.county_of(unit)
        if county is not None:
            handler = self.cast.handlers.get(county.pk)
            if (
                handler is not None
                and permissions.has_permission(handler, "rectification.register", unit)
                and len(self.people(handler, unit)) >= 3
            ):
                return handler
        return self.cast.office

    def reopener(self, unit: Unit) -> User:
        county = self.county_of(unit)
        if county is not None and county.pk in self.cast.county_leaders:
            return self.cast.county_leaders[county.pk]
        return self.cast.leader

    def people(
        self, actor: User, unit: Unit, exclude: frozenset[int] | set[int] = frozenset()
    ) -> list[Person]:
        """Serving officers of the unit the actor may name (its head first); a small unit is topped
        up from the units under it, then from its parent's (a small demo city has units of three)."""
        key = (actor.pk, unit.pk)
        if key not in self._people:
            roster = Person.objects.filter(status=Person.Status.ACTIVE).exclude(pk__in=self.own)
            serving = permissions.scope(actor, "org.view_person", roster).order_by("id")
            rows = list(serving.filter(unit=unit)[:12])
            if len(rows) < 4:
                rows += list(serving.filter(unit__path__startswith=unit.path).exclude(unit=unit)[:6])
            if len(rows) < 4 and unit.parent_id:
                parent = next(u for u in self.units if u.pk == unit.parent_id)
                taken = [p.pk for p in rows]
                rows += list(
                    serving.filter(unit__path__startswith=parent.path).exclude(pk__in=taken)[: 6 - len(rows)]
                )
            self._people[key] = rows
        return [p for p in self._people[key] if p.pk not in exclude]


def build_town(rng: random.Random) -> Town:
    """The demo city as the story names it: its demo accounts, counties and active units."""
    cast = build_cast()
    root = Unit.objects.get(parent__isnull=True)
    counties = list(Unit.objects.filter(parent=root, type=Unit.Type.COUNTY).order_by("code"))
    units = list(Unit.objects.filter(is_active=True).order_by("path"))
    own = set(User.objects.filter(person__isnull=False).values_list("person_id", flat=True))
    return Town(cast, root, counties, units, own, rng)


# --- one problem's story ----------------------------------------------------------------------------


def _fitting_start(steps: list[schedule.Step], deadline: dt.date, day: dt.date) -> dt.date:
    """The latest day on or before `day` from which the steps fit before the deadline."""
    while steps and not schedule.back_schedule(steps, deadline, day).fits:
        day -= dt.timedelta(days=7)
    return day


def fitting_deadline(steps: list[schedule.Step], deadline: dt.date, day: dt.date) -> dt.date:
    """The earliest deadline on or after `deadline` by which the steps fit, planned on `day`."""
    while steps and not schedule.back_schedule(steps, deadline, day).fits:
        deadline += dt.timedelta(days=7)
    return deadline


def template_steps(category: Category) -> list[schedule.Step]:
    template = actions.template_for(category)
    return [schedule.Step(s.name, s.workdays) for s in template.steps.all()] if template else []


def _narrative(task: Task, percent: int) -> str:
    text = next(words for upto, words in NARRATIVES if percent <= upto)
    return f"{task.title}：{text}（完成{percent}%）"


def _steps_to(percent: int) -> list[int]:
    """The percentages a task is reported at on its way to `percent`."""
    if percent <= 0:
        return []
    if percent <= 50:
        return [percent]
    return [percent // 2 // 5 * 5, percent]


class Story:
    """Registers one problem and walks it through its rounds, dating each step."""

    def __init__(self, town: Town, today: dt.date, categories: dict[str, Category]) -> None:
        self.town, self.today, self.categories = town, today, categories
        self.rng = town.rng
        self.files = 0
        self.started = timezone.now()  # rows stamped after this were written by this run

    def day(self, ago: int) -> dt.date:
        return self.today - dt.timedelta(days=ago)

    def evidence(self, problem: Problem, what: str) -> SimpleUploadedFile:
        self.files += 1
        name = self.rng.choice(EVIDENCE_NAMES)
        return pdf(name, f"Zhengdun demo {what} {problem.number} #{self.files}")

    def register(
        self,
        actor: User,
        *,
        unit: Unit,
        category: Category,
        source: str,
        title: str,
        description: str,
        measures: str,
        standard: str,
        registered: dt.date,
        deadline: dt.date,
        fits: bool = True,
        source_clue: Any = None,
        source_item: Any = None,
    ) -> tuple[Problem, dt.date]:
        """Register a problem (its head of unit responsible, a colleague the person) and date it
        back; returns it and the day it was registered (earlier than asked when the plan needs it)."""
        if fits:
            registered = _fitting_start(template_steps(category), deadline, registered)
        people = self.town.people(actor, unit, exclude=self._subjects(source_clue))
        leader, person = people[0], people[1] if len(people) > 1 else people[0]
        problem = actions.register_problem(
            actor,
            {
                "title": title,
                "category": category.pk,
                "source": source,
                "description": description,
                "responsible_unit": unit.pk,
                "responsible_leader": leader.pk,
                "responsible_person": person.pk,
                "measures": measures,
                "standard": standard,
                "deadline": deadline.isoformat(),
            },
            source_clue=source_clue,
            source_selfreport_item=source_item,
            today=registered,
        )
        moment = at(registered, 9, self.rng.randint(0, 50))
        Problem.objects.filter(pk=problem.pk).update(created_at=moment)
        PlanChange.objects.filter(problem=problem).update(changed_at=moment)
        return problem, registered

    def _subjects(self, clue: Any) -> set[int]:
        if clue is None:
            return set()
        return set(clue.subjects.exclude(person__isnull=True).values_list("person_id", flat=True))

    def add_tasks(
        self,
        actor: User,
        problem: Problem,
        plans: tuple[TaskPlan, ...],
        on: dt.date,
        skip_first: bool = False,
    ) -> list[tuple[Task, int]]:
        """Add the round's tasks (owners from the unit, deadlines spread up to the problem's)."""
        people = self.town.people(actor, problem.responsible_unit)
        owners = people[1:] if len(people) > 2 else people
        tasks: list[tuple[Task, int]] = []
        if skip_first:  # the reopening made the round's first task
            first = problem.tasks.filter(round=problem.round).order_by("position").first()
            assert first is not None, "a reopening always makes the new round's first task"  # noqa: S101
            tasks.append((first, plans[0][2]))
            plans = plans[1:]
        span = max((problem.deadline - on).days, 1)
        offset = len(tasks)
        for i, (title, weight, percent) in enumerate(plans):
            due = on + dt.timedelta(days=max(1, span * (i + 2) // (len(plans) + 1)))
            task = actions.add_task(
                actor,
                problem,
                title=title,
                owner=owners[(offset + i) % len(owners)].pk,
                deadline=min(due, problem.deadline).isoformat(),
                weight=weight,
                today=on,
            )
            Task.objects.filter(pk=task.pk).update(created_at=at(on, 10, i * 7))
            tasks.append((task, percent))
        return tasks

    def report(
        self, actor: User, problem: Problem, tasks: list[tuple[Task, int]], start: dt.date, end: dt.date
    ) -> None:
        """Report each task up to its percentage, on days spread between start and end."""
        end = max(end, start)
        span = (end - start).days
        for task, percent in tasks:
            # a task reported before (a round moved on) only goes forward from where it stands
            steps = [v for v in _steps_to(percent) if v > task.progress]
            for n, value in enumerate(steps, start=1):
                on = start + dt.timedelta(
                    days=span * n // len(steps) - self.rng.randint(0, min(3, span // 4))
                )
                on = min(max(on, start), end)
                files = (
                    [self.evidence(problem, "evidence")] if value == 100 or self.rng.random() < 0.6 else []
                )
                row = actions.report_progress(
                    actor,
                    task,
                    percent=value,
                    narrative=_narrative(task, value),
                    files=files,
                    version=task.version,
                    today=on,
                )
                moment = at(on, self.rng.randint(9, 17), self.rng.randint(0, 59))
                ProgressReport.objects.filter(pk=row.pk).update(reported_at=moment)
                Evidence.objects.filter(report=row).update(uploaded_at=moment)

    def milestones(self, actor: User, problem: Problem, progress: float, on: dt.date) -> None:
        """Mark done the milestones the progress has passed and whose planned window has begun by
        `on`, on their planned end (or `on`). A milestone still ahead in the plan stays 未开始:
        marked done before it began, it drew a future bar of the 甘特图 as 已完成 (issue #11)."""
        rows = list(problem.milestones.order_by("position"))
        done = int(len(rows) * progress / 100 + 1e-9)
        for milestone in rows[:done]:
            if milestone.done_on is None and milestone.start <= on:
                actions.complete_milestone(actor, milestone, min(milestone.end, on), today=on)

    def close(self, problem: Problem, on: dt.date) -> None:
        office = self.town.cast.office
        problem.refresh_from_db()
        row = actions.close_off(
            office,
            problem,
            check_note=CLOSE_OFF_NOTE.format(standard=problem.standard),
            files=[self.evidence(problem, "close-off")],
            version=problem.version,
            today=on,
        )
        moment = at(on, 15, self.rng.randint(0, 59))
        CloseOff.objects.filter(pk=row.pk).update(decided_at=moment)
        Evidence.objects.filter(close_off=row).update(uploaded_at=moment)

    def run(self, spec: Spec) -> Problem:
        town = self.town
        unit = town.place(*spec.place)
        actor = town.actor(unit)
        category = self.categories[spec.code]
        deadline = self.day(-spec.deadline)
        problem, registered = self.register(
            actor,
            unit=unit,
            category=category,
            source=spec.source,
            title=spec.title,
            description=spec.description,
            measures=spec.measures,
            standard=spec.standard,
            registered=self.day(spec.registered),
            deadline=deadline,
            fits=spec.fits,
        )
        tasks = self.add_tasks(actor, problem, spec.tasks, registered)
        first_end = self.day(spec.closed + 2) if spec.closed is not None else self.day(1)
        if spec.moved:
            moved_on = self.day(spec.moved[0])
            self.report(
                actor, problem, [(t, p // 2) for t, p in tasks], registered + dt.timedelta(days=5), moved_on
            )
            self.move(actor, problem, moved_on, self.day(-spec.moved[1]), spec.moved[2])
            self.report(actor, problem, tasks, moved_on + dt.timedelta(days=2), first_end)
        else:
            self.report(actor, problem, tasks, registered + dt.timedelta(days=5), first_end)
        problem.refresh_from_db()
        self.milestones(actor, problem, float(problem.progress), first_end)
        if spec.closed is None:
            return problem
        self.close(problem, self.day(spec.closed))
        if spec.reopen is None:
            return problem
        kind, ago, new_deadline, reason, first_task = spec.reopen
        reopened = self.day(ago)
        steps = [schedule.Step(m.name, m.workdays) for m in problem.milestones.order_by("position")]
        new_due = fitting_deadline(steps, self.day(-new_deadline), reopened)
        problem.refresh_from_db()
        row = actions.reopen(
            town.reopener(unit),
            problem,
            kind=kind,
            reason=reason,
            new_deadline=new_due.isoformat(),
            task_title=first_task,
            version=problem.version,
            today=reopened,
        )
        Reopening.objects.filter(pk=row.pk).update(reopened_at=at(reopened, 11))
        PlanChange.objects.filter(problem=problem, changed_at__gte=self.started).update(
            changed_at=at(reopened, 11, 5)
        )
        problem.refresh_from_db()
        tasks = self.add_tasks(actor, problem, spec.second, reopened, skip_first=True)
        second_end = self.day(spec.closed_again + 2) if spec.closed_again is not None else self.day(2)
        self.report(actor, problem, tasks, reopened + dt.timedelta(days=3), second_end)
        problem.refresh_from_db()
        self.milestones(actor, problem, float(problem.progress), second_end)
        if spec.closed_again is not None:
            self.close(problem, self.day(spec.closed_again))
        return problem

    def move(self, actor: User, problem: Problem, on: dt.date, deadline: dt.date, reason: str) -> None:
        """Move the deadline (整改时限调整): the plan is recomputed and the change lists what moved."""
        problem.refresh_from_db()
        steps = [schedule.Step(m.name, m.workdays) for m in problem.milestones.order_by("position")]
        deadline = fitting_deadline(steps, deadline, on)
        data = {**actions.wuding_of(problem), "deadline": deadline.isoformat()}
        actions.update_problem(actor, problem, data, version=problem.version, reason=reason, today=on)
        PlanChange.objects.filter(problem=problem, changed_at__gte=self.started).update(changed_at=at(on, 16))
