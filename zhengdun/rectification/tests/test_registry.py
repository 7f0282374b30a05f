"""建章立制: the registry per role (scoped by issuing unit; problem numbers only where the viewer may
see the problem), search and filters, bad filter input, a record's page, registering with a
document (checked by content, input kept on error, nothing half-written), editing the linked
problems, and audited downloads that answer 404 to those who may not see the institution.

The problem numbers link to the problem page (rectification:problem); these tests look only at
the link, never at that page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhengdun.audit.models import Entry
from zhengdun.clues.models import Category
from zhengdun.rectification import actions
from zhengdun.rectification.models import Institution, InstitutionDocument
from zhengdun.rectification.tests.helpers import (
    PDF,
    add_inspector,
    fast_passwords,
    make_problem,
    pdf,
    row_counts,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]
_ = fast_passwords  # the fixture, imported for usefixtures

LIST = "/rectification/institutions/"
NEW = "/rectification/institutions/new/"
ADMINS = ["sysadmin", "secadmin", "auditor"]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def register(actor: Any, unit: Any, title: str, problems: list[Any], **extra: Any) -> Institution:
    data = {
        "title": title,
        "doc_number": extra.pop("doc_number", ""),
        "issuing_unit": unit.pk,
        "issued_on": extra.pop("issued_on", "2021-05-10"),
        "scope": extra.pop("scope", "全体干警"),
    }
    return actions.register_institution(actor, data, problems=problems, files=[pdf("制度.pdf")])


@pytest.fixture
def world(city: Any) -> dict[str, Any]:
    """Two problems (甲县法院 GJ1, 乙县法院 GJ3) and four institutions issued at different levels."""
    gj3 = Category.objects.get(code="GJ3").pk
    judge_b = city.people["judge_b"].pk
    problem_a = make_problem(city, title="违规过问案件问题")
    problem_b = make_problem(
        city,
        title="违规参股借贷问题",
        category=gj3,
        responsible_unit=city.court_b.pk,
        responsible_leader=judge_b,
        responsible_person=judge_b,
    )
    return {
        "problem_a": problem_a,
        "problem_b": problem_b,
        "court_a": register(
            city.handler_a,
            city.court_a,
            "过问案件记录报告实施细则",
            [problem_a],
            doc_number="甲法〔2021〕3号",
            issued_on="2021-04-01",
            scope="本院全体干警及聘用人员",
        ),
        "court_b": register(
            city.handler_b,
            city.court_b,
            "干警借贷往来报告办法",
            [problem_b],
            doc_number="乙法〔2021〕7号",
            issued_on="2021-06-15",
            scope="本院法官、审判辅助人员",
        ),
        "county_a": register(
            city.office_handler,
            city.county_a,
            "甲县政法干警廉洁从业规定",
            [problem_a, problem_b],
            doc_number="甲政法〔2021〕1号",
            issued_on="2021-05-20",
            scope="甲县政法各单位",
        ),
        "city": register(
            city.office_handler,
            city.office,
            "全市政法干警经商办企业长效监管机制",
            [problem_b],
            doc_number="XZF〔2021〕27号",
            issued_on="2021-03-05",
            scope="全市政法各单位在职干警",
        ),
    }


def listed(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-institution="(\d+)"', html)}


def ids(world: dict[str, Any], *keys: str) -> set[int]:
    return {world[k].pk for k in keys}


def problem_url(problem: Any) -> str:
    return reverse("rectification:problem", args=[problem.pk])


# --- who sees what ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("office_handler", {"court_a", "court_b", "county_a", "city"}),
        ("inspector", {"court_a", "court_b", "county_a", "city"}),
        ("leader_a", {"court_a", "county_a"}),  # 甲县's subtree
        # issued in reach, or addressing a problem of the user's units (Institution.scope_extra):
        # 甲县's rule addresses court_a's and court_b's problems, the city's rule court_b's
        ("handler_a", {"court_a", "county_a"}),
        ("handler_b", {"court_b", "county_a", "city"}),
    ],
)
def test_the_list_shows_each_role_the_institutions_in_its_reach_or_addressing_its_problems(
    city, world, username, expected
):
    if username == "inspector":
        add_inspector(city)
    response = client_for(city.users[username]).get(LIST)
    assert response.status_code == 200
    assert listed(response.content.decode()) == ids(world, *expected)


@pytest.mark.parametrize("username", ["officer_a", "outsider", *ADMINS])
def test_the_registry_is_closed_to_roles_without_rectification(city, world, username):
    client = client_for(city.users[username])
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{world['court_a'].pk}/").status_code == 404
    assert client.get(NEW).status_code == 403


def test_the_list_shows_the_columns_and_links_each_visible_problem(city, world):
    html = client_for(city.office_handler).get(LIST).content.decode()
    for text in ("制度名称", "文号", "制定单位", "印发日期", "适用范围", "针对问题", "文件"):
        assert f"<th>{text}</th>" in html
    assert "甲法〔2021〕3号" in html and "2021-04-01" in html and "甲县人民法院" in html
    assert f'href="{problem_url(world["problem_a"])}"' in html
    assert f'href="{problem_url(world["problem_b"])}"' in html
    document = world["court_a"].documents.get()
    assert f'href="/rectification/institutions/documents/{document.pk}/"' in html


def test_a_long_scope_is_cut_in_the_list_and_whole_on_hover(city, world):
    long_scope = "全市各级人民法院、人民检察院、公安机关、司法行政机关在编在职干警，以及聘用制书记员和辅警"
    register(city.office_handler, city.office, "长范围制度", [], scope=long_scope)
    html = client_for(city.office_handler).get(LIST, {"q": "长范围"}).content.decode()
    assert f'title="{long_scope}"' in html
    assert f">{long_scope}<" not in html and f">{long_scope[:20]}" in html


def test_a_problem_the_viewer_may_not_see_is_not_named(city, world):
    """甲县's leader sees the county's institution but only the 甲县 problem it addresses."""
    html = client_for(city.leader_a).get(LIST).content.decode()
    assert world["problem_a"].number in html
    assert world["problem_b"].number not in html
    detail = client_for(city.leader_a).get(f"{LIST}{world['county_a'].pk}/").content.decode()
    assert world["problem_a"].number in detail and world["problem_b"].number not in detail
    assert "另有 1 个针对问题不在您的查看范围内" in detail


# --- search and filters ---------------------------------------------------------------------------


SEARCHES = [
    ({"q": "借贷"}, {"court_b"}),  # title
    ({"q": "甲法〔2021〕"}, {"court_a"}),  # 文号
    ({"q": "xzf"}, {"city"}),  # 文号, any case
    ({"q": "审判辅助"}, {"court_b"}),  # 适用范围
    ({"q": "没有这个词"}, set()),
    ({"unit": "county_a"}, {"court_a", "county_a"}),  # a subtree
    ({"unit": "court_b"}, {"court_b"}),
    ({"issued_from": "2021-05-01"}, {"court_b", "county_a"}),
    ({"issued_to": "2021年4月30日"}, {"court_a", "city"}),
    ({"issued_from": "2021-04-01", "issued_to": "2021-05-20"}, {"court_a", "county_a"}),
    ({"category": "GJ3"}, {"court_b", "county_a", "city"}),
    ({"category": "GJ1"}, {"court_a", "county_a"}),
    ({"category": "GJ3", "q": "长效"}, {"city"}),
]


def test_search_and_filters(city, world):
    client = client_for(city.office_handler)
    for query, expected in SEARCHES:  # one seeded world for all of them
        params = dict(query)
        if "unit" in params:
            params["unit"] = getattr(city, params["unit"]).pk
        if "category" in params:
            params["category"] = Category.objects.get(code=params["category"]).pk
        response = client.get(LIST, params)
        assert response.status_code == 200
        assert listed(response.content.decode()) == ids(world, *expected), query


def test_the_category_filter_counts_only_problems_the_viewer_may_see(city, world):
    """The county institution addresses a GJ3 problem of 乙县: 甲县's leader must not find it by GJ3."""
    gj3 = Category.objects.get(code="GJ3").pk
    response = client_for(city.leader_a).get(LIST, {"category": gj3})
    assert listed(response.content.decode()) == set()


