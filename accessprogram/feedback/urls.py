"""Tester pages: feedback forms, quick ratings and bug reports."""

from django.urls import path

from . import board_views, views

app_name = "feedback"

urlpatterns = [
    path("", views.index, name="index"),
    path("forms/<int:form_id>/", views.form_page, name="form"),
    path("videos/<str:public_id>/rating", views.rate_video, name="rate-video"),
    path("bugs/new", views.bug_new, name="bug-new"),
    path("bugs/<int:bug_id>/", views.bug_page, name="bug"),
    path("bugs/<int:bug_id>/comment", views.bug_comment, name="bug-comment"),
    path("board/", board_views.board_page, name="board"),
    path("board/new", board_views.board_new, name="board-new"),
    path("board/<int:item_id>/", board_views.board_item, name="board-item"),
    path("board/<int:item_id>/vote", board_views.board_vote, name="board-vote"),
    path("releases/", board_views.releases, name="releases"),
    path(
        "bugs/<int:bug_id>/attachments/<int:attachment_id>",
        views.bug_attachment,
        name="bug-attachment",
    ),
]
