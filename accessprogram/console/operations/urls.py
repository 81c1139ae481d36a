"""Progress of background operations (a payout close, a CSV import) started from the console."""

from django.urls import path

from . import views

urlpatterns: list = [
    path(
        "programs/<slug:slug>/operations/<int:operation_id>/",
        views.operation_progress,
        name="operation",
    ),
]
