"""Finance console: rate cards, time logs, period close, payout batches."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
