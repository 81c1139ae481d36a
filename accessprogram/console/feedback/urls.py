"""Feedback console: form builder, responses, bug triage, exports."""

from django.urls import path

from . import views

P = "<slug:slug>/"
FORM = P + "forms/<int:form_id>/"
QUESTION = FORM + "questions/<int:question_id>/"
BUG = P + "bugs/<int:bug_id>/"

urlpatterns = [
    path("", views.index, name="feedback"),
    path(P, views.program_page, name="feedback-program"),
    path(P + "forms/new", views.form_new, name="feedback-form-new"),
    path(FORM, views.form_edit, name="feedback-form"),
    path(FORM + "publish", views.form_publish, name="feedback-form-publish"),
    path(FORM + "results", views.form_results, name="feedback-form-results"),
    path(FORM + "responses.csv", views.form_csv, name="feedback-form-csv"),
    path(FORM + "questions/", views.question_add, name="feedback-question-add"),
    path(QUESTION + "edit", views.question_edit, name="feedback-question-edit"),
    path(QUESTION + "move", views.question_move, name="feedback-question-move"),
    path(QUESTION + "remove", views.question_remove, name="feedback-question-remove"),
    path(P + "bugs/", views.bug_list, name="feedback-bugs"),
    path(P + "bugs.csv", views.bugs_csv, name="feedback-bugs-csv"),
    path(BUG, views.bug_page, name="feedback-bug"),
    path(BUG + "status", views.bug_status, name="feedback-bug-status"),
    path(BUG + "comment", views.bug_comment, name="feedback-bug-comment"),
    path(
        BUG + "attachments/<int:attachment_id>",
        views.bug_attachment,
        name="feedback-bug-attachment",
    ),
]
