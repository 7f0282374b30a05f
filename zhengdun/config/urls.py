from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from zhengdun.config.api import api


@cache
def _favicon_bytes() -> bytes:
    return (settings.BASE_DIR / "static" / "zhengdun" / "favicon.ico").read_bytes()


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for whatever the page links (base.html links the SVG)."""
    response = HttpResponse(_favicon_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("", include("zhengdun.core.urls")),
    path("accounts/", include("zhengdun.accounts.urls")),
    path("org/", include("zhengdun.org.urls")),
    path("audit/", include("zhengdun.audit.urls")),
    path("clues/", include("zhengdun.clues.urls")),
    path("selfreports/", include("zhengdun.selfreports.urls")),
    path("rectification/", include("zhengdun.rectification.urls")),
    path("api/v1/", api.urls),
]

# Chinese error pages in the app's layout (core.errors)
handler400 = "zhengdun.core.errors.bad_request"
handler403 = "zhengdun.core.errors.permission_denied"
handler404 = "zhengdun.core.errors.page_not_found"
handler500 = "zhengdun.core.errors.server_error"
