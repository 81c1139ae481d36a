"""Review figures and leak tracing in the console."""

from django.urls import path

from . import trace, views

urlpatterns: list = [
    path("", views.service_levels, name="review-service-levels"),
    path("trace/", trace.trace_page, name="trace"),
]
