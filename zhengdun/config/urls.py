from django.urls import include, path

from zhengdun.config.api import api

urlpatterns = [
    path("", include("zhengdun.core.urls")),
    path("accounts/", include("zhengdun.accounts.urls")),
    path("org/", include("zhengdun.org.urls")),
    path("audit/", include("zhengdun.audit.urls")),
    path("clues/", include("zhengdun.clues.urls")),
    path("selfreports/", include("zhengdun.selfreports.urls")),
    path("rectification/", include("zhengdun.rectification.urls")),
    path("api/v1/", api.urls),
]
