from django.apps import AppConfig


class CompensationConfig(AppConfig):
    name = "accessprogram.compensation"
    label = "compensation"
    verbose_name = "Compensation"
