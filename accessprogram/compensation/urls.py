"""The tester's earnings, time logs and statements."""

from django.urls import path  # noqa: F401

app_name = "compensation"

urlpatterns: list = []
