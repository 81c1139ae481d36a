from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "accessprogram.console"
    label = "console"
