from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "accessprogram.observability"
    label = "observability"

    def ready(self):
        # Here, not in a views module: the Celery worker counts renders and failures too.
        from . import receivers  # noqa: F401 - connects the signal receivers
