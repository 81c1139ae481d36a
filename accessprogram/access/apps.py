from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "accessprogram.access"
    label = "access"

    def ready(self):
        from . import schema  # noqa: F401 - registers the OpenAPI security scheme
