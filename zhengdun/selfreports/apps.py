from django.apps import AppConfig


class SelfReportsConfig(AppConfig):
    name = "zhengdun.selfreports"
    label = "selfreports"
    verbose_name = "自查事项"

    def ready(self) -> None:
        # the 从宽从严 panel on each substantiated subject of a clue page
        from zhengdun.clues.views import detail
        from zhengdun.selfreports.panels import leniency_panel

        if leniency_panel not in detail.SUBJECT_PANELS:
            detail.SUBJECT_PANELS.append(leniency_panel)
