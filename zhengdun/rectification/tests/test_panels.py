"""The 整改问题 panels: on a clue's substantiated subject (problems made from the clue, 转为整改问题)
and on a self-report item — each listing only the problems the viewer may see, the link only for
those who may register problems."""

from __future__ import annotations

import pytest

from zhengdun.clues import actions as clue_actions
from zhengdun.clues.models import Result, Status
from zhengdun.clues.testing import register as register_clue
from zhengdun.clues.testing import walk
from zhengdun.rectification import actions
from zhengdun.rectification.models import Problem
from zhengdun.rectification.tests.helpers import problem_data
from zhengdun.rectification.tests.test_views_problems import client_for, fast_passwords  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def clue(city):
    """A clue about 张明 and 李华 handled by 甲县法院: 张明 found 属实, 李华 不属实."""
    made = register_clue(
        city, subjects=[{"person_id": city.people["judge_a"].pk}, {"person_id": city.people["judge_b"].pk}]
    )
    made = walk(city, made, Status.HANDLING)
    zhang, li = made.subjects.order_by("id")
    clue_actions.record_result(city.handler_a, zhang, result=Result.TRUE, note="属实")
    clue_actions.record_result(city.handler_a, li, result=Result.FALSE, note="不属实")
    return made


def panel_of(html: str, subject_pk: int) -> str:
    start = html.find(f'id="zg-subject-{subject_pk}"')
    if start < 0:
        return ""
    return html[start : html.find("</section>", start)]


def test_a_substantiated_subject_offers_the_problem_to_those_who_register(city, clue):
    zhang, li = clue.subjects.order_by("id")
    for username in ("office_handler", "handler_a"):
        html = client_for(city.users[username]).get(f"/clues/{clue.pk}/").content.decode()
        panel = panel_of(html, zhang.pk)
        assert (
            "转为整改问题" in panel
            and f"/rectification/problems/new/?clue={clue.pk}&amp;subject={zhang.pk}" in panel
        )
        assert "暂无" in panel
        assert panel_of(html, li.pk) == ""  # 不属实: nothing to rectify
    # a leader follows the lists but registers nothing: no panel while there is nothing to list
    html = client_for(city.leader_a).get(f"/clues/{clue.pk}/").content.decode()
    assert panel_of(html, zhang.pk) == ""


def test_the_panel_lists_the_problems_made_from_the_clue_within_reach(city, clue):
    zhang = clue.subjects.order_by("id").first()
    mine = actions.register_problem(city.office_handler, problem_data(city), source_clue=clue)
    theirs = actions.register_problem(
        city.office_handler,
        problem_data(
            city,
            title="乙县法院同类问题",
            responsible_unit=city.court_b.pk,
            responsible_person=city.people["judge_b"].pk,
        ),
        source_clue=clue,
    )
    office = panel_of(client_for(city.office_handler).get(f"/clues/{clue.pk}/").content.decode(), zhang.pk)
    assert mine.number in office and theirs.number in office and "2 个" in office
    assert 'data-status="not_started">未启动</span>' in office
    handler = panel_of(client_for(city.handler_a).get(f"/clues/{clue.pk}/").content.decode(), zhang.pk)
    assert mine.number in handler and theirs.number not in handler
    leader = panel_of(client_for(city.leader_a).get(f"/clues/{clue.pk}/").content.decode(), zhang.pk)
    assert mine.number in leader and "转为整改问题" not in leader
    assert f'href="/rectification/problems/{mine.pk}/"' in leader


def test_the_clue_page_does_not_break_for_those_without_rectification(city, clue):
    from zhengdun.accounts.roles import Role
    from zhengdun.core.testing import make_user

    inspector = make_user("inspector2", city.city, (Role.INSPECTOR, city.city))
    actions.register_problem(city.office_handler, problem_data(city), source_clue=clue)
    html = client_for(inspector).get(f"/clues/{clue.pk}/").content.decode()
    assert "由本线索形成的整改问题" in html and "转为整改问题" not in html


# --- self-report items ------------------------------------------------------------------------------


@pytest.fixture
def report(city):
    from zhengdun.selfreports.tests.helpers import file, item, open_campaign

    campaign = open_campaign(city)
    return file(
        city.handler_a,
        campaign,
        [item("GJ2", description="配偶经营茶楼"), item("GJ1", description="打听案情")],
        person=city.people["judge_a"],
    )


def item_panel(html: str, item_pk: int) -> str:
    start = html.find(f'id="zg-item-{item_pk}"')
    return "" if start < 0 else html[start : html.find("</section>", start)]


def test_a_self_report_item_offers_the_problem_to_discipline_staff(city, report):
    first, second = report.items.order_by("seq")
    html = client_for(city.office_handler).get(f"/selfreports/{report.pk}/").content.decode()
    panel = item_panel(html, first.pk)
    assert "转为整改问题" in panel and f"/rectification/problems/new/?item={first.pk}" in panel
    assert item_panel(html, second.pk) != ""
    # linked problems (made earlier) are listed on the item they came from, within reach
    problem = actions.register_problem(city.office_handler, problem_data(city))
    Problem.objects.filter(pk=problem.pk).update(source_selfreport_item=first)
    html = client_for(city.handler_a).get(f"/selfreports/{report.pk}/").content.decode()
    assert problem.number in item_panel(html, first.pk) and problem.number not in item_panel(html, second.pk)
    # the leader sees the problem but is offered no registration
    leader = client_for(city.leader_a).get(f"/selfreports/{report.pk}/").content.decode()
    assert problem.number in item_panel(leader, first.pk) and "转为整改问题" not in leader


def test_the_officer_sees_no_panel_on_their_own_report(city):
    from zhengdun.selfreports.tests.helpers import file, item, open_campaign

    campaign = open_campaign(city)
    own = file(city.officer_a, campaign, [item("GJ5", description="违规饮酒一次")])
    html = client_for(city.officer_a).get(f"/selfreports/{own.pk}/").content.decode()
    assert "zg-item-" not in html and "转为整改问题" not in html


def test_an_earlier_version_lists_but_does_not_offer(city, report):
    from zhengdun.selfreports import actions as sr_actions

    first = report.items.order_by("seq").first()
    draft = sr_actions.start_correction(city.handler_a, report)
    items = [
        {"key": i.key, "category": i.category_id, "gj2_subtype": i.gj2_subtype, "description": i.description}
        for i in report.items.order_by("seq")
    ]
    sr_actions.save_draft(city.handler_a, draft, items=items, correction_reason="补充说明金额")
    sr_actions.submit(city.handler_a, draft)
    problem = actions.register_problem(city.office_handler, problem_data(city))
    Problem.objects.filter(pk=problem.pk).update(source_selfreport_item=first)
    old = client_for(city.office_handler).get(f"/selfreports/{report.pk}/").content.decode()
    assert problem.number in item_panel(old, first.pk) and "转为整改问题" not in item_panel(old, first.pk)
    new_item = draft.items.get(key=first.key)
    new = client_for(city.office_handler).get(f"/selfreports/{draft.pk}/").content.decode()
    assert problem.number in item_panel(new, new_item.pk) and "转为整改问题" in item_panel(new, new_item.pk)
