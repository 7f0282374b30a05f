"""Refuses a request body larger than settings.REQUEST_MAX_BYTES before anything reads it, with
the Chinese 413 page (core.errors.too_large).

Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE) is set to the same figure, well above every text
field's limit, so a long 反映问题内容 reaches the form, which names the field and its limit and
keeps what was typed; only a body no form could accept stops here."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from zhengdun.core.errors import too_large


class RequestSizeLimit:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            # the body is never read; the page is the bare layout, the session not being loaded
            return too_large(request)
        return self.get_response(request)
