"""The first journeys a person takes: sign in, look at the work area, find an officer; and a
stranger who keeps guessing a password."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.helpers import screenshot, sign_in
from zhengdun.core.testing import PASSWORD, build_city

pytestmark = pytest.mark.browser


def test_it_signs_in_and_finds_an_officer_on_the_roster(page):
    build_city()
    page.goto(page.base_url + reverse("core:home"))
    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:login"))))

    sign_in(page, "office", PASSWORD)
    expect(page.locator("h1")).to_have_text("工作台")
    expect(page.locator(".topbar")).to_contain_text("教育整顿办承办人")
    units_card = page.locator(".card", has_text="辖区单位")
    expect(units_card).to_contain_text("8")
    people_card = page.locator(".card", has_text="在职干警")
    expect(people_card).to_contain_text("4")
    screenshot(page, "foundation-01-home")

    page.locator(".sidenav").get_by_role("link", name="单位", exact=True).click()
    expect(page).to_have_url(page.base_url + reverse("org:unit_list"))
    expect(page.locator(".work")).to_contain_text("甲县人民法院")
    expect(page.locator(".work")).to_contain_text("乙县人民法院")
    screenshot(page, "foundation-02-units")

    page.locator(".sidenav").get_by_role("link", name="干警名册").click()
    expect(page.locator("h1")).to_have_text("干警名册")
    expect(page.locator(".work table")).to_contain_text("张明")
    expect(page.locator(".work table")).to_contain_text("李华")

    page.fill("input[name=q]", "张明")
    page.locator("form.filterbar button[type=submit]").click()
    rows = page.locator(".work table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("张明")
    expect(page.locator(".work table")).not_to_contain_text("李华")
    screenshot(page, "foundation-03-roster-search")

    page.locator(".work table").get_by_role("link", name="张明").click()
    expect(page.locator("h1")).to_contain_text("张明")
    expect(page.locator(".work")).to_contain_text("甲县人民法院")
    # the ID-card number is shown masked until someone asks (and is audited) for it
    expect(page.locator(".work")).to_contain_text("3702**********")
    screenshot(page, "foundation-04-person")


def test_an_officer_sees_neither_the_roster_nor_its_page(page):
    build_city()
    sign_in(page, "officer_a", PASSWORD)
    expect(page.locator("h1")).to_have_text("工作台")
    expect(page.locator(".sidenav")).not_to_contain_text("干警名册")
    response = page.goto(page.base_url + reverse("org:person_list"))
    assert response is not None and response.status in (403, 404)


def test_it_locks_the_account_after_repeated_wrong_passwords(page):
    build_city()
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        sign_in(page, "office", "Wrong-Passw0rd!")
        expect(page.locator(".work")).to_contain_text("用户名或密码错误")
    sign_in(page, "office", "Wrong-Passw0rd!")
    expect(page.locator(".work")).to_contain_text("账号已锁定")
    sign_in(page, "office", PASSWORD)  # the right password no longer helps
    expect(page.locator(".work")).to_contain_text("账号已锁定")
    expect(page.locator("h1")).not_to_have_text("工作台")
    screenshot(page, "foundation-05-locked")
