"""Feedback console: form builder, responses, bug triage, exports."""

from django.urls import path

from . import board_views, bug_views, exports, views

P = "<slug:slug>/"
FORM = P + "forms/<int:form_id>/"
QUESTION = FORM + "questions/<int:question_id>/"
BUG = P + "bugs/<int:bug_id>/"
ITEM = P + "board/<int:item_id>/"

urlpatterns = [
    path("", views.index, name="feedback"),
    path(P, views.program_page, name="feedback-program"),
    path(P + "forms/new", views.form_new, name="feedback-form-new"),
    path(FORM, views.form_edit, name="feedback-form"),
    path(FORM + "publish", views.form_publish, name="feedback-form-publish"),
    path(FORM + "results", views.form_results, name="feedback-form-results"),
    path(FORM + "responses.csv", exports.form_csv, name="feedback-form-csv"),
    path(FORM + "questions/", views.question_add, name="feedback-question-add"),
    path(QUESTION + "edit", views.question_edit, name="feedback-question-edit"),
    path(QUESTION + "move", views.question_move, name="feedback-question-move"),
    path(QUESTION + "remove", views.question_remove, name="feedback-question-remove"),
    path(P + "bugs/", bug_views.bug_list, name="feedback-bugs"),
    path(P + "bugs.csv", exports.bugs_csv, name="feedback-bugs-csv"),
    path(P + "board/", board_views.board_list, name="feedback-board"),
    path(ITEM, board_views.board_item, name="feedback-board-item"),
    path(ITEM + "status", board_views.board_status, name="feedback-board-status"),
    path(ITEM + "merge", board_views.board_merge, name="feedback-board-merge"),
    path(P + "releases/new", board_views.release_note_new, name="feedback-release-new"),
    path(BUG, bug_views.bug_page, name="feedback-bug"),
    path(BUG + "status", bug_views.bug_status, name="feedback-bug-status"),
    path(BUG + "comment", bug_views.bug_comment, name="feedback-bug-comment"),
    path(BUG + "board", board_views.bug_to_board, name="feedback-bug-board"),
    path(
        BUG + "attachments/<int:attachment_id>",
        bug_views.bug_attachment,
        name="feedback-bug-attachment",
    ),
]
