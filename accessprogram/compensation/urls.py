"""The tester's earnings, time logs and statements."""

from django.urls import path

from . import views

app_name = "compensation"

urlpatterns = [
    path("", views.earnings, name="earnings"),
    path("statements/<int:period_id>/", views.statement, name="statement"),
    path("statements/<int:period_id>/csv", views.statement_csv_view, name="statement-csv"),
]
