from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "zhengdun.clues"
    label = "clues"
    verbose_name = "线索办理"
