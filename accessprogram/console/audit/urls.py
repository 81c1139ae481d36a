"""The audit log and its verification."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("", views.audit_log, name="audit"),
]