def test_htmx_swaps_the_table_alone(city, world):
    response = client_for(city.office_handler).get(LIST, {"q": "借贷"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="filter-form"' not in html
    assert listed(html) == ids(world, "court_b")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"issued_from": "2021-13-45"}, "印发日期自"),
        ({"issued_from": "2021-06-01", "issued_to": "2021-05-01"}, "印发日期的结束日期不能早于开始日期"),
        ({"category": "999999"}, "所选问题类别不存在"),
    ],
)
def test_bad_filter_input_is_named_and_kept(city, world, params, message):
    response = client_for(city.office_handler).get(LIST, params)
    html = response.content.decode()
    assert response.status_code == 200
    assert "筛选条件有误" in html and message in html
    assert listed(html) == set()
    for value in params.values():
        assert f'value="{value}"' in html or f'value="{value}" selected' in html or value == "999999"


def test_a_unit_outside_the_viewers_reach_is_refused_as_a_filter(city, world):
    response = client_for(city.handler_a).get(LIST, {"unit": city.court_b.pk})
    html = response.content.decode()
    assert "所选单位不在您的查看范围内" in html and listed(html) == set()


def test_paging(city, world, settings):
    for i in range(21):
        register(city.office_handler, city.office, f"批量制度{i:02d}", [])
    client = client_for(city.office_handler)
    first = listed(client.get(LIST).content.decode())
    second = listed(client.get(LIST, {"page": 2}).content.decode())
    assert len(first) == 20 and len(second) == 5 and not first & second
    assert len(listed(client.get(LIST, {"per_page": 50}).content.decode())) == 25


