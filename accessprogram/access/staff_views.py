"""The staff gate: every staff view is wrapped by `staff_view`, which sends staff without TOTP
to set it up, whatever the view's URL. The second factor is decided per view, not by URL
prefix (tests/project/test_view_access.py walks the URL conf and fails on a staff view
without it). Which staff role, for which program, is asked of accessprogram.access.policy by
each view; this only decides who gets that far.

It lives here, not beside the other decisions in accessprogram.programs.view_access, because
the rule it applies (policy.needs_mfa_setup) sits in this layer.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import URLResolver

from accessprogram.programs.view_access import STAFF, access_decision, mark

from .policy import needs_mfa_setup


def staff_view(view):
    """Signed in, and staff must have set up TOTP first. Testers pass through to the view's own
    policy check (which answers them 404)."""

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

    return mark(wrapper, STAFF)


def staff_admin_urls(site):
    """The Django admin's URLs, every page but its sign-in a staff view.

    Each admin URL calls `site.admin_view(view)` when a request arrives, so putting staff_view
    inside admin_view covers them all; the marker is set on the callbacks to say so.
    """
    admin_view = site.admin_view
    site.admin_view = lambda view, cacheable=False: admin_view(staff_view(view), cacheable)
    patterns, app_name, namespace = site.urls

    def mark_all(entries):
        for entry in entries:
            if isinstance(entry, URLResolver):
                mark_all(entry.url_patterns)
            elif access_decision(entry.callback) is None:
                mark(entry.callback, STAFF)

    mark_all(patterns)
    return patterns, app_name, namespace
