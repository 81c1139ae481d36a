from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "accessprogram.access"
    label = "access"
