"""The demo self-reports: made through the actions on top of the demo city, covering what the
pages show (late, corrected, nothing to report, every category, reviews, conversions), and the
demo login `officer` has a report of their own."""

from __future__ import annotations

import random

import pytest
from django.db.models import Count

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.audit.chain import verify_chain
from zhengdun.audit.models import Entry
from zhengdun.clues.models import Clue
from zhengdun.core import seeding
from zhengdun.selfreports.models import Campaign, ItemReview, SelfReport, SelfReportItem
from zhengdun.selfreports.seeding import CAMPAIGN_NAME, seed_demo_selfreports

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seeding.seed_city(seeding.plan_city(seed=7, officers=400), data_dir=tmp_path)
    return seed_demo_selfreports(random.Random(8))


def test_the_demo_has_a_campaign_and_reports_of_every_kind(seeded):
    campaign = Campaign.active()
    assert campaign.name == CAMPAIGN_NAME and campaign.stages.count() == 3
    current = SelfReport.objects.current()
    assert seeded == current.count() == 60
    assert current.filter(late=True).exists() and current.filter(late=False).exists()
    assert current.filter(declares_nothing=True).exists()
    assert (
        current.filter(version=2).exists()
        and SelfReport.objects.filter(version=1, corrections__isnull=False).exists()
    )
    for report in current:  # 逾期 is what the window says, after the dates were moved back
        assert report.late == (report.submitted_at > campaign.report_closes_at)
        assert report.submitted_at >= campaign.report_opens_at
    items = SelfReportItem.objects.filter(report__in=current)
    assert set(items.values_list("category__code", flat=True)) == {
        "GJ1",
        "GJ2",
        "GJ3",
        "GJ4",
        "GJ5",
        "GJ6",
        "OTHER",
    }
    assert set(items.filter(category__code="GJ2").values_list("gj2_subtype", flat=True)) == {
        "self",
        "spouse_children",
        "other_relative",
    }
    outcomes = ItemReview.objects.exclude(outcome="").values("outcome").annotate(n=Count("id"))
    assert len(outcomes) >= 5
    converted = ItemReview.objects.filter(converted_clue__isnull=False)
    assert 3 <= converted.count() <= 5
    assert Clue.objects.filter(channel__code="self_report").count() == converted.count()
    assert list(verify_chain()) == []
    assert Entry.objects.filter(action="selfreport.submitted").count() == SelfReport.objects.count()


def test_the_demo_logins_see_what_their_roles_should(seeded):
    officer = User.objects.get(username="officer")
    own = SelfReport.objects.current().get(person_id=officer.person_id)
    assert own.filed_by == officer and not own.on_behalf and own.items.exists()

    def visible(username):
        return permissions.scope(
            User.objects.get(username=username), "selfreports.view", SelfReport.objects.current()
        )

    assert list(visible("officer")) == [own]
    assert visible("office").count() == 60
    assert 0 < visible("unit_handler").count() < 60
    assert not visible("auditor").exists() and not visible("sysadmin").exists()


@pytest.fixture
def full_demo(settings, tmp_path):
    from django.core.management import call_command

    settings.DATA_DIR = tmp_path
    settings.DEMO_RECORDS = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed", officers=400, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_the_demo_shows_the_leniency_basis_on_clues_and_decisions(full_demo):
    from zhengdun.accounts.models import User
    from zhengdun.selfreports import stats
    from zhengdun.selfreports.models import Campaign, LeniencyDecision

    office = User.objects.get(username="office")
    overview = stats.leniency_overview(office, Campaign.objects.get(is_active=True))
    assert overview.self_reported >= 1 and overview.by_basis["concealed"] >= 1
    assert LeniencyDecision.objects.exists()
