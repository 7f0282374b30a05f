"""The audit log pages: only 审计管理员 reads them; filters, paging, detail, the chain check."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhengdun.audit import chain as chain_mod
from zhengdun.audit.chain import record
from zhengdun.audit.models import Entry
from zhengdun.audit.tests.conftest import make_chain, raw_update

LIST = reverse("audit:entry_list")
VERIFY = reverse("audit:verify")
NOT_AUDITORS = [
    "office_handler",
    "leader_a",
    "handler_a",
    "handler_b",
    "officer_a",
    "outsider",
    "sysadmin",
    "secadmin",
]


def _rec(actor, action, obj=None, data=None, **kw):
    with transaction.atomic():
        return record(actor, action, obj, data, **kw)


@pytest.fixture
def auditor_client(client, city):
    client.force_login(city.auditor)
    return client


def _seqs(response) -> list[int]:
    return [e.seq for e in response.context["page"]["rows"]]


# --- who may look --------------------------------------------------------------------------


def test_it_lets_the_auditor_in(auditor_client, city):
    entry = _rec(
        city.office_handler,
        "person.changed",
        city.people["judge_a"],
        {"changes": {"position": ["科员", "副庭长"]}},
    )
    assert auditor_client.get(LIST).status_code == 200
    assert auditor_client.get(reverse("audit:entry_detail", args=[entry.seq])).status_code == 200


@pytest.mark.parametrize("who", NOT_AUDITORS)
def test_it_refuses_everyone_else(client, city, who):
    entry = _rec(None, "test.event")
    client.force_login(city.users[who])
    before = Entry.objects.count()
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("audit:entry_detail", args=[entry.seq])).status_code == 403
    assert client.post(VERIFY).status_code == 403
    assert Entry.objects.count() == before  # a refused look is not a search


def test_it_sends_anonymous_visitors_to_login(client, city):
    entry = _rec(None, "test.event")
    for url in (LIST, reverse("audit:entry_detail", args=[entry.seq])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert client.post(VERIFY).status_code == 302


def test_it_offers_no_way_to_change_an_entry(auditor_client, city):
    entry = _rec(None, "test.event")
    url = reverse("audit:entry_detail", args=[entry.seq])
    for method in ("post", "put", "patch", "delete"):
        assert getattr(auditor_client, method)(url).status_code == 405
    assert auditor_client.post(LIST).status_code == 405
    for method in ("put", "patch", "delete"):
        assert getattr(auditor_client, method)(VERIFY).status_code == 405


def test_it_answers_404_for_a_missing_entry(auditor_client):
    assert auditor_client.get(reverse("audit:entry_detail", args=[999999])).status_code == 404


# --- filters -------------------------------------------------------------------------------


@pytest.fixture
def varied(city, monkeypatch):
    judge = city.people["judge_a"]
    changed = _rec(
        city.office_handler, "person.changed", judge, {"changes": {"position": ["科员", "副庭长"]}}
    )
    failed = _rec(
        None, "auth.login_failed", None, {"username": "handler_a"}, success=False, actor_name="handler_a"
    )
    then = dt.datetime(2021, 6, 2, 23, 30, tzinfo=timezone.get_current_timezone())
    monkeypatch.setattr(chain_mod.timezone, "now", lambda: then)
    old = _rec(city.sysadmin, "user.created", city.outsider, {"after": {"username": "outsider"}})
    monkeypatch.undo()
    return {"changed": changed, "failed": failed, "old": old}


def test_it_filters_by_user(auditor_client, varied):
    assert _seqs(auditor_client.get(LIST, {"user": "HANDLER"})) == [varied["failed"].seq]


def test_it_filters_by_action(auditor_client, varied):
    response = auditor_client.get(LIST, {"action": "person.changed"})
    assert _seqs(response) == [varied["changed"].seq]
    choices = dict(response.context["form"].fields["action"].choices)
    assert {"person.changed", "auth.login_failed", "user.created", "unit.created"} <= set(choices)
    assert "修改干警信息" in choices["person.changed"]


def test_it_filters_by_object(auditor_client, varied, city):
    response = auditor_client.get(LIST, {"object_type": "accounts.user", "object_id": str(city.outsider.pk)})
    assert _seqs(response) == [varied["old"].seq]
    response = auditor_client.get(LIST, {"object_type": "org.person"})
    seqs = _seqs(response)
    assert varied["changed"].seq in seqs
    assert all(e.object_type == "org.person" for e in response.context["page"]["rows"])


def test_it_filters_by_result(auditor_client, varied):
    assert _seqs(auditor_client.get(LIST, {"success": "0"})) == [varied["failed"].seq]
    assert varied["failed"].seq not in _seqs(auditor_client.get(LIST, {"success": "1"}))


def test_it_filters_by_local_date(auditor_client, varied):
    # 23:30 in Asia/Shanghai is still 2 June there, though 15:30 UTC
    one_day = {"date_from": "2021-06-02", "date_to": "2021-06-02"}
    assert _seqs(auditor_client.get(LIST, one_day)) == [varied["old"].seq]
    assert _seqs(auditor_client.get(LIST, {"date_from": "2021年6月3日", "date_to": "2021.6.3"})) == []
    assert varied["old"].seq not in _seqs(auditor_client.get(LIST, {"date_from": "2021-06-03"}))


def test_it_explains_a_bad_filter_and_keeps_the_input(auditor_client, varied):
    before = Entry.objects.count()
    response = auditor_client.get(LIST, {"date_from": "2021-13-40", "user": "<b>x</b>"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "起始日期：日期格式应为 2021-06-02" in text
    assert 'value="2021-13-40"' in text
    assert "&lt;b&gt;x&lt;/b&gt;" in text
    assert response.context["page"] is None
    response = auditor_client.get(LIST, {"date_from": "2021-06-03", "date_to": "2021-06-02"})
    assert "截止日期：截止日期不能早于起始日期" in response.content.decode()
    response = auditor_client.get(LIST, {"action": "no.such_code"})
    assert "操作：所选操作不在日志中出现过的范围内" in response.content.decode()
    assert Entry.objects.count() == before  # nothing searched, nothing audited


# --- paging --------------------------------------------------------------------------------


def test_it_pages_newest_first_with_a_cursor_and_no_count(auditor_client, city):
    make_chain(120)
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        first = auditor_client.get(LIST)
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    top = Entry.objects.order_by("-seq").first().seq  # the search itself is the newest entry
    assert _seqs(first) == list(range(top, top - 50, -1))
    page = first.context["page"]
    assert page["newer"] is None and page["older"] == top - 49
    assert f"before={top - 49}" in first.content.decode()

    second = auditor_client.get(LIST, {"before": page["older"]})
    assert _seqs(second) == list(range(top - 50, top - 100, -1))
    assert second.context["page"]["newer"] == top - 50

    back = auditor_client.get(LIST, {"after": second.context["page"]["newer"]})
    assert _seqs(back) == _seqs(first)
    assert back.context["page"]["newer"] is None

    last = auditor_client.get(LIST, {"before": 3})
    assert _seqs(last) == [2, 1]
    assert last.context["page"]["older"] is None
    assert Entry.objects.order_by("-seq").first().seq == top  # paging is not a new search


def test_it_keeps_filters_across_pages(auditor_client, city):
    for _ in range(55):
        _rec(city.office_handler, "person.changed", city.people["judge_a"], {"changes": {}})
    first = auditor_client.get(LIST, {"action": "person.changed"})
    assert len(_seqs(first)) == 50
    assert "action=person.changed&amp;before=" in first.content.decode()
    second = auditor_client.get(LIST, {"action": "person.changed", "before": first.context["page"]["older"]})
    assert len(_seqs(second)) == 5
    assert all(e.action == "person.changed" for e in second.context["page"]["rows"])


# --- the auditor's own actions are audited -------------------------------------------------


def test_it_audits_each_search(auditor_client, city):
    auditor_client.get(LIST, {"action": "unit.created", "user": "office"})
    entry = Entry.objects.order_by("-seq").first()
    assert entry.action == "audit.viewed"
    assert entry.actor_id == city.auditor.pk
    assert entry.data == {"filters": {"action": "unit.created", "user": "office"}}
    assert entry.ip == "127.0.0.1"


# --- detail --------------------------------------------------------------------------------


def test_it_shows_an_entry_with_its_chain_links(auditor_client, city):
    entry = _rec(
        city.office_handler,
        "person.changed",
        city.people["judge_a"],
        {"changes": {"position": ["科员", "副庭长"]}},
    )
    text = auditor_client.get(reverse("audit:entry_detail", args=[entry.seq])).content.decode()
    assert "修改干警信息" in text
    assert "副庭长" in text
    assert entry.hash in text and entry.prev_hash in text
    assert "内容与哈希相符" in text
    assert text.count(">一致<") == 2


def test_it_flags_an_altered_entry_on_its_page(auditor_client, city):
    entry = _rec(None, "test.event", None, {"x": 1})
    raw_update(entry.seq, "object_repr", "换过的")
    text = auditor_client.get(reverse("audit:entry_detail", args=[entry.seq])).content.decode()
    assert "内容与哈希不符" in text


def test_it_renders_html_in_entries_inert(auditor_client, city):
    evil = "<script>alert(1)</script>"
    entry = _rec(
        city.office_handler,
        "person.changed",
        None,
        {"before": {"name": evil}, "after": {"name": "x"}, "changes": {"name": [evil, "x"]}},
        object_type="org.person",
        actor_name=evil,
    )
    for response in (
        auditor_client.get(reverse("audit:entry_detail", args=[entry.seq])),
        auditor_client.get(LIST, {"action": "person.changed"}),
    ):
        text = response.content.decode()
        assert evil not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