# --- a record's page ---------------------------------------------------------------------------------


def test_the_detail_page_shows_the_record_its_documents_and_problems_with_status(city, world):
    institution = world["county_a"]
    html = client_for(city.office_handler).get(f"{LIST}{institution.pk}/").content.decode()
    assert "甲县政法干警廉洁从业规定" in html and "甲政法〔2021〕1号" in html and "甲县政法各单位" in html
    assert institution.documents.get().original_name in html
    assert f'href="{problem_url(world["problem_a"])}"' in html
    assert 'data-status="not_started"' in html and "未启动" in html
    assert "修改针对问题" in html


@pytest.mark.parametrize(("username", "status"), [("handler_b", 404), ("handler_a", 200), ("leader_a", 200)])
def test_the_detail_page_answers_404_out_of_reach(city, world, username, status):
    assert client_for(city.users[username]).get(f"{LIST}{world['court_a'].pk}/").status_code == status


def test_viewers_without_the_right_get_no_edit_form(city, world):
    html = client_for(city.leader_a).get(f"{LIST}{world['court_a'].pk}/").content.decode()
    assert "修改针对问题" not in html


# --- downloads -----------------------------------------------------------------------------------------


def test_a_download_is_served_and_audited(city, world):
    document = world["court_a"].documents.get()
    before = Entry.objects.filter(action="rectification.document_downloaded").count()
    response = client_for(city.handler_a).get(f"/rectification/institutions/documents/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    entry = Entry.objects.filter(action="rectification.document_downloaded").latest("id")
    assert Entry.objects.filter(action="rectification.document_downloaded").count() == before + 1
    assert entry.actor_id == city.handler_a.pk and entry.data["attachment"] == document.pk


@pytest.mark.parametrize("username", ["handler_b", "officer_a", "outsider", "auditor"])
def test_a_download_out_of_reach_is_404_and_not_audited(city, world, username):
    document = world["court_a"].documents.get()
    before = Entry.objects.filter(action="rectification.document_downloaded").count()
    response = client_for(city.users[username]).get(f"/rectification/institutions/documents/{document.pk}/")
    assert response.status_code == 404
    assert Entry.objects.filter(action="rectification.document_downloaded").count() == before


def test_a_missing_document_is_404(city, world):
    assert (
        client_for(city.office_handler).get("/rectification/institutions/documents/999999/").status_code
        == 404
    )


# --- registering -----------------------------------------------------------------------------------------


def form_data(city: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "title": "“三个规定”记录报告工作细则",
        "doc_number": "甲法〔2021〕9号",
        "issuing_unit": city.court_a.pk,
        "issued_on": "2021年5月6日",
        "scope": "本院全体干警",
        "files": [pdf("细则.pdf")],
    }
    data.update(overrides)
    return data


def test_registering_an_institution_links_its_problems_and_stores_the_document(city, world):
    problem = world["problem_a"]
    response = client_for(city.handler_a).post(NEW, form_data(city, problems=[problem.pk]))
    institution = Institution.objects.get(title="“三个规定”记录报告工作细则")
    assert response.status_code == 302 and response["Location"] == f"{LIST}{institution.pk}/"
    assert institution.issued_on == dt.date(2021, 5, 6) and institution.created_by == city.handler_a
    assert list(institution.problems.all()) == [problem]
    document = institution.documents.get()
    assert document.original_name == "细则.pdf" and document.content_type == "application/pdf"
    assert Entry.objects.filter(action="rectification.institution_registered").exists()


def test_the_form_comes_prefilled_from_a_problem_page(city, world):
    problem = world["problem_a"]
    html = client_for(city.handler_a).get(NEW, {"problem": problem.pk}).content.decode()
    assert f'<option value="{problem.pk}" selected>' in html
    assert f'<option value="{city.court_a.pk}" selected>' in html
    assert 'enctype="multipart/form-data"' in html and "csrfmiddlewaretoken" in html


def test_a_prefill_with_a_problem_out_of_reach_is_ignored(city, world):
    hidden = world["problem_b"]
    html = client_for(city.handler_a).get(NEW, {"problem": hidden.pk}).content.decode()
    assert hidden.number not in html
    assert client_for(city.handler_a).get(NEW, {"problem": "abc"}).status_code == 200


def test_the_issuing_unit_and_problem_choices_are_scoped(city, world):
    html = client_for(city.handler_a).get(NEW).content.decode()
    assert f'value="{city.court_a.pk}"' in html and f'value="{city.court_b.pk}"' not in html
    assert world["problem_a"].number in html and world["problem_b"].number not in html


@pytest.mark.parametrize("username", ["leader_a", "officer_a", "outsider", "sysadmin"])
def test_only_staff_with_the_right_may_register(city, world, username):
    client = client_for(city.users[username])
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data(city)).status_code == 403
    assert not Institution.objects.filter(title="“三个规定”记录报告工作细则").exists()


