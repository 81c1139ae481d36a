"""Who may reach a view, decided on the view itself: public, tester (signed in) or staff.

Every view in the URL conf carries one of these decisions (tests/project/test_view_access.py
walks the URL conf and fails on a view without one). The staff decision includes the second
factor: staff without TOTP are sent to set it up, whatever the view's URL. Role checks (which
staff role, which program) stay with each view; this only decides who gets that far.
"""

from functools import wraps

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import URLResolver

from .selectors import staff_program_ids

PUBLIC = "public"
TESTER = "tester"
STAFF = "staff"

# The attribute each decorator sets; functools.wraps carries it through outer decorators.
MARKER = "access_decision"


def access_decision(view) -> str | None:
    """The decision on a URL callback: a decorated function, or a class-based view's class."""
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "cls", None)):
        decision = getattr(candidate, MARKER, None)
        if decision is not None:
            return decision
    return None


def _mark(view, decision: str):
    setattr(view, MARKER, decision)
    return view


def public_view(view):
    """Anyone, signed in or not (share pages, applications, signed webhooks, API docs)."""
    return _mark(view, PUBLIC)


def tester_view(view):
    """Any signed-in user; the view itself limits them to their own things."""
    return _mark(login_required(view), TESTER)


def token_api_view(view_class):
    """A DRF view authenticated by a tester API token (its authentication refuses anyone else)."""
    return _mark(view_class, TESTER)


def is_staff_user(user) -> bool:
    return bool(user.is_staff or user.is_superuser or staff_program_ids(user=user))


def needs_mfa_setup(user) -> bool:
    """Staff (any staff role, or Django staff) without a TOTP authenticator."""
    if not is_staff_user(user):
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def staff_view(view):
    """Signed in, and staff must have set up TOTP first. Testers pass through to the view's own
    role check (which answers them 404)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if settings.STAFF_MFA_REQUIRED and needs_mfa_setup(request.user):
            messages.warning(
                request,
                "Staff pages need two-factor authentication. Set up an authenticator app first.",
                fail_silently=True,
            )
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return _mark(wrapper, STAFF)


def staff_admin_urls(site):
    """The Django admin's URLs, every page but its sign-in a staff view.

    Each admin URL calls `site.admin_view(view)` when a request arrives, so putting staff_view
    inside admin_view covers them all; the marker is set on the callbacks to say so.
    """
    admin_view = site.admin_view
    site.admin_view = lambda view, cacheable=False: admin_view(staff_view(view), cacheable)
    patterns, app_name, namespace = site.urls

    def mark(entries):
        for entry in entries:
            if isinstance(entry, URLResolver):
                mark(entry.url_patterns)
            elif access_decision(entry.callback) is None:
                _mark(entry.callback, STAFF)

    mark(patterns)
    return patterns, app_name, namespace
