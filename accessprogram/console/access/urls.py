"""A program's members, cohorts, settings and blocks (the kill switch among them)."""

from django.urls import path

from . import confirm_views, views

P = "programs/<slug:slug>/"
MEMBER = P + "members/<int:membership_id>/"

urlpatterns: list = [
    path(P, views.program_page, name="program"),
    path(MEMBER, views.member_page, name="member"),
    path(MEMBER + "change", views.change_member_view, name="member-change"),
    path(MEMBER + "end-sessions", views.end_sessions_view, name="member-end-sessions"),
    path(P + "settings", views.program_settings_view, name="program-settings"),
    path(P + "cohorts", views.create_cohort_view, name="cohort-create"),
    path(P + "kill-switch", confirm_views.kill_switch_view, name="kill-switch"),
    path(
        P + "revoke/<str:level>/<int:target_id>",
        confirm_views.revoke_confirm_view,
        name="revoke-confirm",
    ),
    path(P + "resume", views.resume_view, name="resume"),
    path(P + "block", views.block_view, name="block"),
    path(P + "blocks/<int:block_id>/lift", views.lift_view, name="lift"),
]
