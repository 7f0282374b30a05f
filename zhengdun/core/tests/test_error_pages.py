"""Chinese error pages in the app's layout (core.errors), the size limits in front of Django's
own, quiet logs for expected refusals, and /favicon.ico."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import timezone

from zhengdun.clues import testing as ct
from zhengdun.clues.models import Clue
from zhengdun.config import urls as root_urls
from zhengdun.core import errors

REGISTER = "/clues/new/"


def _boom(request: Any) -> Any:
    raise RuntimeError("a real bug")


def _refuse(request: Any) -> Any:
    raise PermissionDenied("只有审计管理员可以查阅审计日志")


def _missing(request: Any) -> Any:
    raise Http404("未找到该记录")


urlpatterns = [
    path("boom/", _boom),
    path("refuse/", _refuse),
    path("missing/", _missing),
    *root_urls.urlpatterns,
]
handler400 = root_urls.handler400
handler403 = root_urls.handler403
handler404 = root_urls.handler404
handler500 = root_urls.handler500


def _login(city: Any, who: str = "office_handler") -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(city.users[who])
    return client


def _register_data(city: Any, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "op": "save",
        "owner_unit": city.office.pk,
        "channel": ct.channel("12337").pk,
        "received_on": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "reporting_mode": "real_name",
        "reporter_name": "周举报",
        "categories": [ct.category("GJ2").pk],
        "summary": "反映甲县法院张明违规经商办企业",
        "content": "张明的配偶经营茶楼。",
        "sensitivity": "normal",
        "s-count": "1",
        "s-0-person": str(city.people["judge_a"].pk),
    }
    data.update(overrides)
    return data


# --- the pages ---------------------------------------------------------------------------------


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_it_answers_a_signed_in_user_in_chinese_with_the_menu(city: Any) -> None:
    client = _login(city)
    for url, status, words in (
        ("/no/such/page/", 404, "未找到"),
        ("/refuse/", 403, "只有审计管理员可以查阅审计日志"),
        ("/missing/", 404, "不在您的管辖范围内"),
    ):
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == status, url
        assert words in body and "返回首页" in body
        assert 'class="sidenav"' in body  # the app's layout, menu included
        assert "Not Found" not in body and "Forbidden" not in body


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_it_answers_anonymous_visitors_with_the_bare_layout(client: Client) -> None:
    response = client.get("/no/such/page/")
    body = response.content.decode()
    assert response.status_code == 404 and "404" in body and "未找到" in body
    assert 'class="sidenav"' not in body and 'class="topbar"' in body


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_it_shows_a_chinese_500_without_context_processors(city: Any, caplog: Any) -> None:
    client = _login(city)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "系统错误" in body and "已记录" in body and 'class="topbar"' in body
    assert 'class="sidenav"' not in body  # no menu: the 500 reads nothing that could fail again
    # a real error keeps its traceback in the log
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and records[-1].exc_info and isinstance(records[-1].exc_info[1], RuntimeError)


def test_it_falls_back_to_a_bare_chinese_page_when_the_template_fails(monkeypatch: Any) -> None:
    from django.template import loader

    def broken(name: str) -> Any:
        raise RuntimeError("templates gone")

    monkeypatch.setattr(loader, "get_template", broken)
    response = errors.server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and "系统错误" in response.content.decode()


def test_it_shows_a_chinese_400_for_a_bad_request() -> None:
    response = errors.bad_request(RequestFactory().get("/"), ValueError("bad"))
    body = response.content.decode()
    assert response.status_code == 400 and "请求有误" in body and "Bad Request" not in body


@pytest.mark.django_db
def test_it_answers_a_bad_csrf_token_in_chinese(city: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(city.office_handler)
    response = client.post(REGISTER, {"summary": "x"})
    body = response.content.decode()
    assert response.status_code == 403 and "页面已过期" in body and "CSRF verification failed" not in body


# --- sizes -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_names_the_field_and_its_limit_for_5_mb_of_content_and_keeps_the_input(city: Any) -> None:
    client = _login(city)
    content = "反映内容" * (5 * 1024 * 1024 // 12)  # 5 MB of UTF-8
    response = client.post(REGISTER, _register_data(city, content=content))
    body = response.content.decode()
    assert response.status_code == 200
    assert "反映问题内容不能超过20000字" in body
    assert "Bad Request" not in body
    assert content in body  # what was typed is still in the box
    assert "反映甲县法院张明违规经商办企业" in body
    assert not Clue.objects.exists()


@pytest.mark.django_db
def test_it_registers_content_at_the_limit(city: Any) -> None:
    client = _login(city)
    response = client.post(REGISTER, _register_data(city, content="字" * 20000))
    assert response.status_code == 302
    assert len(Clue.objects.get().content) == 20000


@pytest.mark.django_db
def test_it_refuses_a_body_over_the_hard_cap_with_a_chinese_413(city: Any, settings: Any) -> None:
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    client = _login(city)
    response = client.post(REGISTER, _register_data(city, content="x" * (2 * 1024 * 1024)))
    body = response.content.decode()
    assert response.status_code == 413
    assert "提交的内容过大" in body and "1 MB" in body and "Request" not in body
    assert not Clue.objects.exists()


def test_it_turns_djangos_own_size_error_into_the_413() -> None:
    from django.core.exceptions import RequestDataTooBig

    response = errors.bad_request(RequestFactory().post("/"), RequestDataTooBig("too big"))
    assert response.status_code == 413 and "提交的内容过大" in response.content.decode()


def test_it_keeps_djangos_limit_above_every_text_field(settings: Any) -> None:
    # 20,000 CJK characters percent-encoded are 9 bytes each
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE >= 20000 * 9
    assert settings.REQUEST_MAX_BYTES > settings.ATTACHMENT_MAX_BYTES


# --- logging -----------------------------------------------------------------------------------


@pytest.mark.urls(__name__)
@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/refuse/", "/missing/", "/no/such/page/"])
def test_it_logs_an_expected_refusal_as_one_line_without_traceback(city: Any, caplog: Any, url: str) -> None:
    client = _login(city)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(url)
    assert response.status_code in (403, 404)
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records, "the refusal is still logged"
    assert all(r.exc_info is None for r in records)
    assert "Traceback" not in caplog.text


# --- favicon -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_serves_a_favicon(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    svg = client.get("/static/zhengdun/favicon.svg")
    assert svg.status_code == 200
