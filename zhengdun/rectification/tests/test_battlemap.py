"""挂图作战: the figures for known data (matrix cells, Gantt bars, ranking rates and order worked
out by hand), what each role sees on every view and in the export, the filters, the xlsx read
back, and a fixed number of queries whatever the number of problems."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengdun.audit.models import Entry
from zhengdun.clues.configuration import add_local_category
from zhengdun.clues.models import Category
from zhengdun.core.testing import make_unit
from zhengdun.org.models import Unit
from zhengdun.rectification import actions, battlemap_export
from zhengdun.rectification import battlemap as bm
from zhengdun.rectification.models import Milestone, Problem
from zhengdun.rectification.status import ProblemStatus
from zhengdun.rectification.tests.helpers import pdf, problem_data

TODAY = timezone.localdate()
URLS = {
    "matrix": "/rectification/battlemap/",
    "gantt": "/rectification/battlemap/gantt/",
    "ranking": "/rectification/battlemap/ranking/",
    "export": "/rectification/battlemap/export.xlsx",
}


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def register(city, title, unit, code="GJ1", *, deadline=30, made=0, person="judge_a", tasks=1):
    """A problem registered `made` days from today (negative: in the past) with its deadline
    `deadline` days from today, and `tasks` tasks — all through the actions."""
    actor = city.office_handler
    data = problem_data(
        city,
        title=title,
        category=Category.objects.get(code=code).pk,
        responsible_unit=unit.pk,
        responsible_person=city.people[person].pk,
        deadline=day(deadline).isoformat(),
    )
    problem = actions.register_problem(actor, data, today=day(made))
    for i in range(tasks):
        actions.add_task(
            actor,
            problem,
            title=f"{title}任务{i + 1}",
            owner=city.people[person].pk,
            deadline=problem.deadline,
            today=day(made),
        )
    problem.refresh_from_db()
    return problem


def report(city, problem, percent, *, on=0):
    task = problem.tasks.filter(round=problem.round).first()
    actions.report_progress(
        city.office_handler,
        task,
        percent=percent,
        narrative=f"完成{percent}%",
        version=task.version,
        today=day(on),
    )
    problem.refresh_from_db()
    return problem


def close(city, problem, *, on=0):
    actions.close_off(
        city.office_handler,
        problem,
        check_note="对照验收标准逐项核查，已整改到位",
        files=[pdf()],
        version=problem.version,
        today=day(on),
    )
    problem.refresh_from_db()
    return problem


@pytest.fixture
def scene(city):
    """Known problems in every state (relative to today):

    甲县 court_a   A1 GJ1 逾期 (deadline −10)      A2 GJ1 已销号 on time
                   A3 GJ2 整改中 (50%)             A4 GJ2 临期 (deadline +3)
    甲县 police_a  P1 GJ5 已销号 late (done −5, deadline −20)
    乙县 court_b   B1 GJ1 待验收 (100% today)      B2 GJ1 反弹 (closed, reopened)
                   B3 L1 (乙县's local category) 未启动
    市直 office    O1 GJ3 未启动
    """
    p = {}
    p["A1"] = register(city, "甲院逾期问题", city.court_a, deadline=-10, made=-60)
    p["A2"] = close(city, report(city, register(city, "甲院已销号问题", city.court_a), 100))
    p["A3"] = report(city, register(city, "甲院整改中问题", city.court_a, "GJ2", deadline=100), 50)
    p["A4"] = register(city, "甲院临期问题", city.court_a, "GJ2", deadline=3)
    p["P1"] = close(
        city,
        report(
            city, register(city, "甲局逾期完成问题", city.police_a, "GJ5", deadline=-20, made=-60), 100, on=-5
        ),
    )
    p["B1"] = report(city, register(city, "乙院待验收问题", city.court_b, deadline=60, person="judge_b"), 100)
    b2 = close(
        city, report(city, register(city, "乙院反弹问题", city.court_b, deadline=40, person="judge_b"), 100)
    )
    actions.reopen(
        city.office_handler,
        b2,
        kind="relapse",
        reason="回头看发现问题反弹",
        new_deadline=day(90).isoformat(),
        task_title="再次整改",
        version=b2.version,
    )
    b2.refresh_from_db()
    p["B2"] = b2
    local = add_local_category(city.office_handler, unit=city.county_b, code="L1", name="乙县执法不规范问题")
    p["B3"] = register(city, "乙院本地问题", city.court_b, local.code, deadline=150, person="judge_b")
    p["O1"] = register(city, "市直未启动问题", city.office, "GJ3", deadline=200)
    return p


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def chips(html: str) -> list[tuple[str, str]]:
    """(status word, problem number) of every chip on the page, in order."""
    return re.findall(r'class="bm-chip [a-z]+" href="[^"]+"[^>]*><b>([^<]+)</b>([^<]+)</a>', html)


def workbook(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )


# --- the figures -------------------------------------------------------------------------------


def _matrix(city, user=None):
    items = bm.load(actions.problems_visible(user or city.office_handler), TODAY)
    counties = list(Unit.objects.filter(type=Unit.Type.COUNTY).order_by("sort_order", "path"))
    return bm.matrix(items, bm.columns(items, Category.objects.all()), counties)


def test_the_states_are_what_the_scene_says(city, scene):
    statuses = {k: p.status_on(TODAY) for k, p in scene.items()}
    assert statuses == {
        "A1": ProblemStatus.OVERDUE,
        "A2": ProblemStatus.CLOSED,
        "A3": ProblemStatus.IN_PROGRESS,
        "A4": ProblemStatus.NOT_STARTED,
        "P1": ProblemStatus.CLOSED,
        "B1": ProblemStatus.AWAITING,
        "B2": ProblemStatus.RELAPSED,
        "B3": ProblemStatus.NOT_STARTED,
        "O1": ProblemStatus.NOT_STARTED,
    }


def test_matrix_cells_hold_each_units_problems_by_category_most_urgent_first(city, scene):
    m = _matrix(city)
    # GJ1–GJ6 always; a local category only when it has problems; OTHER (unused) not at all
    assert [c.code for c in m.columns] == ["GJ1", "GJ2", "GJ3", "GJ4", "GJ5", "GJ6", "L1"]
    assert [g.name for g in m.groups] == ["市直单位", "甲县", "乙县"]
    cells = {
        (r.unit, m.columns[i].code): [(item.number, item.mark.label) for item in cell]
        for r in m.units
        for i, cell in enumerate(r.cells)
        if cell
    }
    n = {k: p.number for k, p in scene.items()}
    assert cells == {
        ("市教育整顿办", "GJ3"): [(n["O1"], "未启动")],
        ("甲县人民法院", "GJ1"): [(n["A1"], "逾期"), (n["A2"], "已销号")],
        ("甲县人民法院", "GJ2"): [(n["A4"], "临期"), (n["A3"], "整改中")],
        ("甲县公安局", "GJ5"): [(n["P1"], "已销号")],
        ("乙县人民法院", "GJ1"): [(n["B2"], "反弹"), (n["B1"], "待验收")],
        ("乙县人民法院", "L1"): [(n["B3"], "未启动")],
    }
    rows = {r.unit: (r.total, r.overdue) for r in m.units}
    assert rows == {
        "市教育整顿办": (1, 0),
        "甲县人民法院": (4, 1),
        "甲县公安局": (1, 0),
        "乙县人民法院": (3, 0),
    }
    legend = {mark.label: count for mark, count in m.legend}
    assert legend == {"逾期": 1, "反弹": 1, "临期": 1, "未启动": 2, "整改中": 1, "待验收": 1, "已销号": 2}
    assert m.total == 9
    colours = {mark.label: mark.colour for mark, _ in m.legend}
    assert colours == {
        "逾期": "red",
        "反弹": "orange",
        "临期": "yellow",
        "未启动": "grey",
        "整改中": "blue",
        "待验收": "teal",
        "已销号": "green",
    }


def test_ranking_rates_and_order_by_hand(city, scene):
    county_c = make_unit(city.city, "丙县", Unit.Type.COUNTY, "C370213", "370213")
    court_c = make_unit(county_c, "丙县人民法院", Unit.Type.COURT, "C370213-FY")
    county_d = make_unit(city.city, "丁县", Unit.Type.COUNTY, "C370214", "370214")
    # 丙县: one problem finished today, not closed — 0 of 1 closed, 1 of 1 due on time: ties 乙县
    report(city, register(city, "丙院待验收问题", court_c, deadline=20, person="judge_b"), 100)
    counties = [city.county_a, city.county_b, county_c, county_d]
    result = bm.ranking(bm.load(actions.problems_visible(city.office_handler), TODAY), counties, TODAY)
    table = [
        (
            s.rank,
            s.name,
            s.total,
            s.closed,
            s.completion_pct,
            s.due,
            s.on_time,
            s.on_time_pct,
            s.overdue,
            s.relapsed,
        )
        for s in result.counties
    ]
    assert table == [
        # 甲县: A2, P1 closed of 5 → 40.0%; due = A1 (past deadline), A2, P1 (finished) = 3;
        # on time = A2 only (P1 finished after its deadline) → 33.3%
        (1, "甲县", 5, 2, "40.0%", 3, 1, "33.3%", 1, 0),
        # 乙县: nothing closed (B2 was, then reopened); due = B1 (finished), B2 reopened and open
        # before its new deadline is not due, B3 neither → 1 of 1 on time
        (2, "乙县", 3, 0, "0.0%", 1, 1, "100.0%", 0, 1),
        (2, "丙县", 1, 0, "0.0%", 1, 1, "100.0%", 0, 0),  # equal figures share the rank
        (None, "丁县", 0, 0, "—", 0, 0, "—", 0, 0),  # no problems: no rate, no rank, last
    ]
    assert (result.city.total, result.city.closed, result.city.due) == (1, 0, 0)
    total = result.total
    assert (total.total, total.closed, total.completion_pct, total.due, total.on_time, total.on_time_pct) == (
        10,
        2,
        "20.0%",
        5,
        3,
        "60.0%",
    )


def test_ranking_orders_by_on_time_rate_when_completion_ties(city):
    # 甲县 and 乙县 both close 1 of 2 (50.0%); 甲县's other problem is overdue (due, not on
    # time: 1 of 2 = 50.0%), 乙县's is open before its deadline (not due: 1 of 1 = 100.0%)
    close(city, report(city, register(city, "甲院问题一", city.court_a), 100))
    register(city, "甲院问题二", city.court_a, deadline=-1, made=-30)
    close(city, report(city, register(city, "乙院问题一", city.court_b, person="judge_b"), 100))
    register(city, "乙院问题二", city.court_b, person="judge_b")
    result = bm.ranking(bm.load(Problem.objects.all(), TODAY), [city.county_a, city.county_b], TODAY)
    assert [(s.rank, s.name, s.completion_pct, s.on_time_pct) for s in result.counties] == [
        (1, "乙县", "50.0%", "100.0%"),
        (2, "甲县", "50.0%", "50.0%"),
    ]


def test_percent_has_one_decimal_rounded_half_up():
    assert bm.percent(1, 3) == "33.3%"
    assert bm.percent(2, 3) == "66.7%"
    assert bm.percent(1, 16) == "6.3%"  # 6.25: half up, not to even
    assert bm.percent(0, 4) == "0.0%"
    assert bm.percent(4, 4) == "100.0%"
    assert bm.percent(0, 0) == "—"


def test_gantt_bars_are_the_milestones_with_their_states(city, scene):
    a3 = scene["A3"]
    first = a3.milestones.order_by("position").first()
    actions.complete_milestone(city.office_handler, first, TODAY.isoformat())
    chart = bm.gantt(actions.problems_visible(city.office_handler), city.court_a.pk, TODAY)
    assert [p.problem.number for p in chart.plans] == [scene[k].number for k in ("A1", "A4", "A2", "A3")]
    for plan in chart.plans:
        stored = list(Milestone.objects.filter(problem=plan.problem).order_by("position"))
        assert [(b.name, b.start, b.end, b.done_on) for b in plan.bars] == [
            (m.name, m.start, m.end, m.done_on) for m in stored
        ]
    states = {p.problem.number: [b.state for b in p.bars] for p in chart.plans}
    # A1: made 60 days ago with a deadline 10 days ago — every milestone ended unfinished: red
    assert set(states[scene["A1"].number]) == {"overdue"}
    assert all(b.colour == "red" and b.label == "逾期" for b in chart.plans[0].bars)
    # A2 closed off: its unmarked milestones are not overdue
    assert set(states[scene["A2"].number]) == {"closed"}
    assert states[scene["A3"].number][0] == "done"
    assert chart.plans[3].bars[0].label == "已完成"
    # the axis covers every milestone, deadline and today, widened to whole months
    every = [m.start for m in Milestone.objects.filter(problem__responsible_unit=city.court_a)]
    every += [m.end for m in Milestone.objects.filter(problem__responsible_unit=city.court_a)]
    every += [scene[k].deadline for k in ("A1", "A2", "A3", "A4")] + [TODAY]
    assert chart.scale == "month"
    assert chart.start == min(every).replace(day=1)
    assert chart.end.month == max(every).month and (chart.end + dt.timedelta(days=1)).day == 1
    span = (chart.end - chart.start).days + 1
    assert chart.today_x == f"{(TODAY - chart.start).days * 100 / span:.3f}"
    bar = chart.plans[3].bars[0]
    assert bar.left == f"{(bar.start - chart.start).days * 100 / span:.3f}"
    assert bar.width == f"{((bar.end - bar.start).days + 1) * 100 / span:.3f}"
    # the deadline mark stands at the end of the deadline day
    assert chart.plans[3].deadline_x == f"{((a3.deadline - chart.start).days + 1) * 100 / span:.3f}"
    assert chart.ticks[0].day == chart.start and all(t.day.day == 1 for t in chart.ticks)


def test_gantt_axis_by_week_for_a_short_plan():
    start, end, scale = bm._axis(dt.date(2025, 6, 4), dt.date(2025, 7, 15))
    assert (start, end, scale) == (dt.date(2025, 6, 2), dt.date(2025, 7, 20), "week")  # Monday to Sunday
    ticks = bm._ticks(start, end, scale, lambda d: f"{(d - start).days}")
    assert [t.label for t in ticks][:3] == ["6/2", "6/9", "6/16"]
    start, end, scale = bm._axis(dt.date(2025, 6, 4), dt.date(2025, 12, 15))
    assert (start, end, scale) == (dt.date(2025, 6, 1), dt.date(2025, 12, 31), "month")
    labels = [t.label for t in bm._ticks(start, end, scale, str)]
    assert labels == ["2025年6月", "7月", "8月", "9月", "10月", "11月", "12月"]


def test_bar_state_rule():
    d = dt.date(2025, 6, 10)
    assert bm.bar_state(d, d, d, d, False) == "done"
    assert bm.bar_state(None, dt.date(2025, 6, 1), dt.date(2025, 6, 9), d, False) == "overdue"
    assert bm.bar_state(None, dt.date(2025, 6, 1), dt.date(2025, 6, 9), d, True) == "closed"
    assert bm.bar_state(None, dt.date(2025, 6, 1), d, d, False) == "active"  # due today: not late yet
    assert bm.bar_state(None, dt.date(2025, 6, 11), dt.date(2025, 6, 20), d, False) == "planned"


D = dt.date(2025, 6, 10)


@pytest.mark.parametrize(
    ("done_on", "start", "end", "closed", "state", "colour", "label"),
    [
        # past: ended yesterday — done, late, or left unmarked on a closed problem
        (dt.date(2025, 6, 9), dt.date(2025, 6, 1), dt.date(2025, 6, 9), False, "done", "green", "已完成"),
        (None, dt.date(2025, 6, 1), dt.date(2025, 6, 9), False, "overdue", "red", "逾期"),
        (None, dt.date(2025, 6, 1), dt.date(2025, 6, 9), True, "closed", "grey", "未标记完成"),
        # current: begun, not ended (or ending today)
        (None, dt.date(2025, 6, 1), dt.date(2025, 6, 20), False, "active", "blue", "进行中"),
        (None, D, D, False, "active", "blue", "进行中"),
        (dt.date(2025, 6, 5), dt.date(2025, 6, 1), dt.date(2025, 6, 20), False, "done", "green", "已完成"),
        # future: starts tomorrow or later — not begun, never green
        (None, dt.date(2025, 6, 11), dt.date(2025, 6, 20), False, "planned", "grey", "未开始"),
        (None, dt.date(2026, 1, 1), dt.date(2026, 3, 1), False, "planned", "grey", "未开始"),
    ],
)
def test_bar_state_past_current_future_done_overdue(done_on, start, end, closed, state, colour, label):
    assert bm.bar_state(done_on, start, end, D, closed) == state
    assert bm.BAR_STATES[state] == (label, colour)


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
    length=st.integers(0, 200),
    today=st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
    done=st.none() | st.integers(0, 400),
    closed=st.booleans(),
)
def test_only_a_milestone_marked_done_is_green(start, length, today, done, closed):
    end = start + dt.timedelta(days=length)
    done_on = None if done is None else dt.date(2024, 1, 1) + dt.timedelta(days=done)
    state = bm.bar_state(done_on, start, end, today, closed)
    assert (state == "done") == (done_on is not None)
    assert (bm.BAR_STATES[state][1] == "green") == (done_on is not None)
    if done_on is None and not closed:
        # a bar ahead of today is 未开始, one that has begun is running, one that has ended is late
        expected = "planned" if start > today else ("active" if end >= today else "overdue")
        assert state == expected


# --- the pages ---------------------------------------------------------------------------------


def test_the_matrix_page_shows_chips_with_words_links_and_the_legend(city, scene):
    page = client_for(city.office_handler).get(URLS["matrix"])
    assert page.status_code == 200
    html = page.content.decode()
    shown = chips(html)
    assert (("逾期", scene["A1"].number)) in shown
    assert (("临期", scene["A4"].number)) in shown
    assert len(shown) == 9
    assert f'href="/rectification/problems/{scene["A1"].pk}/"' in html
    assert re.search(r'class="bm-chip red"><b>逾期</b></span>1项', html)
    assert re.search(r'class="bm-chip green"><b>已销号</b></span>2项', html)
    assert "乙县执法不规范问题" in html and "其他违纪违法问题</span>" not in html


@pytest.mark.parametrize("view", ["matrix", "gantt", "ranking"])
def test_pages_render_for_each_viewing_role(city, scene, view):
    for user in (city.office_handler, city.leader_a, city.handler_a, city.handler_b):
        assert client_for(user).get(URLS[view]).status_code == 200


@pytest.mark.parametrize("view", list(URLS))
@pytest.mark.parametrize("username", ["officer_a", "outsider", "sysadmin", "auditor"])
def test_roles_without_rectification_view_are_refused(city, scene, view, username):
    assert client_for(city.users[username]).get(URLS[view]).status_code == 403


@pytest.mark.parametrize("view", list(URLS))
def test_anonymous_is_sent_to_sign_in(city, view):
    response = Client().get(URLS[view])
    assert response.status_code == 302 and "login" in response["Location"]


def test_handler_b_never_sees_court_a(city, scene):
    client = client_for(city.handler_b)
    hidden = [scene[k] for k in ("A1", "A2", "A3", "A4", "P1", "O1")]
    seen = [scene[k] for k in ("B1", "B2", "B3")]
    for view in ("matrix", "gantt", "ranking"):
        html = client.get(URLS[view]).content.decode()
        for p in hidden:
            assert p.number not in html and p.title not in html, (view, p.number)
        assert "甲县人民法院" not in html and "甲县公安局" not in html
    matrix = client.get(URLS["matrix"]).content.decode()
    assert {n for _, n in chips(matrix)} == {p.number for p in seen}
    ranking = client.get(URLS["ranking"]).content.decode()
    assert "乙县" in ranking and ">甲县<" not in ranking
    assert "不参与排名）" not in ranking  # no 市直 row: handler_b sees none of the city's own units
    # asking for court_a's Gantt, or with court_a's county as a filter, shows nothing of it
    assert client.get(URLS["gantt"], {"unit": city.court_a.pk}).status_code == 404
    filtered = client.get(URLS["matrix"], {"county": city.county_a.pk}).content.decode()
    assert all(p.number not in filtered for p in hidden)
    book = workbook(client.get(URLS["export"]))
    text = " ".join(
        str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    )
    for p in hidden:
        assert p.number not in text and p.title not in text
    assert all(p.number in text for p in seen)


def test_leader_sees_their_county_only(city, scene):
    client = client_for(city.leader_a)
    html = client.get(URLS["matrix"]).content.decode()
    assert {n for _, n in chips(html)} == {scene[k].number for k in ("A1", "A2", "A3", "A4", "P1")}
    ranking = client.get(URLS["ranking"]).content.decode()
    assert ">甲县<" in ranking and "乙县" not in ranking  # nor 乙县's local category in the select
    # their whole reach is 甲县: the page says so, and offers no 市直单位 they could not see
    assert "范围：甲县" in html and "市直单位</option>" not in html
    assert "范围：全部县区" in client_for(city.office_handler).get(URLS["matrix"]).content.decode()
    assert "市直单位</option>" in client_for(city.office_handler).get(URLS["matrix"]).content.decode()


def test_filters_apply_to_every_view(city, scene):
    client = client_for(city.office_handler)
    gj2 = Category.objects.get(code="GJ2")
    html = client.get(URLS["matrix"], {"category": gj2.pk}).content.decode()
    assert {n for _, n in chips(html)} == {scene["A3"].number, scene["A4"].number}
    assert "GJ1</span>" not in html
    html = client.get(URLS["matrix"], {"county": city.county_b.pk}).content.decode()
    assert {n for _, n in chips(html)} == {scene[k].number for k in ("B1", "B2", "B3")}
    html = client.get(URLS["matrix"], {"county": "city"}).content.decode()
    assert {n for _, n in chips(html)} == {scene["O1"].number}
    # a filter value that is not an option is ignored (everything in reach)
    html = client.get(URLS["matrix"], {"county": "x", "category": "999999"}).content.decode()
    assert len(chips(html)) == 9

    gantt = client.get(URLS["gantt"], {"county": city.county_b.pk}).content.decode()
    assert scene["B1"].number in gantt and scene["A1"].number not in gantt
    gantt = client.get(URLS["gantt"], {"category": gj2.pk, "unit": city.court_a.pk}).content.decode()
    assert scene["A3"].number in gantt and scene["A1"].number not in gantt
    # a unit in reach without problems under the filters: said so, not an error
    empty = client.get(URLS["gantt"], {"category": gj2.pk, "unit": city.court_b.pk})
    assert empty.status_code == 200 and "暂无整改问题" in empty.content.decode()

    ranking = client.get(URLS["ranking"], {"county": city.county_b.pk}).context["ranking"]
    assert [s.name for s in ranking.counties] == ["乙县"]
    ranking = client.get(URLS["ranking"], {"category": gj2.pk}).context["ranking"]
    assert [(s.name, s.total) for s in ranking.counties] == [("甲县", 2), ("乙县", 0)]

    book = workbook(client.get(URLS["export"], {"category": gj2.pk, "county": city.county_a.pk}))
    listed = [row[0] for row in book["问题清单"].iter_rows(min_row=4, values_only=True)]
    assert sorted(listed) == sorted([scene["A3"].number, scene["A4"].number])


def test_the_rendered_chart_draws_future_bars_as_not_begun_and_the_legend_matches(city, scene):
    # a problem registered today: its plan runs from today to the deadline, every later
    # milestone ahead of today — none may be drawn (or labelled) as 已完成
    fresh = actions.register_problem(
        city.office_handler, problem_data(city, deadline=(TODAY + dt.timedelta(days=200)).isoformat())
    )
    page = client_for(city.handler_a).get(URLS["gantt"], {"unit": city.court_a.pk})
    html = page.content.decode()
    milestones = list(fresh.milestones.order_by("position"))
    assert any(m.start > TODAY for m in milestones)
    for m in milestones:
        state = bm.bar_state(None, m.start, m.end, TODAY, False)
        assert state == ("planned" if m.start > TODAY else "active")
        label, colour = bm.BAR_STATES[state]
        assert re.search(
            rf'class="g-bar {colour} {state}" style="[^"]*" data-start="{m.start:%Y-%m-%d}" '
            rf'data-end="{m.end:%Y-%m-%d}" data-state="{state}" title="[^"]*· {label}"',
            html,
        )
    future = [m for m in milestones if m.start > TODAY]
    assert not re.search(rf'class="g-bar green[^"]*"[^>]*data-start="{future[-1].start:%Y-%m-%d}"', html)
    # every state in the legend, its swatch carrying the same colour and state classes as a bar
    for state, (label, colour) in bm.BAR_STATES.items():
        assert f'<span class="g-swatch {colour} {state}" data-state="{state}"></span>节点{label}' in html


def test_gantt_page_defaults_to_the_first_unit_and_marks_today(city, scene):
    page = client_for(city.office_handler).get(URLS["gantt"])
    assert page.status_code == 200
    assert page.context["unit"] == city.office  # 市直单位 first
    page = client_for(city.handler_a).get(URLS["gantt"])
    html = page.content.decode()
    assert page.context["unit"] == city.court_a
    assert f'class="g-today" style="left: {page.context["chart"].today_x}%"' in html
    assert f"今天 {TODAY:%m-%d}" in html
    a1 = Milestone.objects.filter(problem=scene["A1"]).order_by("position").first()
    assert f'data-start="{a1.start:%Y-%m-%d}" data-end="{a1.end:%Y-%m-%d}" data-state="overdue"' in html
    assert f'data-date="{scene["A1"].deadline:%Y-%m-%d}"' in html
    assert client_for(city.handler_a).get(URLS["gantt"], {"unit": "abc"}).status_code == 404
    assert client_for(city.handler_a).get(URLS["gantt"], {"unit": "99999999999"}).status_code == 404


def test_ranking_page_states_the_definition(city, scene):
    html = client_for(city.office_handler).get(URLS["ranking"]).content.decode()
    assert "按期完成率 = 按期完成的问题数 ÷ 应完成的问题数" in html
    assert "40.0%" in html and "33.3%" in html
    assert '市直单位<span class="muted">（不参与排名）' in html


def test_export_has_three_sheets_read_back(city, scene):
    response = client_for(city.office_handler).get(URLS["export"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = workbook(response)
    assert book.sheetnames == ["作战图", "县区排名", "问题清单"]

    sheet = book["作战图"]
    assert sheet.cell(4, 1).value == "县区" and sheet.cell(4, 3).value.startswith("违反")
    rows = {r[1]: r for r in sheet.iter_rows(min_row=5, values_only=True)}
    court_a = rows["甲县人民法院"]
    assert court_a[0] == "甲县"
    assert court_a[2] == f"{scene['A1'].number} 逾期\n{scene['A2'].number} 已销号"
    assert court_a[-1] == "4项（逾期1项）"
    fill = sheet.cell(list(rows).index("甲县人民法院") + 5, 3).fill.fgColor.rgb
    assert fill.endswith("FDECEA")  # the most urgent of the cell: 逾期, red

    sheet = book["县区排名"]
    table = list(sheet.iter_rows(min_row=5, values_only=True))
    assert table[0][:4] == (1, "甲县", 5, 2)
    assert table[0][4] == pytest.approx(0.4) and table[0][5] == pytest.approx(1 / 3)
    assert table[1][:2] == (2, "乙县") and table[1][5] == pytest.approx(1.0)
    assert table[2][:3] == ("—", "市直单位", 1) and table[2][4] == pytest.approx(0.0) and table[2][5] == "—"
    assert table[3][:4] == ("—", "合计", 9, 2)
    assert sheet.cell(5, 5).number_format == "0.0%"

    sheet = book["问题清单"]
    assert [c.value for c in sheet[3]] == list(battlemap_export.ITEM_HEADERS)
    listed = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert set(listed) == {p.number for p in scene.values()}
    a1 = listed[scene["A1"].number]
    assert a1[1:5] == ("甲院逾期问题", Category.objects.get(code="GJ1").name, "甲县人民法院", "甲县")
    assert a1[5:7] == ("赵书记", "张明")
    assert a1[7].date() == scene["A1"].deadline
    assert (a1[8], a1[9], a1[10]) == (0, "逾期", "逾期")
    a3, a4 = listed[scene["A3"].number], listed[scene["A4"].number]
    assert (a3[8], a3[9], a3[10]) == (50, "整改中", None)
    assert (a4[9], a4[10]) == ("未启动", "临期")
    assert listed[scene["O1"].number][4] == "市直单位"

    entry = Entry.objects.filter(action="rectification.battlemap_exported").latest("seq")
    assert entry.actor == city.office_handler and entry.data["problems"] == 9


# --- queries -----------------------------------------------------------------------------------


def _queries(client, url, **params) -> int:
    client.get(url, params)  # the session's first request of a page may touch the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_the_problems(city, django_assert_max_num_queries):
    client = client_for(city.office_handler)
    for i in range(3):
        p = register(city, f"甲院问题{i}", city.court_a, deadline=20 + i)
        report(city, p, 50)
    register(city, "乙院问题", city.court_b, "GJ4", person="judge_b")
    small = {view: _queries(client, URLS[view]) for view in ("matrix", "gantt", "ranking", "export")}
    for i in range(12):
        p = register(
            city,
            f"更多问题{i}",
            [city.court_a, city.police_a, city.court_b, city.office][i % 4],
            f"GJ{i % 6 + 1}",
        )
        if i % 3 == 0:
            report(city, p, 100)
    large = {view: _queries(client, URLS[view]) for view in ("matrix", "gantt", "ranking", "export")}
    assert small == large
    # session, user, grants, root units, counties, categories, the problems, the user's unit
    # (top bar); the Gantt adds its units, the chosen unit and the milestones; the export the audit
    for view, most in (("matrix", 8), ("gantt", 11), ("ranking", 8), ("export", 15)):
        with django_assert_max_num_queries(most):
            client.get(URLS[view])


def test_load_is_one_query(city, scene, django_assert_num_queries):
    visible = actions.problems_visible(city.office_handler)
    list(visible[:1])  # the user's grants, read once per request
    with django_assert_num_queries(1):
        items = bm.load(visible, TODAY)
    assert len(items) == 9
    assert {i.progress for i in items} >= {Decimal("50.0"), Decimal("100.0")}


def test_titles_are_escaped_in_chips_and_gantt(city):
    register(city, '<script>alert("x")</script>问题', city.court_a)
    client = client_for(city.office_handler)
    for view in ("matrix", "gantt"):
        html = client.get(URLS[view]).content.decode()
        assert "<script>alert" not in html and "&lt;script&gt;alert" in html
