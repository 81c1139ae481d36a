"""The console home and each program's health dashboard."""

from django.urls import path

from . import views

P = "programs/<slug:slug>/health/"

urlpatterns: list = [
    path("", views.dashboard, name="dashboard"),
    path(P, views.program_health, name="health"),
    path(P + "live", views.program_health_live, name="health-live"),
]
