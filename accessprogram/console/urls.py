from django.urls import include, path

from . import access_views, audit_views, onboarding_views, operation_views, views

app_name = "console"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("audit/", audit_views.audit_log, name="audit"),
    path("programs/<slug:slug>/", access_views.program_page, name="program"),
    path(
        "programs/<slug:slug>/members/<int:membership_id>/",
        access_views.member_page,
        name="member",
    ),
    path(
        "programs/<slug:slug>/members/<int:membership_id>/change",
        access_views.change_member_view,
        name="member-change",
    ),
    path(
        "programs/<slug:slug>/members/<int:membership_id>/end-sessions",
        access_views.end_sessions_view,
        name="member-end-sessions",
    ),
    path(
        "programs/<slug:slug>/settings",
        access_views.program_settings_view,
        name="program-settings",
    ),
    path("programs/<slug:slug>/cohorts", access_views.create_cohort_view, name="cohort-create"),
    path("programs/<slug:slug>/kill-switch", access_views.kill_switch_view, name="kill-switch"),
    path("programs/<slug:slug>/resume", access_views.resume_view, name="resume"),
    path("programs/<slug:slug>/block", access_views.block_view, name="block"),
    path("programs/<slug:slug>/blocks/<int:block_id>/lift", access_views.lift_view, name="lift"),
    path("programs/<slug:slug>/agreements/", onboarding_views.agreements, name="agreements"),
    path(
        "programs/<slug:slug>/invitations/", onboarding_views.invitations_page, name="invitations"
    ),
    path(
        "programs/<slug:slug>/operations/<int:operation_id>/",
        operation_views.operation_progress,
        name="operation",
    ),
    path(
        "programs/<slug:slug>/invitations/csv",
        onboarding_views.invitations_csv,
        name="invitations-csv",
    ),
    path(
        "programs/<slug:slug>/invitations/<int:invitation_id>/resend",
        onboarding_views.invitation_resend,
        name="invitation-resend",
    ),
    path(
        "programs/<slug:slug>/invitations/<int:invitation_id>/revoke",
        onboarding_views.invitation_revoke,
        name="invitation-revoke",
    ),
    path(
        "programs/<slug:slug>/applications/",
        onboarding_views.applications_page,
        name="applications",
    ),
    path(
        "programs/<slug:slug>/applications/<int:application_id>/",
        onboarding_views.application_page,
        name="application",
    ),
    path("leaks/", include("accessprogram.console.leak_urls")),
    path("finance/", include("accessprogram.console.finance_urls")),
    path("feedback/", include("accessprogram.console.feedback_urls")),
    path("review/", include("accessprogram.console.review_urls")),
]
