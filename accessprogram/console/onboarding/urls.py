"""Agreements, invitations and applications: how testers join a program."""

from django.urls import path

from . import agreement_views, views

P = "programs/<slug:slug>/"
INVITATION = P + "invitations/<int:invitation_id>/"

urlpatterns: list = [
    path(P + "agreements/", agreement_views.agreements, name="agreements"),
    path(P + "agreements/preview", agreement_views.agreement_preview, name="agreement-preview"),
    path(
        P + "agreements/discard",
        agreement_views.agreement_draft_discard,
        name="agreement-draft-discard",
    ),
    path(P + "invitations/", views.invitations_page, name="invitations"),
    path(P + "invitations/csv", views.invitations_csv, name="invitations-csv"),
    path(INVITATION + "resend", views.invitation_resend, name="invitation-resend"),
    path(INVITATION + "revoke", views.invitation_revoke, name="invitation-revoke"),
    path(P + "applications/", views.applications_page, name="applications"),
    path(P + "applications/<int:application_id>/", views.application_page, name="application"),
]
