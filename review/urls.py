"""The reviewer queue (claim next, watch, decide) and the tester's share requests."""

from django.urls import path

from . import portal_views, views

app_name = "review"

urlpatterns = [
    # Reviewers, program managers and admins.
    path("", views.queue_page, name="queue"),
    path("claim", views.claim_next, name="claim-next"),
    path("requests/<int:pk>/", views.request_page, name="request"),
    path("requests/<int:pk>/decide", views.decide, name="decide"),
    path("requests/<int:pk>/undo-approval", views.undo_approval, name="undo-approval"),
    path("requests/<int:pk>/revoke-approval", views.revoke_approval, name="revoke-approval"),
    path("requests/<int:pk>/used", views.mark_used, name="mark-used"),
    path("requests/<int:pk>/links/<int:link_id>/revoke", views.revoke_link, name="revoke-link"),
    # Testers.
    path("mine/", portal_views.my_requests, name="mine"),
    path("mine/<int:pk>/resubmit", portal_views.resubmit, name="resubmit"),
    path("mine/<int:pk>/withdraw", portal_views.withdraw, name="withdraw"),
    path("mine/<int:pk>/revoke-link", portal_views.revoke_my_link, name="revoke-my-link"),
    path("request/<str:public_id>/", portal_views.request_share, name="request-share"),
    path("notifications/", portal_views.notifications, name="notifications"),
    path("notifications/read-all", portal_views.mark_all_read, name="notifications-read-all"),
    path("notifications/<int:pk>/read", portal_views.mark_read, name="notification-read"),
]
