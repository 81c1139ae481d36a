from django.urls import path

from . import access_views, audit_views, views

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
    path("programs/<slug:slug>/kill-switch", access_views.kill_switch_view, name="kill-switch"),
    path("programs/<slug:slug>/resume", access_views.resume_view, name="resume"),
    path("programs/<slug:slug>/block", access_views.block_view, name="block"),
    path("programs/<slug:slug>/blocks/<int:block_id>/lift", access_views.lift_view, name="lift"),
]
