from django.urls import path

from . import views

urlpatterns = [
    path("videos", views.VideoListCreateView.as_view(), name="videos"),
    path("videos/<str:video_id>", views.VideoDetailView.as_view(), name="video-detail"),
    path("videos/<str:video_id>/content", views.VideoContentView.as_view(), name="video-content"),
]
