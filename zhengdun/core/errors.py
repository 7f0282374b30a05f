"""Errors the actions raise that every front door (page, API, import) knows how to show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # only for annotations: the handlers import what they use when called (settings name this
    # module before Django is set up)
    import logging

    from django.http import HttpRequest, HttpResponse


class ConflictError(Exception):
    """Someone else changed or moved the record first; the caller's change was not applied."""


class InvalidTransition(Exception):
    """The record is not in a state that allows this step (any more)."""


# --- error pages ------------------------------------------------------------------------------
# The handlers of config/urls.py (handler400/403/404/500), the CSRF failure view and the 413 of
# core.middleware.RequestSizeLimit: Chinese pages in the app's layout. The layout shows the menu
# only to a signed-in user; a page for a request that failed before the session was read, or a
# 500, renders without the request's context processors (they read the database, which may be
# what failed).

ERROR_PAGES = {
    400: ("400.html", "请求有误"),
    403: ("403.html", "没有权限"),
    404: ("404.html", "未找到"),
    413: ("413.html", "提交的内容过大"),
    500: ("500.html", "系统错误"),
}

# the last resort when even the template cannot be rendered
_BARE_500 = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>系统错误</title></head>'
    "<body><h1>500 系统错误</h1><p>系统处理时发生错误，已记录。请稍后重试，或联系系统管理员。</p>"
    '<p><a href="/">返回首页</a></p></body></html>'
)


def error_page(request: HttpRequest | None, status: int, **context: Any) -> HttpResponse:
    """The Chinese error page for status, in the app's layout (with the menu when the request
    got as far as a signed-in user and the menu can be built, else the bare layout)."""
    import logging

    from django.conf import settings
    from django.http import HttpResponse
    from django.template import loader

    template_name, title = ERROR_PAGES[status]
    context = {"status": status, "title": title, "PLATFORM_NAME": settings.PLATFORM_NAME, **context}
    try:
        template = loader.get_template(template_name)
    except Exception:  # a broken template directory: say so in Chinese all the same
        logging.getLogger("zhengdun.errors").exception("error page %s missing", template_name)
        return HttpResponse(_BARE_500, status=status)
    if request is not None and status != 500 and hasattr(request, "user"):
        try:
            return HttpResponse(template.render(context, request), status=status)
        except Exception:  # the menu's permission reads failed: the page goes without it
            logging.getLogger("zhengdun.errors").warning("error page %s without menu", status, exc_info=True)
    try:
        return HttpResponse(template.render(context), status=status)
    except Exception:
        logging.getLogger("zhengdun.errors").exception("error page %s failed", status)
        return HttpResponse(_BARE_500, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400; a body over DATA_UPLOAD_MAX_MEMORY_SIZE (RequestDataTooBig) is a 413."""
    from django.core.exceptions import RequestDataTooBig

    if isinstance(exception, RequestDataTooBig):
        return too_large(request)
    return error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: the reason given by the view (PermissionDenied("…")) when it is Chinese text."""
    reason = str(exception or "")
    return error_page(request, 403, reason=reason if _is_chinese(reason) else "")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: the same page for a missing record and one outside the user's scope."""
    return error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: rendered without context processors."""
    return error_page(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: an expired or missing form token, said in Chinese."""
    return error_page(request, 403, reason="页面已过期或表单校验失败，请刷新页面后重新提交。")


def too_large(request: HttpRequest | None, limit: int | None = None) -> HttpResponse:
    """The 413 page: the request body exceeds settings.REQUEST_MAX_BYTES."""
    from django.conf import settings

    limit = limit or settings.REQUEST_MAX_BYTES
    return error_page(request, 413, limit_mb=max(1, limit // (1024 * 1024)))


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- logging -----------------------------------------------------------------------------------


class ExpectedRefusalFilter:
    """A filter on the django.request logger (settings.LOGGING): a 403 (PermissionDenied) or 404
    (Http404) is the app answering as designed, so it is logged as one line without the
    traceback Django attaches; every other exception (a real 500) keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied | Http404):
            record.exc_info = None
            record.exc_text = None
        return True
