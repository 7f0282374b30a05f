from django.apps import AppConfig


class SelfReportsConfig(AppConfig):
    name = "zhengdun.selfreports"
    label = "selfreports"
    verbose_name = "自查事项"

    def ready(self) -> None:
        # cards, 我的自查, seed steps, the 从宽从严 panel on a clue's subjects and audit labels,
        # through core.hooks (so neither core nor clues imports this app)
        from zhengdun.selfreports import hooks

        hooks.register()
