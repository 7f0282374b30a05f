"""工期模板 configuration: only the office (rectification.configure) may see or change it; a
template's steps, name and category are edited with rows added and removed (also without
JavaScript); bad input is named beside its field with everything kept and nothing saved; a
stale version is a conflict, not a lost update."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from zhengdun.audit.models import Entry
from zhengdun.clues.models import Category
from zhengdun.rectification import actions
from zhengdun.rectification.models import MilestoneTemplate, TemplateStep
from zhengdun.rectification.tests.helpers import add_inspector, fast_passwords, row_counts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]
_ = fast_passwords

LIST = "/rectification/templates/"
NEW = "/rectification/templates/new/"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def default() -> MilestoneTemplate:
    return MilestoneTemplate.objects.get(category__isnull=True)


def steps_of(template: MilestoneTemplate) -> list[tuple[str, int]]:
    return list(
        TemplateStep.objects.filter(template=template).order_by("position").values_list("name", "workdays")
    )


def post_data(
    template: MilestoneTemplate | None, rows: list[tuple[str, str]], **extra: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": template.name if template else "新模板",
        "category": (template.category_id or "") if template else "",
        "version": template.version if template else "",
        "step_name": [n for n, _ in rows],
        "step_days": [d for _, d in rows],
        "op": "save",
    }
    data.update(extra)
    return data


# --- who may -----------------------------------------------------------------------------------------


def test_the_office_sees_every_template_with_its_steps_and_total(city):
    html = client_for(city.office_handler).get(LIST).content.decode()
    assert (
        "通用整改模板" in html
        and "减刑假释暂予监外执行整改模板" in html
        and "有案不立压案不查整改模板" in html
    )
    assert 'data-total="70"' in html and 'data-total="120"' in html and 'data-total="85"' in html
    assert '制定方案 <span class="days">10天</span>' in html
    # categories still on the default template, each with a way to give it its own
    gj1 = Category.objects.get(code="GJ1")
    assert f"{NEW}?category={gj1.pk}" in html


@pytest.mark.parametrize(
    "username",
    ["leader_a", "handler_a", "handler_b", "officer_a", "outsider", "sysadmin", "secadmin", "auditor"],
)
def test_everyone_else_is_refused(city, username):
    client = client_for(city.users[username])
    template = default()
    before = steps_of(template)
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.get(f"{LIST}{template.pk}/").status_code == 403
    assert client.post(f"{LIST}{template.pk}/", post_data(template, [("一步到位", "5")])).status_code == 403
    assert (
        client.post(
            NEW, post_data(None, [("一步到位", "5")], category=Category.objects.get(code="GJ1").pk)
        ).status_code
        == 403
    )
    assert steps_of(template) == before and MilestoneTemplate.objects.count() == 3


def test_an_inspector_is_refused_too(city):
    assert client_for(add_inspector(city)).get(LIST).status_code == 403


def test_a_missing_template_is_404(city):
    assert client_for(city.office_handler).get(f"{LIST}999999/").status_code == 404


# --- editing --------------------------------------------------------------------------------------------


def test_the_edit_page_shows_the_rows_and_the_version(city):
    template = default()
    html = client_for(city.office_handler).get(f"{LIST}{template.pk}/").content.decode()
    assert html.count('name="step_name"') == 4 + 1  # four rows and the blank row's pattern
    assert 'value="集中整治"' in html and 'value="40"' in html
    assert f'name="version" value="{template.version}"' in html
    assert "csrfmiddlewaretoken" in html


def test_saving_changes_the_steps_name_and_audits(city):
    template = default()
    rows = [("制定方案", "5"), ("集中整治", "45"), ("回头看", "10")]
    client = client_for(city.office_handler)
    response = client.post(f"{LIST}{template.pk}/", post_data(template, rows, name="通用模板（2021年修订）"))
    assert response.status_code == 302 and response["Location"] == LIST
    template.refresh_from_db()
    assert template.name == "通用模板（2021年修订）" and template.version == 2
    assert steps_of(template) == [("制定方案", 5), ("集中整治", 45), ("回头看", 10)]
    assert Entry.objects.filter(action="rectification.template_saved").exists()
    html = client.get(LIST).content.decode()
    assert 'data-total="60"' in html and "已保存工期模板" in html


def test_blank_rows_are_skipped(city):
    template = default()
    rows = [("制定方案", "5"), ("", ""), ("验收评估", "10")]
    client_for(city.office_handler).post(f"{LIST}{template.pk}/", post_data(template, rows))
    assert steps_of(template) == [("制定方案", 5), ("验收评估", 10)]


def test_the_category_can_be_changed_to_one_without_a_template(city):
    template = MilestoneTemplate.objects.get(category__code="GJ5")
    gj1 = Category.objects.get(code="GJ1")
    rows = [(s.name, str(s.workdays)) for s in template.steps.all()]
    client_for(city.office_handler).post(f"{LIST}{template.pk}/", post_data(template, rows, category=gj1.pk))
    template.refresh_from_db()
    assert template.category == gj1


@pytest.mark.parametrize(
    ("rows", "message", "marked"),
    [
        (
            [("制定方案", "0"), ("集中整治", "40")],
            "第1个节点“制定方案”的工期（工作日）须为1到250之间的整数",
            0,
        ),
        (
            [("制定方案", "10"), ("集中整治", "十天")],
            "第2个节点“集中整治”的工期（工作日）须为1到250之间的整数",
            1,
        ),
        ([("制定方案", "10"), ("", "40")], "第2个节点：请填写节点名称", 1),
        ([("制定方案", "251")], "须为1到250之间的整数", 0),
        ([("", "")], "工期模板至少需要一个节点", None),
        ([(f"节点{i}", "5") for i in range(21)], "工期模板最多20个节点", None),
    ],
)
def test_bad_steps_are_named_beside_the_steps_and_kept(city, rows, message, marked):
    template = default()
    before = row_counts()
    response = client_for(city.office_handler).post(f"{LIST}{template.pk}/", post_data(template, rows))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html and "未保存" in html
    assert html.count('name="step_name"') == len(rows) + 1
    for name, _days in rows:
        if name:
            assert f'value="{name}"' in html
    if marked is not None:
        assert html.count("step-row row-error") == 1
        row_html = html.split('<tr class="step-row')[marked + 1]
        assert row_html.startswith(" row-error")
    assert row_counts() == before
    template.refresh_from_db()
    assert template.version == 1


def test_a_blank_name_and_bad_steps_are_shown_together(city):
    template = default()
    response = client_for(city.office_handler).post(
        f"{LIST}{template.pk}/", post_data(template, [("制定方案", "0")], name="  ")
    )
    html = response.content.decode()
    assert "请填写模板名称" in html and "须为1到250之间的整数" in html
    assert default().name == "通用整改模板"


def test_a_second_template_for_a_category_is_refused_on_the_category(city):
    gj4 = Category.objects.get(code="GJ4")
    before = row_counts()
    response = client_for(city.office_handler).post(
        NEW, post_data(None, [("制定方案", "10")], name="又一个减刑假释模板", category=gj4.pk)
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "已有工期模板，请修改原模板" in html
    assert 'value="又一个减刑假释模板"' in html
    assert row_counts() == before


def test_a_second_default_template_is_refused(city):
    response = client_for(city.office_handler).post(NEW, post_data(None, [("制定方案", "10")], category=""))
    assert "“默认”已有工期模板" in response.content.decode()
    assert MilestoneTemplate.objects.filter(category__isnull=True).count() == 1


def test_an_unknown_category_is_refused(city):
    response = client_for(city.office_handler).post(
        NEW, post_data(None, [("制定方案", "10")], category="999999")
    )
    assert "所选问题类别不存在或已停用" in response.content.decode()
    assert MilestoneTemplate.objects.count() == 3


def test_a_stale_version_is_a_conflict_with_the_input_kept(city):
    template = default()
    stale = template.version
    actions.save_template(
        city.office_handler,
        template,
        name="他人修改",
        category=None,
        steps=[("制定方案", "7")],
        version=stale,
    )
    response = client_for(city.office_handler).post(
        f"{LIST}{template.pk}/", post_data(template, [("我的节点", "9")], name="我的修改", version=stale)
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert actions.TEMPLATE_CONFLICT in html
    assert 'value="我的修改"' in html and 'value="我的节点"' in html
    template.refresh_from_db()
    assert template.name == "他人修改" and steps_of(template) == [("制定方案", 7)]


def test_rows_are_added_and_removed_without_javascript(city):
    template = default()
    client = client_for(city.office_handler)
    rows = [("制定方案", "10"), ("集中整治", "40")]
    added = client.post(f"{LIST}{template.pk}/", post_data(template, rows, op="add")).content.decode()
    assert added.count('name="step_name"') == 3 + 1 and "未保存" not in added
    removed = client.post(f"{LIST}{template.pk}/", post_data(template, rows, op="remove:0")).content.decode()
    assert removed.count('name="step_name"') == 1 + 1 and 'value="制定方案"' not in removed
    assert steps_of(template) == [("制定方案", 10), ("集中整治", 40), ("验收评估", 10), ("建章立制", 10)]


def test_enter_in_a_field_saves_rather_than_deletes_a_row(city):
    """The first submit button of the form is a hidden 保存: a browser presses it on Enter."""
    html = client_for(city.office_handler).get(f"{LIST}{default().pk}/").content.decode()
    form = html.split('class="panel rx-template-form"', 1)[1]
    first_button = form.split("<button", 1)[1]
    assert 'name="op" value="save"' in first_button.split(">", 1)[0]


# --- a new template for a category that has none --------------------------------------------------------


def test_a_new_template_for_a_category_starts_from_the_steps_it_uses_now(city):
    gj1 = Category.objects.get(code="GJ1")
    html = client_for(city.office_handler).get(NEW, {"category": gj1.pk}).content.decode()
    assert f'<option value="{gj1.pk}" selected>' in html
    assert 'value="集中整治"' in html and html.count('name="step_name"') == 4 + 1


def test_creating_a_template_for_a_category(city):
    gj1 = Category.objects.get(code="GJ1")
    rows = [("制定方案", "5"), ("专项排查", "20"), ("验收评估", "5")]
    response = client_for(city.office_handler).post(
        NEW, post_data(None, rows, name="三个规定整改模板", category=gj1.pk)
    )
    assert response.status_code == 302
    template = MilestoneTemplate.objects.get(category=gj1)
    assert template.name == "三个规定整改模板" and steps_of(template) == [
        ("制定方案", 5),
        ("专项排查", 20),
        ("验收评估", 5),
    ]
    assert actions.template_for(gj1) == template
    html = client_for(city.office_handler).get(LIST).content.decode()
    assert f"{NEW}?category={gj1.pk}" not in html and 'data-total="30"' in html


def test_the_new_page_marks_categories_that_already_have_one(city):
    html = client_for(city.office_handler).get(NEW).content.decode()
    assert "——已有“减刑假释暂予监外执行整改模板”" in html
