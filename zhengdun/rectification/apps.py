from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "zhengdun.rectification"
    label = "rectification"
    verbose_name = "顽瘴痼疾专项整治"

    def ready(self) -> None:
        # cards, the seed step, 整改问题 panels on the pages problems are made from (a clue's
        # substantiated subjects, a self-report's items) and audit labels, through core.hooks
        from zhengdun.rectification import hooks

        hooks.register()
