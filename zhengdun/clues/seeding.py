"""Demo clues for the seeded city: a few hundred clues in every state of the lifecycle, made
through clues.actions (so timelines, approvals and audit entries are real), then dated back over
the campaign so deadlines, red/yellow flags and late feedback look like a running office.

Also the bulk generator behind `zhengdun seed --clues N` for benchmarks: it writes rows directly
(bulk_create, the same search rows the actions write) because a million clues through the
actions would take hours; those clues are all plainly "registered/assigned/closed" records.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from zhengdun.accounts.models import RoleAssignment, User
from zhengdun.accounts.roles import Role
from zhengdun.clues import actions
from zhengdun.clues.models import (
    Category,
    Channel,
    Clue,
    DeadlineChange,
    Disposition,
    Event,
    Feedback,
    MeasureKind,
    Result,
    Sensitivity,
    Status,
    SupervisionLevel,
    Transfer,
)
from zhengdun.core import workdays
from zhengdun.org.models import Person, Unit

# (category code, summary template, content template). {name} subject, {unit} their unit.
TEMPLATES: list[tuple[str, str, str]] = [
    (
        "GJ1",
        "反映{unit}{name}违规过问他人案件、为当事人说情打招呼",
        "举报人称，{name}在一起民间借贷纠纷案件审理期间，多次向承办人打听案情并为一方当事人说情，"
        "要求“关照”，未按规定记录报告。",
    ),
    (
        "GJ1",
        "反映{name}与案件当事人、律师不正当接触交往",
        "反映{name}在案件办理期间与当事人代理律师多次一同吃饭、打牌，并接受对方安排的娱乐活动。",
    ),
    (
        "GJ2",
        "反映{unit}{name}违规经商办企业",
        "群众来信反映，{name}以其亲属名义在城关镇经营一家茶楼，本人长期参与经营管理并从中获利。",
    ),
    (
        "GJ2",
        "反映{name}配偶、子女违规从事经营活动",
        "反映{name}之子在其管辖区域内开办驾校、承揽工程，利用{name}职务影响获取业务。",
    ),
    (
        "GJ3",
        "反映{name}违规参股借贷",
        "反映{name}在一家小额贷款公司持有“干股”，并向辖区企业老板借款二十万元长期未还。",
    ),
    (
        "GJ4",
        "反映{unit}办理罪犯减刑假释中存在违规问题",
        "反映{unit}在办理一名职务犯罪罪犯减刑时，立功材料明显不实，{name}未认真审查即提请减刑。",
    ),
    (
        "GJ5",
        "反映{name}有案不立、压案不查",
        "报案人称，其被诈骗一案报案后，{name}以“证据不足”为由长期不予立案，也未出具不予立案通知书。",
    ),
    (
        "GJ5",
        "反映{name}对涉黑线索压案不查",
        "反映{name}对群众多次举报的强迫交易、聚众赌博线索未依法查处，涉嫌充当“保护伞”。",
    ),
    (
        "GJ6",
        "反映原法官{name}离任后违规从事律师职业",
        "反映{name}离任不满两年即以律师身份代理原任职法院案件，并利用原关系充当司法掮客。",
    ),
    (
        "OTHER",
        "反映{name}参与赌博",
        "反映{name}经常在周末到城郊棋牌室参与赌博，输赢数额较大，群众反映强烈。",
    ),
    (
        "OTHER",
        "反映{name}工作日饮酒、作风粗暴",
        "反映{name}工作日中午饮酒后接待来访群众，态度粗暴，推搡群众。",
    ),
]

REPORTER_NAMES = ["刘建国", "陈秀英", "杨志强", "黄丽", "周文", "吴海燕", "徐勇", "孙桂兰", "马超", "朱敏"]

# How many demo clues end in each state (about 250 in all).
PLAN: list[tuple[str, int]] = [
    (Status.REGISTERED, 18),
    (Status.ASSIGNED, 30),
    (Status.DISPOSITION_PENDING, 16),
    (Status.HANDLING, 60),
    (Status.ON_HOLD, 8),
    (Status.CLOSURE_PENDING, 14),
    (Status.CLOSED, 20),
    (Status.FED_BACK, 22),
    (Status.ARCHIVED, 36),
    (Status.TRANSFERRED, 10),
    (Status.MERGED, 5),
]


@dataclass
class Cast:
    """Who does what in the demo: the city office, the city leader, and per county a handler
    and a leader (the printed demo accounts where they exist)."""

    office: User
    leader: User
    office_unit: Unit
    handlers: dict[int, User]  # county unit id → handler (UNIT_HANDLER on a unit there)
    county_leaders: dict[int, User]
    handler_units: dict[int, list[Unit]]  # county unit id → units the handler covers


def _staff(username: str, name: str, unit: Unit, role: str, grant_on: Unit) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username, display_name=name, unit=unit)
        user.set_unusable_password()  # demo colleagues: not for signing in
        user.password_changed_at = timezone.now()
        user.save()
    RoleAssignment.objects.get_or_create(user=user, role=role, unit=grant_on)
    return user


def build_cast() -> Cast:
    office = User.objects.get(username="office")
    leader = User.objects.get(username="leader")
    office_unit = office.unit
    if office_unit is None:
        raise ValueError("the seeded office user has no unit: the accounts seed must run first")
    root = Unit.objects.get(parent__isnull=True)
    counties = list(Unit.objects.filter(parent=root, type=Unit.Type.COUNTY).order_by("code"))
    handlers, county_leaders, handler_units = {}, {}, {}
    demo_handler = User.objects.filter(username="unit_handler").first()
    demo_county_leader = User.objects.filter(username="county_leader").first()
    for i, county in enumerate(counties, start=1):
        employing = [u for u in Unit.objects.subtree_of(county).exclude(type__in=Unit.AREA_TYPES)]
        handled = [u for u in employing if u.type not in (Unit.Type.PLC, Unit.Type.OFFICE)]
        court = next((u for u in handled if u.type == Unit.Type.COURT), handled[0])
        if i == 1 and demo_handler is not None:
            handlers[county.pk] = demo_handler
            handler_units[county.pk] = [court]
        else:
            handlers[county.pk] = _staff(
                f"zdb{i:02d}", f"{county.name}纪检干部", court, Role.UNIT_HANDLER, county
            )
            handler_units[county.pk] = handled
        if i == 1 and demo_county_leader is not None:
            county_leaders[county.pk] = demo_county_leader
        else:
            county_leaders[county.pk] = _staff(
                f"ld{i:02d}", f"{county.name}政法委书记", county, Role.LEADER, county
            )
    return Cast(office, leader, office_unit, handlers, county_leaders, handler_units)


def ensure_reference_data() -> None:
    """The reference lists the data migration loads (idempotent). A database emptied by a
    flush (tests, a restore of only the business tables) gets them back before seeding."""
    import importlib

    from django.apps import apps

    importlib.import_module("zhengdun.clues.migrations.0003_reference_data").load(apps, None)


def seed_demo_clues(rng: random.Random, today: dt.date | None = None) -> int:
    """Create the demo clues; returns how many. Deterministic for a given rng state and roster."""
    today = today or timezone.localdate()
    ensure_reference_data()
    cast = build_cast()
    channels = {c.code: c for c in Channel.objects.all()}
    categories = {c.code: c for c in Category.objects.all()}
    people_by_county: dict[int, list[Person]] = {}
    for county_id, units in cast.handler_units.items():
        people_by_county[county_id] = list(
            Person.objects.filter(unit__in=units, status=Person.Status.ACTIVE).order_by("id")[:400]
        )
    # the demo accounts' own roster records are never made subjects, so each login sees a full demo
    own = set(User.objects.filter(person__isnull=False).values_list("person_id", flat=True))
    created: list[Clue] = []
    ordinal = 0
    for status, count in PLAN:
        for _ in range(count):
            ordinal += 1
            county_id = rng.choice(sorted(cast.handlers))
            pool = [p for p in people_by_county[county_id] if p.pk not in own] or people_by_county[county_id]
            clue = _one_clue(
                rng, cast, county_id, pool, channels, categories, status, ordinal, today, created
            )
            created.append(clue)
    return len(created)


def _channel_for(rng: random.Random, channels: dict[str, Channel]) -> Channel:
    codes = [
        "12337",
        "12337",
        "12337",
        "letter",
        "letter",
        "visit",
        "phone",
        "online",
        "mailbox",
        "undercover",
        "higher",
    ]
    return channels[rng.choice(codes)]


def _one_clue(
    rng: random.Random,
    cast: Cast,
    county_id: int,
    pool: list[Person],
    channels: dict[str, Channel],
    categories: dict[str, Category],
    status: str,
    ordinal: int,
    today: dt.date,
    created: list[Clue],
) -> Clue:
    office, leader = cast.office, cast.leader
    handler = cast.handlers[county_id]
    county_leader = cast.county_leaders[county_id]
    subject = rng.choice(pool)
    code, summary, content = rng.choice(TEMPLATES)
    channel = _channel_for(rng, channels)
    real_name = rng.random() < 0.55
    # received over the last ~100 days; finished clues earlier, fresh ones later
    ages: dict[str, tuple[int, int]] = {
        Status.REGISTERED: (0, 6),
        Status.ASSIGNED: (5, 40),
        Status.MERGED: (1, 30),
    }
    age = ages.get(status, (20, 100))
    received = _last_workday(today - dt.timedelta(days=rng.randint(*age)))
    with transaction.atomic():
        clue = actions.register_clue(
            office,
            owner_unit=cast.office_unit,
            channel=channel,
            received_on=received,
            reporting_mode="real_name" if real_name else "anonymous",
            reporter={"name": rng.choice(REPORTER_NAMES), "phone": f"13{rng.randint(100000000, 999999999)}"}
            if real_name
            else None,
            summary=summary.format(name=subject.name, unit=subject.unit.name),
            content=content.format(name=subject.name, unit=subject.unit.name),
            categories=[categories[code]],
            external_ref=f"12337-2021-{ordinal:06d}" if channel.code == "12337" else "",
            sensitivity="important" if ordinal % 23 == 0 else "normal",
            subjects=[{"person_id": subject.pk}],
            viewers=[leader, county_leader, handler],
        )
        if status == Status.MERGED and created:
            twin = next((c for c in reversed(created) if c.status not in (Status.MERGED,)), created[0])
            actions.merge_clue(office, clue, into=twin, reason="与在办线索反映同一问题")
            return _backdate(clue, received, today, rng)
        if status == Status.REGISTERED:
            return _backdate(clue, received, today, rng)
        if status == Status.TRANSFERRED:
            actions.transfer_clue(
                office,
                clue,
                target=Transfer.Target.DISCIPLINE,
                receiver="市纪委监委",
                reason="涉嫌职务违法，属纪委监委管辖",
                transferred_on=min(received + dt.timedelta(days=rng.randint(1, 8)), today),
            )
            if rng.random() < 0.6:
                # the clue is fresh: the transfer just made is its only one
                actions.record_transfer_outcome(
                    office, clue.transfers.get(), outcome="已立案审查调查", result=Result.TRUE
                )
            return _backdate(clue, received, today, rng)
        unit = rng.choice(cast.handler_units[county_id])
        actions.assign_clue(office, clue, unit=unit, handler=handler)
        approver = county_leader if rng.random() < 0.5 else leader
        if rng.random() < 0.2:
            clue.refresh_from_db()
            actions.supervise_clue(
                office if rng.random() < 0.5 else leader,
                clue,
                level=rng.choice([SupervisionLevel.GENERAL, SupervisionLevel.KEY, SupervisionLevel.LISTED]),
                reason=rng.choice(actions.SUPERVISION_REASONS[:4]),
                note="请加快办理进度，按期报告核查进展。",
            )
        if status == Status.ASSIGNED:
            return _backdate(clue, received, today, rng)
        if status == Status.ON_HOLD:
            disposition = Disposition.HOLD
        elif status in (Status.CLOSED, Status.FED_BACK, Status.ARCHIVED) and rng.random() < 0.25:
            disposition = Disposition.CLOSE
        else:
            disposition = rng.choice(
                [Disposition.TALK_INQUIRY, Disposition.PRELIMINARY_CHECK, Disposition.PRELIMINARY_CHECK]
            )
        reasons = {
            Disposition.TALK_INQUIRY: "反映问题较为笼统，拟采取函询方式了解情况",
            Disposition.PRELIMINARY_CHECK: "反映问题具体，具有可查性，拟开展初步核实",
            Disposition.HOLD: "被反映人已调离，相关证人暂无法取证，拟暂存待查",
            Disposition.CLOSE: "经查询，反映问题已于去年处理完毕，无新的问题线索，拟予以了结",
        }
        actions.propose_disposition(handler, clue, disposition=disposition, reason=reasons[disposition])
        if status == Status.DISPOSITION_PENDING:
            return _backdate(clue, received, today, rng)
        actions.approve_disposition(approver, clue, comment="同意")
        clue.refresh_from_db()
        if clue.status in (Status.ON_HOLD,) or disposition == Disposition.CLOSE:
            return _finish(rng, cast, clue, status, received, today)
        if status == Status.HANDLING:
            if rng.random() < 0.25:
                new = (clue.deadline or today) + dt.timedelta(days=20)
                actions.request_extension(
                    handler, clue, new_deadline=new, reason="涉及人员较多，需进一步调查取证"
                )
                if rng.random() < 0.5:
                    actions.decide_extension(approver, clue, approve=True, comment="同意延期")
            subject_row = clue.subjects.first()  # every clue is registered with a subject
            if rng.random() < 0.4 and subject_row is not None:
                actions.record_result(
                    handler, subject_row, result=Result.PARTLY_TRUE, note="部分问题经核实属实"
                )
            return _backdate(clue, received, today, rng)
        result = rng.choices(
            [Result.TRUE, Result.PARTLY_TRUE, Result.FALSE, Result.UNVERIFIABLE], [30, 25, 35, 10]
        )[0]
        for row in clue.subjects.all():
            actions.record_result(handler, row, result=result, note="经谈话、调取相关材料，情况已查清")
            if result in (Result.TRUE, Result.PARTLY_TRUE):
                kinds = rng.choice(
                    [
                        [MeasureKind.TALK_REMINDER],
                        [MeasureKind.CRITICISM],
                        [MeasureKind.ADMONITION],
                        [MeasureKind.PARTY_WARNING, MeasureKind.GOV_DEMERIT],
                        [MeasureKind.PARTY_SERIOUS_WARNING, MeasureKind.ORG_REMOVAL],
                        [MeasureKind.PARTY_PROBATION, MeasureKind.GOV_DISMISSAL_FROM_POST],
                        [MeasureKind.JUDICIAL_REFERRAL],
                    ]
                )
                for kind in kinds:
                    actions.add_measure(handler, row, kind=kind, decided_on=today)
            elif result == Result.FALSE and rng.random() < 0.5:
                actions.set_cleared(handler, row, cleared=True, note="经核查反映不实，予以澄清正名")
        clue.refresh_from_db()  # per-subject steps moved the clue's version on
        if disposition == Disposition.PRELIMINARY_CHECK and result == Result.TRUE and rng.random() < 0.3:
            actions.record_case(handler, clue, proposed_on=today)
        actions.submit_closure(handler, clue, reason="核查工作已完成，处理措施已落实，建议办结")
        if status == Status.CLOSURE_PENDING:
            return _backdate(clue, received, today, rng)
        actions.approve_closure(approver, clue, comment="同意办结")
        clue.refresh_from_db()
        return _finish(rng, cast, clue, status, received, today)


def _finish(
    rng: random.Random, cast: Cast, clue: Clue, status: str, received: dt.date, today: dt.date
) -> Clue:
    """Take a closed (or held) clue on to feedback and archive as the plan asks."""
    if clue.status == Status.ON_HOLD or status == Status.CLOSED:
        return _backdate(clue, received, today, rng)
    if status in (Status.FED_BACK, Status.ARCHIVED) and clue.reporter_reachable:
        actions.record_feedback(
            cast.office,
            clue,
            method=rng.choice([Feedback.Method.PHONE, Feedback.Method.SMS, Feedback.Method.IN_PERSON]),
            fed_back_on=today,
            content="已将核查处理结果告知举报人，举报人表示认可。",
            opinion=rng.choice(
                [Feedback.Opinion.SATISFIED, Feedback.Opinion.BASICALLY, Feedback.Opinion.UNSATISFIED]
            ),
        )
    if status == Status.ARCHIVED:
        actions.archive_clue(cast.office, clue)
    return _backdate(clue, received, today, rng)


# Office hours for the backdated steps: the demo's timeline, reminders and figures read as a real
# office's would, on working days (调休 included) between 08:30 and 17:30, never after now.
DUTY_START = dt.time(8, 30)
DUTY_MINUTES = 9 * 60


def _last_workday(day: dt.date) -> dt.date:
    while not workdays.is_workday(day):
        day -= dt.timedelta(days=1)
    return day


def _on_duty(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment of office hours on the first working day from `day`, not after the latest one."""
    while not workdays.is_workday(day):
        day += dt.timedelta(days=1)
    at = timezone.make_aware(dt.datetime.combine(day, DUTY_START)) + dt.timedelta(
        minutes=rng.randint(0, DUTY_MINUTES - 60)
    )
    return min(at, _latest_on_duty())


