"""Gate in front of pages: testers accept their programs' terms first.

Staff MFA is decided per view (accessprogram.access.staff_views), not here by URL prefix.
"""

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .selectors import memberships_awaiting_agreement

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
