from django.urls import path

from zhengdun.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="entry_list"),
    path("<int:seq>/", views.entry_detail, name="entry_detail"),
    path("verify/", views.verify, name="verify"),
    path("verify/status/", views.verify_status, name="verify_status"),
]
