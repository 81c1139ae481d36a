"""Tester pages: feedback forms, quick ratings and bug reports."""

from django.urls import path  # noqa: F401

app_name = "feedback"

urlpatterns: list = []
