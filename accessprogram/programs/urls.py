from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("account/", views.account, name="account"),
    path("account/profile/", views.profile, name="profile"),
    path("apply/<slug:slug>/", views.apply, name="apply"),
    path("invitations/<str:secret>/", views.invitation, name="invitation"),
    path("agreements/", views.agreements, name="agreements"),
    path("agreements/<slug:slug>/", views.agreement, name="agreement"),
    path("agreements/<slug:slug>/v<int:version>/", views.accepted_version, name="accepted-version"),
]
