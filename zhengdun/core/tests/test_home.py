"""A home for every role (工作台): each role sees its own work and nothing it does not work on —
the officer their 自查报告, the 三员 their admin work, the business roles their to-do cards."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from zhengdun.accounts.models import User
from zhengdun.audit.models import VerificationRun
from zhengdun.core.testing import City

pytestmark = pytest.mark.django_db
BUSINESS = ["待交办线索", "待办理线索", "逾期线索", "待核实自查报告", "逾期整改问题"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def home(user: User) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _campaign(city: City, *, opened: int, closes: int) -> Any:
    from zhengdun.selfreports import actions

    now = timezone.now()
    made = actions.create_campaign(
        city.office_handler,
        name="2021年全市政法队伍教育整顿",
        unit=city.city,
        report_opens_at=now + dt.timedelta(days=opened),
        report_closes_at=now + dt.timedelta(days=closes),
    )
    return actions.activate_campaign(city.office_handler, made)


def _file_report(city: City, campaign: Any) -> None:
    from zhengdun.clues.models import Category
    from zhengdun.selfreports import actions

    report = actions.start_draft(city.officer_a, campaign=campaign)
    gj5 = Category.objects.get(code="GJ5")
    actions.save_draft(city.officer_a, report, items=[{"category": gj5.pk, "description": "违规饮酒一次"}])
    actions.submit(city.officer_a, report)


def test_the_officer_sees_their_own_report_to_file_and_no_unit_tile(city: City) -> None:
    campaign = _campaign(city, opened=-5, closes=5)
    html = home(city.officer_a)
    assert "我的自查" in html and "2021年全市政法队伍教育整顿" in html
    assert "待提交" in html and 'href="/selfreports/mine/"' in html
    assert "我的提醒" not in html  # reminders reach only those who may see a clue
    assert "我的信息" in html and city.officer_a.person.police_no in html
    assert "辖区单位" not in html and "在职干警" not in html
    for label in BUSINESS:
        assert label not in html
    _file_report(city, campaign)
    html = home(city.officer_a)
    assert f"已提交（{timezone.localdate():%Y-%m-%d}）" in html and "待提交自查报告" not in html


def test_the_officer_past_the_deadline_sees_it_overdue(city: City) -> None:
    campaign = _campaign(city, opened=-10, closes=-1)
    assert campaign.window_state() == "closed"
    html = home(city.officer_a)
    assert "逾期未提交" in html


def test_the_officer_without_a_campaign_is_told_so(city: City) -> None:
    html = home(city.officer_a)
    assert "当前没有进行中的教育整顿" in html and "辖区单位" not in html


def test_the_system_admin_sees_accounts_to_attend_to_and_no_business(city: City) -> None:
    User.objects.filter(pk=city.outsider.pk).update(locked_until=timezone.now() + dt.timedelta(minutes=10))
    html = home(city.sysadmin)
    assert "账号管理" in html and "锁定中的账号" in html
    assert 'href="/accounts/users/?status=locked"><span class="badge red">1 个</span>' in html
    assert "单位树管理" in html and "新建用户" in html
    assert "辖区单位" not in html and "在职干警" not in html and "我的自查" not in html
    assert "审计日志" not in html  # 三员分立: the auditor's work, not the system admin's
    for label in BUSINESS:
        assert label not in html


def test_the_security_admin_sees_role_grants_and_accounts_without_a_role(city: City) -> None:
    html = home(city.secadmin)
    assert "角色授权" in html and "未授予角色的账号" in html and "接口令牌" in html
    assert '<span class="badge yellow">1 个</span>' in html  # outsider holds no role
    assert "辖区单位" not in html and "账号管理" not in html and "审计日志" not in html
    for label in BUSINESS:
        assert label not in html


def test_the_auditor_sees_the_trail_and_the_last_verification(city: City) -> None:
    html = home(city.auditor)
    assert "审计日志" in html and "尚未校验" in html and 'href="/audit/verify/"' in html
    now = timezone.now()
    VerificationRun.objects.create(
        requested_by=city.auditor, status=VerificationRun.Status.BROKEN, started_at=now, finished_at=now
    )
    html = home(city.auditor)
    assert '<span class="badge red">不完整' in html
    assert "辖区单位" not in html and "账号管理" not in html and "角色授权" not in html
    for label in BUSINESS:
        assert label not in html


@pytest.mark.parametrize("name", ["office_handler", "leader_a", "handler_a"])
def test_business_roles_keep_their_cards(city: City, name: str) -> None:
    html = home(city.users[name])
    assert "辖区单位" in html and "在职干警" in html and "逾期线索" in html
    assert "账号管理" not in html and "审计日志" not in html and "我的信息" in html


def test_a_user_without_roles_sees_only_who_they_are(city: City) -> None:
    html = home(city.outsider)
    assert "我的信息" in html and "未授予角色" in html
    assert "辖区单位" not in html and "账号管理" not in html
