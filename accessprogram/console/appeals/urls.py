"""Included by console/urls.py under appeals/, inside the console namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.queue, name="appeals"),
    path("<int:appeal_id>/", views.appeal, name="appeal"),
]
