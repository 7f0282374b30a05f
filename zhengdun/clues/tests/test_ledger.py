"""The clue ledger (线索台账): filters (shared with the API through clues.filters), search,
sorting, paging, capped counts, visibility per role, recusal and 重要 clues."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhengdun.accounts.models import RoleAssignment
from zhengdun.accounts.permissions import forget_grants, scope
from zhengdun.accounts.roles import Role
from zhengdun.clues import actions, deadlines
from zhengdun.clues import testing as ct
from zhengdun.clues.filters import filter_ledger
from zhengdun.clues.models import Clue, Disposition, MeasureKind, Sensitivity, Status, SupervisionLevel
from zhengdun.clues.views import ledger as ledger_views
from zhengdun.core import listing
from zhengdun.core.testing import PASSWORD, City

LIST = "/clues/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # build_city creates nine accounts; the production hasher costs seconds each here
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Ledger:
    """Clues in several states and units, built once per test."""

    a_handling: Clue  # 张明, 经商/茶楼, court A, handling (初核), 一般督办
    a_overdue: Clue  # 王强 (officer_a), 赌博, court A, assigned, overdue
    b_near: Clue  # 李华, court B, assigned, near due
    registered: Clue  # free-text 刘某, not assigned
    closed: Clue  # 张明, closed with result 属实 and a 形态2 measure
    about_leader: Clue  # 赵书记 (leader_a), court A, assigned

    def numbers(self, *clues: Clue) -> set[str]:
        return {c.number for c in clues}


def _set(clue: Clue, **fields: Any) -> Clue:
    # test set-up only: place deadlines in the past/near future, which actions refuse on purpose
    Clue.objects.filter(pk=clue.pk).update(**fields)
    clue.refresh_from_db()
    return clue


@pytest.fixture
def ledger(city: City) -> Ledger:
    today = timezone.localdate()
    office = city.office_handler
    a_handling = ct.register(city, received_on=today - dt.timedelta(days=20))
    ct.walk(city, a_handling, Status.HANDLING)
    actions.supervise_clue(office, a_handling, level=SupervisionLevel.GENERAL, reason="进展缓慢")

    a_overdue = ct.register(
        city,
        subject=city.people["officer_a"],
        channel=ct.channel("visit"),
        categories=[ct.category("GJ3")],
        summary="反映城关派出所王强参与赌博",
        content="来访群众反映王强长期在棋牌室参与赌博，数额较大。",
        received_on=today - dt.timedelta(days=40),
    )
    actions.assign_clue(office, a_overdue, unit=city.court_a, handler=city.handler_a)
    _set(a_overdue, deadline=today - dt.timedelta(days=2))

    b_near = ct.register(
        city,
        subject=city.people["judge_b"],
        summary="反映乙县法院李华收受当事人红包",
        content="当事人家属反映李华在审理期间收受红包。",
        categories=[ct.category("GJ1")],
        received_on=today - dt.timedelta(days=10),
    )
    actions.assign_clue(office, b_near, unit=city.court_b, handler=city.handler_b)
    _set(b_near, deadline=deadlines.near_until(today))

    registered = ct.register(
        city,
        subjects=[{"name": "刘某", "unit_text": "某镇司法所", "position": "所长"}],
        summary="反映某镇司法所刘某醉酒驾驶",
        content="有群众看见其酒后驾车。",
        reporting_mode="anonymous",
        reporter=None,
        received_on=today - dt.timedelta(days=1),
    )

    closed = ct.register(
        city,
        summary="反映甲县法院张明违规借贷",
        content="张明向辖区企业主借款二十万元未还。",
        categories=[ct.category("GJ3")],
        received_on=today - dt.timedelta(days=60),
    )
    ct.walk(city, closed, Status.HANDLING)
    for subject in closed.subjects.all():
        actions.record_result(city.handler_a, subject, result="true", note="属实")
        actions.add_measure(city.handler_a, subject, kind=MeasureKind.PARTY_WARNING, decided_on=today)
    actions.submit_closure(city.handler_a, closed, reason="初核完毕")
    actions.approve_closure(city.leader_a, closed, comment="同意")

    about_leader = ct.register(
        city,
        subject=city.people["leader_a"],
        summary="反映甲县赵书记干预司法",
        content="赵书记为亲属案件打招呼。",
        categories=[ct.category("GJ1")],
        received_on=today - dt.timedelta(days=5),
    )
    actions.assign_clue(office, about_leader, unit=city.court_a, handler=city.handler_a)
    return Ledger(a_handling, a_overdue, b_near, registered, closed, about_leader)


def _client(city: City, name: str) -> Client:
    client = Client()
    assert client.login(username=city.users[name].username, password=PASSWORD)
    return client


def _numbers(response: Any) -> set[str]:
    return {c.number for c in response.context["page"].rows}


def _filtered(city: City, user: str = "office_handler", **params: Any) -> set[str]:
    qs = scope(city.users[user], "clues.view", Clue.objects.all())
    return set(filter_ledger(qs, params).values_list("number", flat=True))


# --- filter_ledger (shared with the API) -------------------------------------------------------


def test_it_returns_everything_without_filters(city: City, ledger: Ledger) -> None:
    assert _filtered(city) == ledger.numbers(
        ledger.a_handling,
        ledger.a_overdue,
        ledger.b_near,
        ledger.registered,
        ledger.closed,
        ledger.about_leader,
    )


def test_it_filters_by_unit_subtree_of_handling_unit(city: City, ledger: Ledger) -> None:
    county_a = _filtered(city, unit=city.county_a.pk)
    assert ledger.a_handling.number in county_a and ledger.a_overdue.number in county_a
    assert ledger.b_near.number not in county_a
    # the registered clue is owned by the city, handled by nobody yet
    assert ledger.registered.number not in county_a
    assert _filtered(city, unit=city.court_b.pk) == ledger.numbers(ledger.b_near)
    # the owner unit counts too: the city received everything
    assert len(_filtered(city, unit=city.city.pk)) == 6


def test_it_filters_by_unknown_unit_to_nothing(city: City, ledger: Ledger) -> None:
    assert _filtered(city, unit=999999) == set()


def test_it_filters_by_channel_and_category(city: City, ledger: Ledger) -> None:
    assert _filtered(city, channel=ct.channel("visit").pk) == ledger.numbers(ledger.a_overdue)
    assert _filtered(city, category=ct.category("GJ3").pk) == ledger.numbers(ledger.a_overdue, ledger.closed)
    assert _filtered(city, category=ct.category("GJ1").pk) == ledger.numbers(
        ledger.b_near, ledger.about_leader
    )


def test_it_filters_by_status_one_several_and_open(city: City, ledger: Ledger) -> None:
    assert _filtered(city, status=Status.REGISTERED) == ledger.numbers(ledger.registered)
    assert _filtered(city, status="assigned,handling") == ledger.numbers(
        ledger.a_handling, ledger.a_overdue, ledger.b_near, ledger.about_leader
    )
    assert ledger.closed.number not in _filtered(city, status="open")
    assert ledger.registered.number in _filtered(city, status="open")
    assert _filtered(city, status=Status.CLOSED) == ledger.numbers(ledger.closed)


def test_it_filters_by_disposition_result_and_xingtai(city: City, ledger: Ledger) -> None:
    assert _filtered(city, disposition=Disposition.PRELIMINARY_CHECK) == ledger.numbers(
        ledger.a_handling, ledger.closed
    )
    assert _filtered(city, result="true") == ledger.numbers(ledger.closed)
    assert _filtered(city, result="false") == set()
    assert _filtered(city, xingtai=2) == ledger.numbers(ledger.closed)
    assert _filtered(city, xingtai="1") == set()


def test_it_filters_by_deadline_flag(city: City, ledger: Ledger) -> None:
    assert _filtered(city, flag="overdue") == ledger.numbers(ledger.a_overdue)
    near = _filtered(city, flag="near")
    assert ledger.b_near.number in near and ledger.a_overdue.number not in near


def test_it_filters_by_supervision_and_pending_request(city: City, ledger: Ledger) -> None:
    assert _filtered(city, supervision="general") == ledger.numbers(ledger.a_handling)
    assert _filtered(city, supervision="any") == ledger.numbers(ledger.a_handling)
    assert _filtered(city, supervision="listed") == set()
    actions.propose_disposition(city.handler_a, ledger.a_overdue, disposition="TH", reason="可先函询")
    assert _filtered(city, pending="1") == ledger.numbers(ledger.a_overdue)


def test_it_filters_by_received_and_closed_dates(city: City, ledger: Ledger) -> None:
    today = timezone.localdate()
    recent = _filtered(city, received_from=(today - dt.timedelta(days=7)).isoformat())
    assert recent == ledger.numbers(ledger.registered, ledger.about_leader)
    older = _filtered(city, received_to=today - dt.timedelta(days=30))
    assert older == ledger.numbers(ledger.a_overdue, ledger.closed)
    assert _filtered(city, closed_from=today.isoformat(), closed_to=today) == ledger.numbers(ledger.closed)
    # a tolerated spelling of the same day
    assert _filtered(city, closed_from=f"{today.year}年{today.month}月{today.day}日") == ledger.numbers(
        ledger.closed
    )


def test_it_filters_by_subject_name_or_police_number(city: City, ledger: Ledger) -> None:
    assert _filtered(city, subject="张明") == ledger.numbers(ledger.a_handling, ledger.closed)
    assert _filtered(city, subject="刘某") == ledger.numbers(ledger.registered)
    police_no = city.people["judge_b"].police_no
    assert _filtered(city, subject=police_no) == ledger.numbers(ledger.b_near)
    # a police number must match exactly, not as a fragment
    assert _filtered(city, subject=police_no[:-1]) == set()


def test_it_searches_two_character_terms_and_names(city: City, ledger: Ledger) -> None:
    assert _filtered(city, q="经商") == ledger.numbers(ledger.a_handling)
    assert _filtered(city, q="张明") == ledger.numbers(ledger.a_handling, ledger.closed)
    assert _filtered(city, q="茶楼") == ledger.numbers(ledger.a_handling)
    assert _filtered(city, q="赌博") == ledger.numbers(ledger.a_overdue)
    assert _filtered(city, q="张明 借贷") == ledger.numbers(ledger.closed)
    assert _filtered(city, q="茶馆") == set()


def test_it_combines_filters(city: City, ledger: Ledger) -> None:
    assert _filtered(city, q="张明", status="handling") == ledger.numbers(ledger.a_handling)
    assert _filtered(city, unit=city.court_a.pk, flag="overdue", q="赌博") == ledger.numbers(ledger.a_overdue)
    assert _filtered(city, unit=city.court_b.pk, q="张明") == set()


def test_it_ignores_unreadable_values(city: City, ledger: Ledger) -> None:
    everything = _filtered(city)
    for key, value in [
        ("status", "nonsense"),
        ("disposition", "XX"),
        ("xingtai", "9"),
        ("flag", "late"),
        ("received_from", "not a date"),
        ("channel", "abc"),
    ]:
        assert _filtered(city, **{key: value}) == everything, key


def test_it_sorts_by_whitelisted_keys_only(city: City, ledger: Ledger) -> None:
    qs = scope(city.office_handler, "clues.view", Clue.objects.all())

    def order(sort: str) -> list[str]:
        return list(filter_ledger(qs, {"sort": sort}).values_list("number", flat=True))

    by_received = [
        c.number for c in sorted(Clue.objects.all(), key=lambda c: (c.received_on, c.pk), reverse=True)
    ]
    assert order("-received_on") == by_received
    assert order("received_on") == list(reversed(by_received))
    assert order("number") == sorted(by_received)
    assert order("-number") == sorted(by_received, reverse=True)
    by_deadline = order("deadline")
    assert by_deadline[0] == ledger.a_overdue.number  # earliest deadline first, undated last
    assert by_deadline[-1] == ledger.registered.number
    assert order("-deadline")[-1] == ledger.registered.number
    # a search without a chosen sort lists the latest registered first
    searched = list(filter_ledger(qs, {"q": "张明"}).values_list("pk", flat=True))
    assert searched == sorted(searched, reverse=True) and len(searched) == 2
    # anything else falls back to the default, never to an arbitrary column
    assert order("reporter_cipher") == by_received
    assert order("summary") == by_received


# --- the page ---------------------------------------------------------------------------------


def test_it_lists_clues_with_their_columns(city: City, ledger: Ledger) -> None:
    response = _client(city, "office_handler").get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert ledger.a_handling.number in html
    assert reverse("clues:detail", args=[ledger.a_handling.pk]) in html
    assert "张明" in html and "一般督办" in html
    assert '<span class="badge red">逾期</span>' in html
    assert '<span class="badge yellow">临期</span>' in html
    assert '<span class="badge blue">办理中</span>' in html
    assert "共 <strong>6</strong> 条线索" in html


def test_it_filters_through_the_page_and_keeps_the_filter(city: City, ledger: Ledger) -> None:
    client = _client(city, "office_handler")
    response = client.get(LIST, {"q": "经商"})
    assert _numbers(response) == ledger.numbers(ledger.a_handling)
    assert 'value="经商"' in response.content.decode()
    response = client.get(LIST, {"flag": "overdue", "unit": city.court_a.pk})
    assert _numbers(response) == ledger.numbers(ledger.a_overdue)


def test_it_shows_nothing_for_an_invalid_filter(city: City, ledger: Ledger) -> None:
    client = _client(city, "handler_a")
    # court B is outside handler_a's reach: not a choice, so nothing rather than everything
    response = client.get(LIST, {"unit": city.court_b.pk})
    assert response.status_code == 200
    assert _numbers(response) == set()
    assert "筛选条件有误" in response.content.decode()
    response = client.get(LIST, {"received_from": "2021-13-45"})
    assert _numbers(response) == set()
    assert "不存在" in response.content.decode()


def test_it_returns_only_the_table_to_htmx(city: City, ledger: Ledger) -> None:
    response = _client(city, "office_handler").get(LIST, {"q": "赌博"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="filter-form"' not in html
    assert ledger.a_overdue.number in html and ledger.a_handling.number not in html


def test_it_sorts_by_clickable_headers(city: City, ledger: Ledger) -> None:
    client = _client(city, "office_handler")
    response = client.get(LIST, {"sort": "deadline"})
    rows = response.context["page"].rows
    assert rows[0].number == ledger.a_overdue.number
    html = response.content.decode()
    assert 'aria-sort="ascending"' in html and "sort=-deadline" in html
    response = client.get(LIST, {"sort": "number"})
    numbers = [c.number for c in response.context["page"].rows]
    assert numbers == sorted(numbers)


def test_it_pages(city: City, ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "PAGE_SIZE", 4)
    client = _client(city, "office_handler")
    first = client.get(LIST, {"sort": "number"})
    page = first.context["page"]
    assert len(page.rows) == 4 and page.has_next and page.num_pages == 2
    second = client.get(LIST, {"sort": "number", "page": 2})
    assert len(second.context["page"].rows) == 2 and not second.context["page"].has_next
    assert not {c.number for c in page.rows} & _numbers(second)
    # page numbers past the end show the last page; junk shows the first
    assert client.get(LIST, {"page": 99}).context["page"].number == 2
    assert client.get(LIST, {"page": "x"}).context["page"].number == 1


def test_it_pages_by_twenty_and_counts_to_a_thousand() -> None:
    assert listing.PAGE_SIZE == 20 and listing.PAGE_SIZES == (20, 50, 100)
    assert listing.count_cap() == 1000


def test_the_user_chooses_the_rows_per_page(
    city: City, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "PAGE_SIZES", (2, 4))
    monkeypatch.setattr(ledger_views, "PAGE_SIZES", (2, 4))  # the page's select
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    client = _client(city, "office_handler")
    assert len(client.get(LIST, {"sort": "number"}).context["page"].rows) == 2
    response = client.get(LIST, {"sort": "number", "per_page": "4"})
    page = response.context["page"]
    assert len(page.rows) == 4 and page.per_page == 4 and page.num_pages == 2
    html = response.content.decode()
    assert '<option value="4" selected>4</option>' in html
    assert "per_page=4&amp;page=2" in html  # the next page keeps the choice
    # a size not offered, or junk, is the default
    for junk in ("3", "1000000", "x", "-4"):
        assert client.get(LIST, {"per_page": junk}).context["page"].per_page == 2


def test_it_caps_the_count(
    city: City, ledger: Ledger, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.LIST_COUNT_CAP = 3
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    response = _client(city, "office_handler").get(LIST)
    page = response.context["page"]
    assert page.capped and page.count_label == "3+" and page.num_pages is None and page.has_next
    assert "末页" not in response.content.decode()


def test_its_query_count_does_not_grow_with_rows(
    city: City, ledger: Ledger, django_assert_max_num_queries: Any
) -> None:
    client = _client(city, "office_handler")
    client.get(LIST)  # warm the session and calendar caches
    with django_assert_max_num_queries(16) as few:
        client.get(LIST)
    for i in range(12):
        ct.register(city, summary=f"反映第{i}件事", subjects=[{"name": f"某{i}"}, {"name": f"另{i}"}])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(response.context["page"].rows) == 18


def test_it_escapes_html_in_the_summary(city: City, ledger: Ledger) -> None:
    ct.register(city, summary="<script>alert(1)</script>反映问题", subjects=[{"name": "<b>某</b>"}])
    html = _client(city, "office_handler").get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in html and "<b>某</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- visibility --------------------------------------------------------------------------------


def test_it_shows_the_office_everything(city: City, ledger: Ledger) -> None:
    assert len(_numbers(_client(city, "office_handler").get(LIST))) == 6


def test_it_shows_handler_a_only_court_as_clues(city: City, ledger: Ledger) -> None:
    seen = _numbers(_client(city, "handler_a").get(LIST))
    assert seen == ledger.numbers(ledger.a_handling, ledger.a_overdue, ledger.closed, ledger.about_leader)


def test_it_shows_handler_b_none_of_court_as(city: City, ledger: Ledger) -> None:
    client = _client(city, "handler_b")
    assert _numbers(client.get(LIST)) == ledger.numbers(ledger.b_near)
    assert _numbers(client.get(LIST, {"q": "张明"})) == set()
    assert _numbers(client.get(LIST, {"subject": "张明"})) == set()


@pytest.mark.parametrize("name", ["officer_a", "outsider", "sysadmin", "secadmin", "auditor"])
def test_it_refuses_users_without_clue_access(city: City, ledger: Ledger, name: str) -> None:
    client = _client(city, name)
    assert client.get(LIST).status_code == 403
    assert client.get(LIST, {"q": "张明"}, HTTP_HX_REQUEST="true").status_code == 403


def test_it_asks_anonymous_users_to_sign_in(city: City, ledger: Ledger) -> None:
    response = Client().get(LIST)
    assert response.status_code == 302 and "login" in response["Location"]


def test_it_hides_a_clue_about_the_leader_from_the_leader(city: City, ledger: Ledger) -> None:
    client = _client(city, "leader_a")
    seen = _numbers(client.get(LIST))
    assert ledger.a_handling.number in seen
    assert ledger.about_leader.number not in seen
    assert _numbers(client.get(LIST, {"q": "干预"})) == set()
    assert _numbers(client.get(LIST, {"subject": "赵书记"})) == set()
    # the handler of the same unit does see it
    assert ledger.about_leader.number in _numbers(_client(city, "handler_a").get(LIST, {"q": "干预"}))


def test_it_hides_a_clue_about_the_officer_from_the_officer(city: City, ledger: Ledger) -> None:
    officer = city.officer_a
    RoleAssignment.objects.create(user=officer, role=Role.UNIT_HANDLER, unit=city.county_a)
    forget_grants(officer)
    client = _client(city, "officer_a")
    seen = _numbers(client.get(LIST))
    assert ledger.a_handling.number in seen
    assert ledger.a_overdue.number not in seen
    assert _numbers(client.get(LIST, {"q": "赌博"})) == set()
    assert _numbers(client.get(LIST, {"subject": "王强"})) == set()


def test_it_shows_an_important_clue_only_to_named_viewers(city: City, ledger: Ledger) -> None:
    secret = ct.register(
        city,
        summary="反映甲县法院张明泄露审判秘密",
        sensitivity=Sensitivity.IMPORTANT,
        viewers=[city.leader_a],
    )
    # assigned to the unit without naming a handler: the unit's handler is not a viewer
    actions.assign_clue(city.office_handler, secret, unit=city.court_a)
    assert secret.number in _numbers(_client(city, "office_handler").get(LIST))  # the registrar
    assert secret.number in _numbers(_client(city, "leader_a").get(LIST, {"q": "泄露"}))
    assert _numbers(_client(city, "handler_a").get(LIST, {"q": "泄露"})) == set()
    assert secret.number not in _numbers(_client(city, "handler_a").get(LIST))
    assert _numbers(_client(city, "handler_b").get(LIST, {"q": "泄露"})) == set()
    # naming them (as assigning with a handler does) lets them see it
    actions.name_viewers(
        city.office_handler, secret, users=[city.office_handler, city.leader_a, city.handler_a]
    )
    assert _numbers(_client(city, "handler_a").get(LIST, {"q": "泄露"})) == {secret.number}
