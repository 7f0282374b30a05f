from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "zhengdun.rectification"
    label = "rectification"
    verbose_name = "顽瘴痼疾专项整治"

    def ready(self) -> None:
        # 整改问题 panels on the pages problems are made from (a clue's substantiated subjects,
        # a self-report's items); those apps keep a registry so they need no import of this one
        from zhengdun.clues.views import detail
        from zhengdun.rectification.panels import clue_panel, item_panel
        from zhengdun.selfreports.views import common

        if clue_panel not in detail.SUBJECT_PANELS:
            detail.SUBJECT_PANELS.append(clue_panel)
        if item_panel not in common.ITEM_PANELS:
            common.ITEM_PANELS.append(item_panel)
