"""Self-report pages. Each views module declares its own urlpatterns, joined here."""

from django.urls import path

from zhengdun.selfreports import views_leniency, views_stats
from zhengdun.selfreports.views import campaigns, filing, reports

app_name = "selfreports"
urlpatterns = [
    *reports.urlpatterns,
    *filing.urlpatterns,
    *campaigns.urlpatterns,
    path("stats/", views_stats.statistics, name="stats"),
    path("leniency/", views_stats.leniency_list, name="leniency"),
    path("leniency/<int:subject_id>/", views_leniency.decide_leniency, name="decide_leniency"),
]
