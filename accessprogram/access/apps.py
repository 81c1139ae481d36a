from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "accessprogram.access"
    label = "access"

    def ready(self):
        from django.core import checks

        from . import schema  # noqa: F401 - registers the OpenAPI security scheme
        from .checks import shared_cache_for_several_web_processes

        checks.register(shared_cache_for_several_web_processes, checks.Tags.caches)
