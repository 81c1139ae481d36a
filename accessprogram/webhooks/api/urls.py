from django.urls import path

from . import views

urlpatterns = [
    path("webhook_endpoints", views.EndpointListCreateView.as_view(), name="webhook-endpoints"),
    path(
        "webhook_endpoints/<str:endpoint_id>",
        views.EndpointDetailView.as_view(),
        name="webhook-endpoint",
    ),
    path(
        "webhook_endpoints/<str:endpoint_id>/deliveries",
        views.DeliveryListView.as_view(),
        name="webhook-endpoint-deliveries",
    ),
]