def _latest_on_duty() -> dt.datetime:
    """Now if the office is at work, else the end of the last working day before now."""
    now = timezone.localtime()
    day = now.date()
    opens = timezone.make_aware(dt.datetime.combine(day, DUTY_START))
    closes = opens + dt.timedelta(minutes=DUTY_MINUTES)
    if workdays.is_workday(day) and opens <= now <= closes:
        return now
    if workdays.is_workday(day) and now > closes:
        return closes
    day = _last_workday(day - dt.timedelta(days=1))
    return timezone.make_aware(dt.datetime.combine(day, DUTY_START)) + dt.timedelta(minutes=DUTY_MINUTES)


def _working_moments(received: dt.date, span: int, n: int, rng: random.Random) -> list[dt.datetime]:
    """n moments in order, spread over the span days from received, each in office hours."""
    moments = [_on_duty(received + dt.timedelta(days=span * i // max(n, 1)), rng) for i in range(n)]
    moments.sort()
    # steps squeezed onto the same latest moment keep their order a minute apart
    for i in range(n - 2, -1, -1):
        moments[i] = min(moments[i], moments[i + 1] - dt.timedelta(minutes=1))
    return moments


def _backdate(clue: Clue, received: dt.date, today: dt.date, rng: random.Random) -> Clue:
    """Spread the clue's recorded steps over the days since it was received, so the demo has
    history: assignment a few days after receipt, deadlines from then, some already past."""
    clue.refresh_from_db()
    events = list(clue.events.order_by("id"))
    span = max((today - received).days, 1)
    for event, at in zip(events, _working_moments(received, span, len(events), rng), strict=True):
        Event.objects.filter(pk=event.pk).update(at=at)
    fields: dict[str, Any] = {}
    if clue.assigned_on:
        assigned = received + dt.timedelta(days=min(rng.randint(1, 4), span))
        fields["assigned_on"] = assigned
        if clue.deadline:
            # open clues: some overdue, some near due, most in time
            shift = (clue.deadline - clue.assigned_on).days
            fields["deadline"] = assigned + dt.timedelta(days=shift)
            DeadlineChange.objects.filter(clue=clue, reason="交办").update(
                new_deadline=fields["deadline"], changed_at=_on_duty(assigned, rng)
            )
    if clue.closed_on:
        closed = received + dt.timedelta(days=max(span - rng.randint(0, 10), 1))
        fields["closed_on"] = min(closed, today)
        if clue.feedback_due:
            fields["feedback_due"] = workdays.add_workdays(fields["closed_on"], 15)
    if clue.org_aware_at:
        fields["org_aware_at"] = _on_duty(received + dt.timedelta(days=min(5, span)), rng)
    if fields:
        Clue.objects.filter(pk=clue.pk).update(**fields)
    clue.refresh_from_db()
    return clue


# --- bulk generation for benchmarks --------------------------------------------------------------

_BULK_STATUSES = [Status.REGISTERED, Status.ASSIGNED, Status.HANDLING, Status.CLOSED, Status.ARCHIVED]


def _bulk_rows(rng: random.Random, n: int) -> Iterator[tuple[dict[str, Any], list[str], str]]:
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌波宁辉鹏飞玉兰海燕"
    for _ in range(n):
        name = rng.choice(surnames) + rng.choice(given) + (rng.choice(given) if rng.random() < 0.6 else "")
        code, summary, content = rng.choice(TEMPLATES)
        unit = "某县公安局"
        yield (
            {
                "summary": summary.format(name=name, unit=unit),
                "content": content.format(name=name, unit=unit),
                "status": rng.choice(_BULK_STATUSES),
                "age": rng.randint(0, 900),
                # about one in a hundred is 重要 with no named viewer: hidden even from the office
                "sensitivity": Sensitivity.IMPORTANT if rng.random() < 0.01 else Sensitivity.NORMAL,
            },
            [name],
            code,
        )


def bulk_clues(n: int, *, seed: int = 1, batch: int = 20_000, progress: Any = None) -> int:
    """Write n plain clues quickly for benchmarks (registered → archived, no approvals).

    The rows go in through the database driver (COPY on PostgreSQL, executemany on SQLite),
    not the ORM: at a million clues Django's per-object work was three quarters of the time.
    Columns and defaults still come from the models, so a new field cannot be forgotten here.
    """
    from zhengdun.clues import bulkload

    return bulkload.load(n, _bulk_rows(random.Random(seed), n), seed=seed, batch=batch, progress=progress)
