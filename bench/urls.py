"""The project's URLs plus baselines served by the same process as the endpoint under test."""

from django.conf import settings
from django.urls import include, path
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accessprogram.access.authentication import ApiTokenAuthentication
from generation.models import Generation


class LookupBaselineView(APIView):
    """Plain DRF: no authentication, one indexed lookup of the same row, a small dict."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request, video_id):
        row = (
            Generation.objects.filter(public_id=video_id)
            .values("public_id", "status", "progress")
            .first()
        )
        if row is None:
            raise NotFound()
        return Response(
            {
                "id": row["public_id"],
                "object": "video",
                "status": row["status"],
                "progress": row["progress"],
            }
        )


class FixedJsonView(APIView):
    """Plain DRF with no database at all: the floor of what any DRF endpoint costs here."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"object": "video", "status": "completed", "progress": 100})


class AuthProbeView(APIView):
    """One view, served once per authentication class: only the authentication differs."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("bench/lookup/<str:video_id>", LookupBaselineView.as_view()),
    path("bench/fixed", FixedJsonView.as_view()),
    path(
        "bench/auth/four-level",
        AuthProbeView.as_view(authentication_classes=[ApiTokenAuthentication]),
    ),
    path(
        "bench/auth/none",
        AuthProbeView.as_view(authentication_classes=[], permission_classes=[AllowAny]),
    ),
]
if "rest_framework.authtoken" in settings.INSTALLED_APPS:  # bench.auth_settings only
    urlpatterns.append(
        path(
            "bench/auth/drf-token",
            AuthProbeView.as_view(authentication_classes=[TokenAuthentication]),
        )
    )
urlpatterns.append(path("", include("accessprogram.urls")))
