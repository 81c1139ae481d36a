"""Public share pages of approved outputs."""

from django.urls import path

from . import share_views

app_name = "share"

urlpatterns = [
    path("<str:token>/", share_views.share_page, name="page"),
    path("<str:token>/video", share_views.share_video, name="video"),
]
