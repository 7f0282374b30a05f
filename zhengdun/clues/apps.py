from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "zhengdun.clues"
    label = "clues"
    verbose_name = "线索办理"

    def ready(self) -> None:
        # cards, seed steps, the deadline scan and audit labels, through core.hooks
        from zhengdun.clues import (
            hooks,
            notify_events,  # noqa: F401 - connects the timeline receiver
        )

        hooks.register()
