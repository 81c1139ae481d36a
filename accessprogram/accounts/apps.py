from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accessprogram.accounts"
    label = "accounts"
