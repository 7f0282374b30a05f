"""Campaigns (教育整顿): their window and stages, one active at a time, who may set them up, and
the settings pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhengdun.audit.models import Entry
from zhengdun.core.errors import ConflictError
from zhengdun.selfreports import actions
from zhengdun.selfreports.models import Campaign, CampaignStage, SelfReport, WindowState
from zhengdun.selfreports.tests.helpers import (
    campaign_fixture,  # noqa: F401 - fixture "campaign"
    client_for,
    fast_passwords,  # noqa: F401 - autouse fixture
    file,
    item,
    open_campaign,
)

pytestmark = pytest.mark.django_db


def test_it_creates_a_campaign_with_its_window_and_audits_it(city):
    opens = timezone.make_aware(dt.datetime(2021, 3, 15, 8, 0))
    closes = timezone.make_aware(dt.datetime(2021, 4, 30, 18, 0))
    made = actions.create_campaign(
        city.office_handler,
        name=" 2021年全市政法队伍教育整顿 ",
        unit=city.city,
        report_opens_at=opens,
        report_closes_at=closes,
    )
    assert (made.name, made.is_active, made.report_opens_at, made.report_closes_at) == (
        "2021年全市政法队伍教育整顿",
        False,
        opens,
        closes,
    )
    entry = Entry.objects.get(action="campaign.created")
    assert entry.object_id == str(made.pk) and entry.data["name"] == made.name


@pytest.mark.parametrize(
    "username", ["leader_a", "handler_a", "officer_a", "outsider", "sysadmin", "secadmin", "auditor"]
)
def test_only_the_office_sets_up_campaigns(city, username):
    now = timezone.now()
    with pytest.raises(PermissionDenied):
        actions.create_campaign(
            city.users[username],
            name="某次教育整顿",
            unit=city.county_a,
            report_opens_at=now,
            report_closes_at=now + dt.timedelta(days=1),
        )
    assert not Campaign.objects.exists()


def test_it_refuses_a_window_that_closes_before_it_opens(city):
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        actions.create_campaign(
            city.office_handler, name="某次", unit=city.city, report_opens_at=now, report_closes_at=now
        )
    assert refused.value.message_dict["report_closes_at"] == ["自查报告截止时间须晚于开始时间"]
    with pytest.raises(ValidationError) as refused:
        actions.create_campaign(
            city.office_handler, name="  ", unit=city.city, report_opens_at=now, report_closes_at=None
        )
    assert set(refused.value.message_dict) == {"name", "report_closes_at"}
    assert not Campaign.objects.exists()


def test_the_window_state_turns_at_its_edges(city):
    opens = timezone.now()
    closes = opens + dt.timedelta(days=1)
    made = open_campaign(city, opens=opens, closes=closes, activate=False)
    second = dt.timedelta(seconds=1)
    assert made.window_state(opens - second) == WindowState.NOT_OPEN
    assert made.window_state(opens) == WindowState.OPEN
    assert made.window_state(closes) == WindowState.OPEN  # the closing moment still counts
    assert made.window_state(closes + second) == WindowState.CLOSED


def test_activating_one_campaign_deactivates_the_other_in_one_step(city):
    first = open_campaign(city, name="第一批")
    second = open_campaign(city, name="第二批", activate=False)
    actions.activate_campaign(city.office_handler, second)
    first.refresh_from_db()
    assert Campaign.active() == second and not first.is_active
    assert Entry.objects.filter(action="campaign.deactivated", object_id=str(first.pk)).exists()
    assert Entry.objects.get(action="campaign.activated", object_id=str(second.pk)).data == {
        "deactivated": ["第一批"]
    }
    with pytest.raises(ConflictError):
        actions.activate_campaign(city.office_handler, second)
    actions.deactivate_campaign(city.office_handler, second)
    assert Campaign.active() is None
    with pytest.raises(ConflictError):
        actions.deactivate_campaign(city.office_handler, second)


def test_the_database_holds_at_most_one_active_campaign(city):
    first = open_campaign(city, name="第一批")
    second = open_campaign(city, name="第二批", activate=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.filter(pk=second.pk).update(is_active=True)
    assert list(Campaign.objects.filter(is_active=True)) == [first]


def test_stages_follow_each_other(city, campaign):
    stages = [
        {"stage": "study", "starts_on": "2021-03-01", "ends_on": "2021-03-31"},
        {"stage": "rectify", "starts_on": "2021.4.1", "ends_on": "2021年6月15日"},
        {"stage": "summary", "starts_on": "2021-06-16", "ends_on": "2021-06-30"},
    ]
    made = actions.set_stages(city.office_handler, campaign, stages=stages)
    assert [(s.stage, s.starts_on, s.ends_on) for s in made] == [
        ("study", dt.date(2021, 3, 1), dt.date(2021, 3, 31)),
        ("rectify", dt.date(2021, 4, 1), dt.date(2021, 6, 15)),
        ("summary", dt.date(2021, 6, 16), dt.date(2021, 6, 30)),
    ]
    assert campaign.current_stage(dt.date(2021, 5, 1)).stage == "rectify"
    assert Entry.objects.filter(action="campaign.stages_set").count() == 1


@pytest.mark.parametrize(
    ("stages", "field", "message"),
    [
        (
            [{"stage": "study", "starts_on": "2021-03-31", "ends_on": "2021-03-01"}],
            "study_ends_on",
            "学习教育的结束日期不能早于开始日期",
        ),
        (
            [
                {"stage": "study", "starts_on": "2021-03-01", "ends_on": "2021-03-31"},
                {"stage": "rectify", "starts_on": "2021-03-31", "ends_on": "2021-06-30"},
            ],
            "rectify_starts_on",
            "查纠整改的开始日期须晚于学习教育的结束日期（2021-03-31）",
        ),
        (
            [{"stage": "summary", "starts_on": "2021-13-01", "ends_on": "2021-12-31"}],
            "summary_starts_on",
            "总结提升开始日期：日期“2021-13-01”不存在",
        ),
        (
            [{"stage": "study", "starts_on": "", "ends_on": "2021-03-01"}],
            "study_starts_on",
            "请填写学习教育的开始日期",
        ),
    ],
)
def test_stages_out_of_order_are_refused_and_nothing_is_replaced(city, campaign, stages, field, message):
    actions.set_stages(
        city.office_handler,
        campaign,
        stages=[{"stage": "study", "starts_on": "2021-02-01", "ends_on": "2021-02-28"}],
    )
    with pytest.raises(ValidationError) as refused:
        actions.set_stages(city.office_handler, campaign, stages=stages)
    assert refused.value.message_dict[field][0].startswith(message)
    assert list(CampaignStage.objects.values_list("stage", "starts_on")) == [("study", dt.date(2021, 2, 1))]


def test_a_window_change_may_not_alter_a_late_judgement_already_made(city):
    now = timezone.now()
    made = open_campaign(city, opens=now - dt.timedelta(days=5), closes=now + dt.timedelta(days=5))
    report = file(city.officer_a, made, [item()])
    with pytest.raises(ValidationError) as refused:
        actions.update_campaign(
            city.office_handler,
            made,
            name=made.name,
            unit=city.city,
            report_opens_at=made.report_opens_at,
            report_closes_at=now - dt.timedelta(days=1),
        )
    assert "1份自查报告" in refused.value.message_dict["report_closes_at"][0]
    with pytest.raises(ValidationError) as refused:
        actions.update_campaign(
            city.office_handler,
            made,
            name=made.name,
            unit=city.city,
            report_opens_at=report.submitted_at + dt.timedelta(seconds=1),
            report_closes_at=made.report_closes_at,
        )
    assert "开始时间不能晚于该时间" in refused.value.message_dict["report_opens_at"][0]
    seen = made.version
    changed = actions.update_campaign(
        city.office_handler,
        made,
        version=seen,
        name="2021年教育整顿（第一批）",
        unit=city.city,
        report_opens_at=made.report_opens_at,
        report_closes_at=now + dt.timedelta(days=20),
    )
    assert changed.name == "2021年教育整顿（第一批）"
    assert Entry.objects.get(action="campaign.changed").data["changes"]["name"] == [
        "2021年全市政法队伍教育整顿",
        "2021年教育整顿（第一批）",
    ]
    with pytest.raises(ConflictError):  # a stale form
        actions.update_campaign(
            city.office_handler,
            made,
            version=seen,
            name="又改",
            unit=city.city,
            report_opens_at=made.report_opens_at,
            report_closes_at=made.report_closes_at,
        )


# --- pages -----------------------------------------------------------------------------------


def test_the_settings_page_creates_a_campaign_and_keeps_bad_input(city):
    client = client_for(city.office_handler)
    bad = client.post(
        "/selfreports/campaigns/",
        {
            "name": "2021年全市政法队伍教育整顿",
            "unit": city.city.pk,
            "report_opens_at": "2021-04-30",
            "report_closes_at": "2021-03-15",
        },
    )
    html = bad.content.decode()
    assert bad.status_code == 200 and "自查报告截止时间须晚于开始时间" in html
    assert 'value="2021年全市政法队伍教育整顿"' in html and not Campaign.objects.exists()
    bad = client.post(
        "/selfreports/campaigns/",
        {
            "name": "某次",
            "unit": city.city.pk,
            "report_opens_at": "2021年3月32日",
            "report_closes_at": "2021-04-30",
        },
    )
    assert "日期“2021年3月32日”不存在" in bad.content.decode()
    done = client.post(
        "/selfreports/campaigns/",
        {
            "name": "2021年全市政法队伍教育整顿",
            "unit": city.city.pk,
            "report_opens_at": "2021-03-15 08:00",
            "report_closes_at": "2021-04-30",
        },
    )
    made = Campaign.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/selfreports/campaigns/{made.pk}/"
    assert timezone.localtime(made.report_closes_at).strftime("%Y-%m-%d %H:%M:%S") == "2021-04-30 23:59:59"
    assert timezone.localtime(made.report_opens_at).strftime("%H:%M") == "08:00"


def test_the_campaign_page_sets_stages_and_activates(city):
    made = open_campaign(city, activate=False)
    client = client_for(city.office_handler)
    url = f"/selfreports/campaigns/{made.pk}/"
    bad = client.post(url, {"form": "stages", "study_starts_on": "2021-03-01", "study_ends_on": "2021-02-01"})
    assert (
        "学习教育的结束日期不能早于开始日期" in bad.content.decode()
        and 'value="2021-02-01"' in bad.content.decode()
    )
    ok = client.post(url, {"form": "stages", "study_starts_on": "2021-03-01", "study_ends_on": "2021-03-31"})
    assert ok.status_code == 302 and made.stages.count() == 1
    assert client.post(f"{url}activate/").status_code == 302
    assert Campaign.active() == made
    assert "当前进行" in client.get("/selfreports/campaigns/").content.decode()


@pytest.mark.parametrize(
    "username", ["handler_a", "leader_a", "officer_a", "outsider", "sysadmin", "auditor"]
)
def test_the_settings_pages_are_the_offices(city, username, campaign):
    client = client_for(city.users[username])
    assert client.get("/selfreports/campaigns/").status_code == 403
    assert client.get(f"/selfreports/campaigns/{campaign.pk}/").status_code == 404
    assert client.post(f"/selfreports/campaigns/{campaign.pk}/deactivate/").status_code == 404
    campaign.refresh_from_db()
    assert campaign.is_active
    assert not SelfReport.objects.exists()


def test_the_campaign_form_takes_the_browser_pickers_moments_and_shows_them_back(city):
    from zhengdun.selfreports.forms import CampaignForm

    data = {
        "name": "某次",
        "unit": city.city.pk,
        "report_opens_at": "2021-03-15T08:30",  # what <input type="datetime-local"> sends
        "report_closes_at": "2021-04-30T18:00",
    }
    form = CampaignForm(data, user=city.office_handler)
    assert form.is_valid(), form.errors
    opens, closes = form.cleaned_data["report_opens_at"], form.cleaned_data["report_closes_at"]
    assert timezone.localtime(opens).strftime("%Y-%m-%d %H:%M:%S") == "2021-03-15 08:30:00"
    assert timezone.localtime(closes).strftime("%Y-%m-%d %H:%M:%S") == "2021-04-30 18:00:00"
    # the older typed spellings still count; a bad time is refused naming what was typed
    old = CampaignForm({**data, "report_opens_at": "2021年3月15日 8:30"}, user=city.office_handler)
    assert old.is_valid() and old.cleaned_data["report_opens_at"] == opens
    bad = CampaignForm({**data, "report_opens_at": "2021-03-15T25:00"}, user=city.office_handler)
    assert not bad.is_valid() and bad.errors["report_opens_at"] == ["时间“2021-03-15T25:00”不存在"]
    # shown again as the picker's own spelling, in local time, with no sample placeholder
    shown = CampaignForm(
        initial={"report_opens_at": opens, "report_closes_at": closes}, user=city.office_handler
    )
    html = str(shown["report_opens_at"]) + str(shown["report_closes_at"])
    assert html.count('type="datetime-local"') == 2
    assert 'value="2021-03-15T08:30"' in html and 'value="2021-04-30T18:00"' in html
    assert "placeholder" not in html


def test_the_settings_page_round_trips_a_moment_from_the_picker(city):
    client = client_for(city.office_handler)
    done = client.post(
        "/selfreports/campaigns/",
        {
            "name": "2021年全市政法队伍教育整顿",
            "unit": city.city.pk,
            "report_opens_at": "2021-03-15T08:00",
            "report_closes_at": "2021-04-30T23:59",
        },
    )
    made = Campaign.objects.get()
    assert done.status_code == 302
    assert timezone.localtime(made.report_opens_at).strftime("%Y-%m-%d %H:%M") == "2021-03-15 08:00"
    page = client.get(f"/selfreports/campaigns/{made.pk}/").content.decode()
    assert 'type="datetime-local"' in page
    assert 'value="2021-03-15T08:00"' in page and 'value="2021-04-30T23:59"' in page
