from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "accessprogram.programs"
    label = "programs"
