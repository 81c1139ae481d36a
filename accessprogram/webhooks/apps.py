from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "accessprogram.webhooks"
    label = "webhooks"

    def ready(self):
        from . import receivers  # noqa: F401 - turns generation and review signals into events
