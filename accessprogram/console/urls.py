"""The staff console: one URL module per area package, all under the "console" namespace."""

from django.urls import include, path

app_name = "console"

urlpatterns = [
    path("", include("accessprogram.console.health.urls")),
    path("", include("accessprogram.console.access.urls")),
    path("", include("accessprogram.console.onboarding.urls")),
    path("", include("accessprogram.console.operations.urls")),
    path("audit/", include("accessprogram.console.audit.urls")),
    path("leaks/", include("accessprogram.console.leaks.urls")),
    path("appeals/", include("accessprogram.console.appeals.urls")),
    path("finance/", include("accessprogram.console.finance.urls")),
    path("feedback/", include("accessprogram.console.feedback.urls")),
    path("review/", include("accessprogram.console.review.urls")),
]
