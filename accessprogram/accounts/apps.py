from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accessprogram.accounts"
    label = "accounts"

    def ready(self):
        from . import sign_in  # noqa: F401 - connects its receiver
