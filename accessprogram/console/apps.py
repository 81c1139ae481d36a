from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "accessprogram.console"
    label = "console"

    def ready(self):
        # Here, not in a views module: workers and shells need these hooks too.
        from .activity import register_compensation_hooks

        register_compensation_hooks()
