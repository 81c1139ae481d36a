"""Review figures and leak tracing in the console."""

from django.urls import path

from . import review_views, trace_views

urlpatterns: list = [
    path("", review_views.service_levels, name="review-service-levels"),
    path("trace/", trace_views.trace_page, name="trace"),
]
