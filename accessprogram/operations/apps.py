from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "accessprogram.operations"
    label = "operations"
    verbose_name = "Background operations"
