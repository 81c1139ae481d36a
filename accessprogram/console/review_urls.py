"""Review figures and leak tracing in the console."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
