from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accessprogram.access import landing, notice_views
from accessprogram.access import views as access_views
from accessprogram.access.staff_views import staff_admin_urls
from accessprogram.programs.view_access import public_view

# The admin signs in through allauth too, so the second factor cannot be skipped there.
admin.site.login = public_view(secure_admin_login(admin.site.login))

urlpatterns = [
    # /v1/ first: the tester API is the busiest path, and resolving tries patterns in order.
    # (No pattern below matches a path under v1/.)
    path("v1/", include("accessprogram.access.api.urls")),
    path("v1/", include("generation.api.urls")),
    path("v1/", include("accessprogram.feedback.api.urls")),
    path("v1/", include("accessprogram.webhooks.api.urls")),
    path("accounts/", include("allauth.urls")),
    path("welcome", landing.after_sign_in, name="after-sign-in"),
    path("tokens/", access_views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke", access_views.revoke, name="token-revoke"),
    path("notices/", notice_views.notices, name="block-notices"),
    path("notices/<int:notice_id>/", notice_views.notice, name="block-notice"),
    path("", include("accessprogram.programs.urls")),
    path("console/", include("accessprogram.console.urls")),
    path("review/", include("review.urls")),
    path("s/", include("review.share_urls")),
    path("feedback/", include("accessprogram.feedback.urls")),
    path("earnings/", include("accessprogram.compensation.urls")),
    path("webhooks/", include("accessprogram.webhooks.urls")),
    path("admin/", staff_admin_urls(admin.site)),
    path("api/schema/", public_view(SpectacularAPIView.as_view()), name="api-schema"),
    path(
        "api/docs/",
        public_view(SpectacularSwaggerView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("", include("generation.urls")),
]
