from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "accessprogram.console"
    label = "console"

    def ready(self):
        # Here, not in a views module: workers and shells need the evidence counters too.
        from .activity import register_activity_counters

        register_activity_counters()
