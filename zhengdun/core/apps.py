from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhengdun.core"
    label = "core"

    def ready(self) -> None:
        # the foundation's own entries in its plug-in points (core.hooks)
        from zhengdun.core import todo

        todo.register()
