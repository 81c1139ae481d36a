from django.urls import path

from . import characters, derivatives, views

urlpatterns = [
    path("videos", views.VideoListCreateView.as_view(), name="videos"),
    # Fixed paths before videos/<id>, which would otherwise take "edits" for an id.
    path("videos/edits", derivatives.VideoEditsView.as_view(), name="video-edits"),
    path("videos/extensions", derivatives.VideoExtensionsView.as_view(), name="video-extensions"),
    path("videos/characters", characters.CharacterCreateView.as_view(), name="video-characters"),
    path(
        "videos/characters/<str:character_id>",
        characters.CharacterDetailView.as_view(),
        name="video-character",
    ),
    path("videos/<str:video_id>", views.VideoDetailView.as_view(), name="video-detail"),
    path("videos/<str:video_id>/content", views.VideoContentView.as_view(), name="video-content"),
    path("videos/<str:video_id>/remix", derivatives.VideoRemixView.as_view(), name="video-remix"),
]
