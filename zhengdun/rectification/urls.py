"""Rectification pages. Each views module declares its own urlpatterns, joined here."""

from zhengdun.rectification.views import battlemap, problems, registry

app_name = "rectification"
urlpatterns = [*problems.urlpatterns, *battlemap.urlpatterns, *registry.urlpatterns]
