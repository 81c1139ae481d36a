from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accessprogram.access import views as access_views

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tokens/", access_views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke", access_views.revoke, name="token-revoke"),
    path("console/", include("accessprogram.console.urls")),
    path("admin/", admin.site.urls),
    path("v1/", include("generation.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("generation.urls")),
]
