"""Included by console/urls.py under leaks/, inside the console namespace."""

from django.urls import path

from . import leak_views

urlpatterns = [
    path("", leak_views.leaks_page, name="leaks"),
    path("alerts/<int:alert_id>/<slug:action>", leak_views.alert_action, name="leak-alert"),
    path("reports/<int:report_id>/<slug:action>", leak_views.report_action, name="leak-report"),
]
