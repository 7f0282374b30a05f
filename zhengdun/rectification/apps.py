from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "zhengdun.rectification"
    label = "rectification"
    verbose_name = "顽瘴痼疾专项整治"
