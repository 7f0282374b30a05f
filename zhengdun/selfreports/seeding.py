"""Demo self-reports for the seeded city: the campaign 2021年全市政法队伍教育整顿 (active, three
stages, a window that closed ten days ago) and about sixty officers' reports made through
selfreports.actions — filed by the officers' unit discipline staff, some declaring nothing, some
late, some corrected into a second version, items in every category (GJ2 with its three
subtypes), many reviewed with an outcome and a few converted into clues. The demo login
`officer` has a submitted report of their own.

Dates are relative to the day of seeding, like the clue demo. Reports are submitted in two
rounds so that the 逾期 flag each gets is the real one: first with the window still open (then
the submission times are moved back into the window), then — after the window is set to its
closing day — the late ones. Moving a submission time back is done on the rows directly, as the
clue demo dates its steps back; the audit entries keep the moment the seed ran.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from zhengdun.accounts.models import User
from zhengdun.clues.models import Category
from zhengdun.clues.seeding import build_cast, ensure_reference_data
from zhengdun.org.models import Person, Unit
from zhengdun.selfreports import actions
from zhengdun.selfreports.models import Campaign, Outcome, SelfReport, SelfReportItem, Stage
from zhengdun.selfreports.seed_data import CHECK_NOTES, ITEMS, OUTCOMES

CAMPAIGN_NAME = "2021年全市政法队伍教育整顿"
REPORTS = 60


@dataclass
class Plan:
    person: Person
    filer: User  # who files: the officer's unit discipline staff (the demo officer files their own)
    items: list[int]  # indices into ITEMS; empty = 本人无需要报告的事项
    late: bool = False
    corrected: bool = False


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _item_values(index: int, categories: dict[str, Category], amount_factor: int = 1) -> dict[str, Any]:
    code, subtype, description, amount, related = ITEMS[index]
    return {
        "category": categories[code].pk,
        "gj2_subtype": subtype,
        "description": description,
        "period_from": "2018-01-01" if amount else "",
        "period_to": "2020-12-31" if amount else "",
        "amount": str(int(amount) * amount_factor) if amount else "",
        "related_persons": [{"name": n, "relation": r, "detail": d} for n, r, d in related],
    }


def _plans(rng: random.Random, cast: Any, officer: User | None) -> list[Plan]:
    own = set(User.objects.filter(person__isnull=False).values_list("person_id", flat=True))
    pools: list[tuple[User, list[Person]]] = []
    for county_id in sorted(cast.handlers):
        people = [
            p
            for p in Person.objects.filter(
                unit__in=cast.handler_units[county_id], status=Person.Status.ACTIVE
            ).order_by("id")[:300]
            if p.pk not in own
        ]
        if people:
            pools.append((cast.handlers[county_id], rng.sample(people, len(people))))
    plans: list[Plan] = []
    if officer is not None and officer.person_id:
        plans.append(Plan(Person.objects.get(pk=officer.person_id), officer, [3]))
    every = list(range(len(ITEMS)))  # every kind of item at least once
    i = 0
    while len(plans) < REPORTS and any(people for _, people in pools):
        filer, people = pools[i % len(pools)]
        i += 1
        if not people:
            continue
        person = people.pop()
        n = len(plans)
        if every:
            items = [every.pop(0)]
        elif rng.random() < 0.25:
            items = []
        else:
            items = rng.sample(range(len(ITEMS)), rng.choice([1, 1, 2, 3]))
        plans.append(Plan(person, filer, items, late=n % 9 == 4, corrected=n % 10 == 7 and bool(items)))
    return plans


def _file(plan: Plan, campaign: Campaign, categories: dict[str, Category], rng: random.Random) -> SelfReport:
    own = plan.filer.person_id == plan.person.pk
    report = actions.start_draft(plan.filer, campaign=campaign, person=None if own else plan.person)
    actions.save_draft(
        plan.filer,
        report,
        items=[_item_values(i, categories) for i in plan.items],
        declares_nothing=not plan.items,
    )
    return actions.submit(plan.filer, report)


def _correct(
    plan: Plan, report: SelfReport, categories: dict[str, Category], rng: random.Random
) -> SelfReport:
    draft = actions.start_correction(plan.filer, report)
    extra = rng.choice([i for i in range(len(ITEMS)) if i not in plan.items])
    values = [_item_values(i, categories) for i in plan.items]
    # the key of each kept matter travels with it, so the page shows what changed
    keys = list(draft.items.order_by("seq").values_list("key", flat=True))
    for value, key in zip(values, keys, strict=False):
        value["key"] = key
    if values and values[0]["amount"]:
        corrected = int(values[0]["amount"]) * 2  # the amount put right
        values[0]["amount"] = str(corrected)
        values[0]["description"] += f"（更正：经核对账目，涉及金额应为{corrected}元）"
        reason = "更正涉及金额并补报遗漏事项"
    else:
        reason = "补报遗漏事项"
    actions.save_draft(
        plan.filer, draft, items=[*values, _item_values(extra, categories)], correction_reason=reason
    )
    return actions.submit(plan.filer, draft)


def _backdate(report: SelfReport, at: dt.datetime) -> None:
    SelfReport.objects.filter(pk=report.pk).update(submitted_at=at, created_at=at - dt.timedelta(minutes=40))


def seed_demo_selfreports(rng: random.Random, today: dt.date | None = None) -> int:
    """Create the demo campaign and self-reports; returns how many officers reported.
    Deterministic for a given rng state and roster."""
    today = today or timezone.localdate()
    ensure_reference_data()
    cast = build_cast()
    office = cast.office
    root = Unit.objects.get(parent__isnull=True)
    codes = {code for code, *_ in ITEMS}
    categories = {c.code: c for c in Category.objects.filter(code__in=codes)}
    officer = User.objects.filter(username="officer").first()
    opens = _aware(today - dt.timedelta(days=40), 8)
    closes = _aware(today - dt.timedelta(days=10), 18)
    with transaction.atomic():
        # the window is open while the on-time reports are filed, then set to its closing day
        campaign = actions.create_campaign(
            office,
            name=CAMPAIGN_NAME,
            unit=root,
            report_opens_at=opens,
            report_closes_at=timezone.now() + dt.timedelta(hours=1),
        )
        actions.set_stages(
            office,
            campaign,
            stages=[
                {
                    "stage": Stage.STUDY,
                    "starts_on": today - dt.timedelta(days=70),
                    "ends_on": today - dt.timedelta(days=41),
                },
                {
                    "stage": Stage.RECTIFY,
                    "starts_on": today - dt.timedelta(days=40),
                    "ends_on": today + dt.timedelta(days=20),
                },
                {
                    "stage": Stage.SUMMARY,
                    "starts_on": today + dt.timedelta(days=21),
                    "ends_on": today + dt.timedelta(days=40),
                },
            ],
        )
        actions.activate_campaign(office, campaign)
        plans = _plans(rng, cast, officer)
        span = (closes - opens).total_seconds()
        filed: list[tuple[Plan, SelfReport]] = []
        for plan in [p for p in plans if not p.late]:
            report = _file(plan, campaign, categories, rng)
            at = opens + dt.timedelta(seconds=span * rng.uniform(0.05, 0.75))
            _backdate(report, at)
            if plan.corrected:
                report.refresh_from_db()
                report = _correct(plan, report, categories, rng)
                _backdate(report, at + dt.timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 5)))
            filed.append((plan, report))
        campaign.refresh_from_db()
        actions.update_campaign(
            office, campaign, name=campaign.name, unit=root, report_opens_at=opens, report_closes_at=closes
        )
        late_span = (timezone.now() - closes).total_seconds()
        for plan in [p for p in plans if p.late]:
            report = _file(plan, campaign, categories, rng)
            _backdate(report, closes + dt.timedelta(seconds=late_span * rng.uniform(0.1, 0.9)))
            filed.append((plan, report))
        _review_and_convert(rng, cast, filed)
    return len(plans)


def _review_and_convert(rng: random.Random, cast: Any, filed: list[tuple[Plan, SelfReport]]) -> None:
    """About two thirds of the reports with items reviewed by their unit's staff; four items
    that need verification converted into clues by the office."""
    convertible: list[SelfReportItem] = []
    for plan, report in filed:
        if not plan.items or plan.filer.person_id == plan.person.pk:
            continue
        items = list(SelfReportItem.objects.filter(report=report).select_related("category").order_by("seq"))
        if rng.random() < 0.68:
            for item in items:
                if item.category.code in ("GJ2", "GJ3") and len(convertible) < 4 and rng.random() < 0.5:
                    convertible.append(item)
                    actions.review_item(
                        plan.filer,
                        item,
                        check_note="所报事项涉及经营、借贷往来，需进一步核查，建议转为问题线索。",
                        outcome=Outcome.REFERRED,
                    )
                    continue
                actions.review_item(
                    plan.filer, item, check_note=rng.choice(CHECK_NOTES), outcome=rng.choice(OUTCOMES)
                )
    for item in convertible:
        actions.convert_item_to_clue(cast.office, item)


# --- 自查从宽、被查从严 on the demo clues ------------------------------------------------------


def seed_demo_leniency(rng: random.Random) -> int:
    """Give a few substantiated demo clues a self-report history, so the 从宽从严 panel and the
    statistics show every kind of basis, and have the demo leader decide some of them.
    Returns how many subjects were given a history."""
    from decimal import Decimal

    from zhengdun.clues.models import SUBSTANTIATED, ClueSubject
    from zhengdun.selfreports.actions import leniency as assessments
    from zhengdun.selfreports.leniency import Basis

    campaign = Campaign.objects.filter(is_active=True).first()
    office = User.objects.filter(username="office").first()
    leader = User.objects.filter(username="leader").first()
    if campaign is None or office is None:
        return 0
    reported = set(SelfReport.objects.filter(campaign=campaign).values_list("person_id", flat=True))
    opens, closes = campaign.report_opens_at, campaign.report_closes_at
    candidates: list[tuple[ClueSubject, dt.datetime]] = []
    for subject in (
        ClueSubject.objects.filter(result__in=SUBSTANTIATED, person__isnull=False)
        .exclude(person_id__in=reported)
        .select_related("clue", "person")
        .order_by("clue_id", "id")
    ):
        aware = subject.clue.org_aware_at
        if aware and opens + dt.timedelta(days=3) < aware < timezone.now() - dt.timedelta(days=2):
            candidates.append((subject, aware))
    # (how the matter was reported, the time of the report relative to awareness)
    scenarios = [("full", -2), ("full", -1), ("full", +1), ("trivia", -2)]
    made: list[tuple[ClueSubject, str]] = []
    with transaction.atomic():
        for (subject, aware), (kind, days) in zip(candidates, scenarios, strict=False):
            category = subject.clue.categories.order_by("code").first()
            if category is None:
                continue
            verified = Decimal(rng.choice([80000, 150000, 260000]))
            ClueSubject.objects.filter(pk=subject.pk).update(verified_amount=verified)
            amount = verified if kind == "full" else verified / 20
            item: dict[str, Any] = {
                "category": category.pk,
                "description": "本人主动报告：" + subject.clue.summary[:80]
                if kind == "full"
                else "本人报告：亲属曾短期参与小额经营，现已退出",
                "amount": str(amount),
            }
            if category.code == "GJ2":
                item["gj2_subtype"] = "spouse_children"
            report = actions.start_draft(office, campaign=campaign, person=subject.person)
            actions.save_draft(office, report, items=[item])
            report = actions.submit(office, report)
            at = aware + dt.timedelta(days=days, hours=rng.randint(1, 6))
            at = min(max(at, opens + dt.timedelta(hours=1)), timezone.now())
            SelfReport.objects.filter(pk=report.pk).update(
                submitted_at=at, created_at=at - dt.timedelta(minutes=30), late=at > closes
            )
            made.append((subject, kind))
        if leader is not None:
            for subject, kind in made[:3]:
                subject.refresh_from_db()
                finding = assessments.recommend(subject)
                if finding is None or not assessments.may_decide(leader, subject.clue):
                    continue
                if kind == "trivia":
                    assessments.decide_basis(
                        leader,
                        subject,
                        basis=Basis.TRUTHFUL.value,
                        reason="核查中如实说明了全部金额，酌情认定",
                    )
                else:
                    assessments.decide_basis(leader, subject, basis=finding.basis.value)
    return len(made)
