"""Included by console/urls.py under leaks/, inside the console namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.leaks_page, name="leaks"),
    path("alerts/<int:alert_id>/<slug:action>", views.alert_action, name="leak-alert"),
    path("reports/<int:report_id>/<slug:action>", views.report_action, name="leak-report"),
]