BAD_INPUT = [
    ({"title": "  "}, "请填写制度名称"),
    ({"scope": ""}, "请填写适用范围"),
    ({"issued_on": "2021.13.40"}, "印发日期"),
    ({"issued_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, "印发日期不能晚于今天"),
    ({"issuing_unit": ""}, "制定单位须是您有权管理的单位"),
    ({"files": []}, "请上传制度文件"),
    ({"files": [("伪装.pdf", b"MZ\x90\x00 not a pdf at all")]}, "附件内容与扩展名"),
    ({"files": [("脚本.exe", b"MZ\x90\x00")]}, "不支持的附件类型"),
    ({"doc_number": "号" * 61}, "文号不能超过60个字"),
]


def test_bad_input_is_named_kept_and_writes_nothing(city, world):
    client = client_for(city.handler_a)
    before = row_counts()
    for overrides, field_message in BAD_INPUT:
        if overrides.get("files"):  # an upload is read once: a fresh one for each post
            overrides = {"files": [upload(name, content) for name, content in overrides["files"]]}
        response = client.post(NEW, form_data(city, **overrides))
        html = response.content.decode()
        assert response.status_code == 200, overrides
        assert field_message in html and "未登记" in html, overrides
        if "title" not in overrides:
            assert 'value="“三个规定”记录报告工作细则"' in html
        if "scope" not in overrides:
            assert "本院全体干警</textarea>" in html
    assert row_counts() == before


def test_several_mistakes_are_shown_at_once(city, world):
    response = client_for(city.handler_a).post(NEW, form_data(city, title="", scope="", files=[]))
    html = response.content.decode()
    assert "请填写制度名称" in html and "请填写适用范围" in html and "请上传制度文件" in html


def test_a_unit_or_problem_out_of_reach_is_refused(city, world):
    before = row_counts()
    client = client_for(city.handler_a)
    html = client.post(NEW, form_data(city, issuing_unit=city.court_b.pk)).content.decode()
    assert "制定单位须是您有权管理的单位" in html
    html = client.post(NEW, form_data(city, problems=[world["problem_b"].pk])).content.decode()
    assert "所选问题中有您无权查看的问题" in html
    assert row_counts() == before


def test_html_in_a_field_is_rendered_inert(city, world):
    payload = "<script>alert(1)</script>制度"
    client = client_for(city.handler_a)
    client.post(NEW, form_data(city, title=payload, scope=payload))
    institution = Institution.objects.get(title=payload)
    for url in (LIST, f"{LIST}{institution.pk}/"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_posts_need_the_csrf_token(city, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(city.handler_a)
    assert client.post(NEW, form_data(city)).status_code == 403
    link = f"{LIST}{world['court_a'].pk}/problems/"
    assert client.post(link, {"problems": []}).status_code == 403


# --- editing the linked problems ------------------------------------------------------------------------


def test_staff_of_the_issuing_unit_change_the_linked_problems(city, world):
    institution = world["court_a"]
    response = client_for(city.handler_a).post(f"{LIST}{institution.pk}/problems/", {"problems": []})
    assert response.status_code == 302
    assert not institution.problems.exists()
    assert Entry.objects.filter(action="rectification.institution_linked").exists()
    client_for(city.office_handler).post(
        f"{LIST}{institution.pk}/problems/", {"problems": [world["problem_a"].pk, world["problem_b"].pk]}
    )
    assert set(institution.problems.all()) == {world["problem_a"], world["problem_b"]}


def test_links_to_problems_the_editor_cannot_see_stay(city, world):
    """甲县法院's staff edit an institution of their court that also addresses a 乙县 problem."""
    institution = register(
        city.office_handler, city.court_a, "跨县联合制度", [world["problem_a"], world["problem_b"]]
    )
    client_for(city.handler_a).post(f"{LIST}{institution.pk}/problems/", {"problems": []})
    assert list(institution.problems.all()) == [world["problem_b"]]


@pytest.mark.parametrize(("username", "status"), [("leader_a", 403), ("handler_b", 404), ("outsider", 404)])
def test_others_may_not_change_the_links(city, world, username, status):
    institution = world["court_a"]
    response = client_for(city.users[username]).post(f"{LIST}{institution.pk}/problems/", {"problems": []})
    assert response.status_code == status
    assert list(institution.problems.all()) == [world["problem_a"]]


def test_linking_a_problem_out_of_reach_is_refused_with_the_form_kept(city, world):
    institution = world["court_a"]
    response = client_for(city.handler_a).post(
        f"{LIST}{institution.pk}/problems/", {"problems": [world["problem_a"].pk, world["problem_b"].pk]}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "所选问题中有您无权查看的问题" in html
    assert '<details class="zg-form-box no-print" open>' in html
    assert list(institution.problems.all()) == [world["problem_a"]]


def test_the_link_page_takes_posts_only(city, world):
    url = f"{LIST}{world['court_a'].pk}/problems/"
    assert client_for(city.handler_a).get(url).status_code == 405


def test_documents_are_stored_by_hash_not_by_name(city, world):
    document = InstitutionDocument.objects.get(institution=world["court_a"])
    assert document.sha256 in document.file.name and "制度" not in document.file.name


# --- export ----------------------------------------------------------------------------------------


def _exported_titles(response: Any) -> list[str]:
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "制度名称"
    return sorted(r[0] for r in rows[1:])


def test_the_export_holds_exactly_the_filtered_rows_the_user_may_see_and_is_audited(city, world):
    from zhengdun.audit.models import Entry

    url = reverse("rectification:institutions_export")
    response = client_for(city.users["handler_a"]).get(url)
    assert response.status_code == 200
    expected = sorted(world[k].title for k in ("court_a", "county_a"))
    assert _exported_titles(response) == expected
    office = client_for(city.users["office_handler"])
    searched = office.get(url, {"q": "经商办企业"})
    assert _exported_titles(searched) == [world["city"].title]
    entry = Entry.objects.filter(action="rectification.institutions_exported").latest("seq")
    assert entry.data == {"filters": {"q": "经商办企业"}, "rows": 1}
    assert client_for(city.users["officer_a"]).get(url).status_code == 403
