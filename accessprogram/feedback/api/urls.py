from django.urls import path

from .views import VideoFeedbackView

urlpatterns = [
    path("videos/<str:video_id>/feedback", VideoFeedbackView.as_view(), name="video-feedback"),
]
