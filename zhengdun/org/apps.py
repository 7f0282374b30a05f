from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "zhengdun.org"
    label = "org"
