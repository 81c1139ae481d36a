"""Feedback console: form builder, responses, bug triage, exports."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
