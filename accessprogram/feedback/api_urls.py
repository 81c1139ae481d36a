from django.urls import path

from . import api

urlpatterns = [
    path("videos/<str:video_id>/feedback", api.VideoFeedbackView.as_view(), name="video-feedback"),
]
