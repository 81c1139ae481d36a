"""Public share pages of approved outputs."""

from django.urls import path  # noqa: F401

app_name = "share"

urlpatterns: list = []
