"""Gates in front of pages: staff set up MFA first; testers accept their programs' terms first."""

from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .selectors import memberships_awaiting_agreement, staff_program_ids

STAFF_PREFIXES = ("/console/", "/admin/", "/review/")


def needs_mfa_setup(user) -> bool:
    """Staff (any staff role, or Django staff) without a TOTP authenticator."""
    if not (user.is_staff or user.is_superuser or staff_program_ids(user=user)):
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffMfaMiddleware:
    """Every staff page (console, review, Django admin) needs two-factor authentication set up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            getattr(settings, "STAFF_MFA_REQUIRED", True)
            and request.path_info.startswith(STAFF_PREFIXES)
            and user is not None
            and user.is_authenticated
            and needs_mfa_setup(user)
        ):
            messages.warning(
                request,
                "Staff pages need two-factor authentication. Set up an authenticator app first.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


# Pages that stay open: the agreement pages themselves, sign-in/out and account management,
# the staff console and admin (they have their own rules), the token API (it checks agreements in
# its own query) and static files.
OPEN_PREFIXES = (
    "/agreements/",
    "/accounts/",
    "/invitations/",
    "/apply/",
    "/console/",
    "/admin/",
    "/review/",
    "/v1/",
    "/api/",
    "/static/",
)


class AgreementGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path_info.startswith(OPEN_PREFIXES)
        ):
            pending = memberships_awaiting_agreement(user=user).first()
            if pending is not None:
                target = reverse("programs:agreement", kwargs={"slug": pending.program.slug})
                if request.headers.get("HX-Request"):
                    # An htmx fragment (e.g. a polled status card): send the whole page there.
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)
