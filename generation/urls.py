from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("videos/<str:public_id>/", views.video, name="video"),
    path("videos/<str:public_id>/status", views.video_status, name="video-status"),
    path("videos/<str:public_id>/cancel", views.cancel_video, name="video-cancel"),
    path("videos/<str:public_id>/media", views.video_media, name="video-media"),
    path("videos/<str:public_id>/reference", views.video_reference, name="video-reference"),
    path("videos/<str:public_id>/preview/retry", views.retry_preview, name="video-preview-retry"),
    path(
        "videos/<str:public_id>/review-media",
        views.staff_preview_media,
        name="video-review-media",
    ),
]
