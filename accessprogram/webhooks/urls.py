from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="endpoints"),
    path("<str:endpoint_id>/", views.endpoint_detail, name="endpoint"),
    path("<str:endpoint_id>/delete", views.endpoint_delete, name="endpoint-delete"),
    path("deliveries/<int:delivery_id>/redeliver", views.redeliver, name="redeliver"),
]
