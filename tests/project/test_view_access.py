"""Every view in the URL conf carries an explicit access decision (public, tester or staff), and
every staff view sends staff without TOTP to set it up, whatever its URL.

The decision is made per view (accessprogram.programs.view_access; the staff gate is
accessprogram.access.staff_views.staff_view), not by URL prefix: a staff page outside /console/
once served preview videos to reviewers who had no second factor. A view that asks the access
policy for staff powers must be a staff view, so it cannot skip the gate.
"""

import inspect

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accessprogram.programs.models import Membership
from accessprogram.programs.view_access import PUBLIC, STAFF, TESTER, access_decision
from factories import GenerationFactory, MembershipFactory


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace, entry


def _allow_listed(namespace: str, pattern: URLPattern) -> bool:
    # allauth's own pages (sign-in, sign-up, MFA set-up, sessions) make their own decisions:
    # they must stay reachable before a second factor exists.
    return getattr(pattern.callback, "__module__", "").startswith("allauth.")


ROUTES = [
    pytest.param(route, namespace, pattern, id=route)
    for route, namespace, pattern in _walk(get_resolver().url_patterns)
    if not _allow_listed(namespace, pattern)
]
STAFF_ROUTES = [param for param in ROUTES if access_decision(param.values[2].callback) == STAFF]
TESTER_ROUTES = [param for param in ROUTES if access_decision(param.values[2].callback) == TESTER]


def test_the_walk_sees_the_staff_pages_of_every_part():
    routes = {param.values[0] for param in STAFF_ROUTES}
    for expected in [
        "console/",
        "console/finance/",
        "console/leaks/",
        "console/audit/",
        "review/",
        "videos/<str:public_id>/review-media",
        "admin/",
    ]:
        assert expected in routes


@pytest.mark.parametrize(("route", "namespace", "pattern"), ROUTES)
def test_every_view_has_an_explicit_access_decision(route, namespace, pattern):
    assert access_decision(pattern.callback) in (PUBLIC, TESTER, STAFF), route
    if route.startswith(("console/", "admin/")) and pattern.name != "login":
        assert access_decision(pattern.callback) == STAFF, route


def _call(pattern, user, method="get"):
    request = getattr(RequestFactory(), method)("/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    request._dont_enforce_csrf_checks = True  # as a browser with its CSRF cookie would
    kwargs = {name: "1" for name in pattern.pattern.regex.groupindex}
    return pattern.callback(request, **kwargs)


@pytest.mark.parametrize(("route", "namespace", "pattern"), STAFF_ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_staff_view_sends_staff_without_totp_to_set_it_up(
    route, namespace, pattern, method, program, settings
):
    settings.STAFF_MFA_REQUIRED = True
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER).user
    reviewer.is_staff = True  # so the Django admin's own check lets the request through
    reviewer.save()
    response = _call(pattern, reviewer, method)
    assert response.status_code == 302, route
    assert response["Location"] == reverse("mfa_activate_totp"), route


@pytest.mark.parametrize(("route", "namespace", "pattern"), TESTER_ROUTES)
def test_every_tester_view_refuses_anonymous_visitors(route, namespace, pattern, db):
    response = _call(pattern, AnonymousUser())
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("account_login")), route
    else:
        assert response.status_code in (401, 403), route


def test_a_reviewer_without_totp_gets_no_preview_media(client, program, settings, media_root):
    """The red team's reproduction: review-media answered 200 video/mp4 without a second factor."""
    from rendition_fixtures import ready_rendition

    settings.STAFF_MFA_REQUIRED = True
    generation = GenerationFactory(program=program)
    ready_rendition(generation, b"watermarked bytes")
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER).user
    client.force_login(reviewer)
    url = f"/videos/{generation.public_id}/review-media"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    Authenticator.objects.create(
        user=reviewer, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    assert client.get(url).status_code == 200


def _staff_user(program, *, totp: bool):
    user = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER).user
    user.is_staff = True  # so the Django admin's own check lets the request through
    user.save()
    if totp:
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
        )
    return user


@pytest.mark.parametrize(("route", "namespace", "pattern"), STAFF_ROUTES)
def test_every_staff_view_lets_staff_with_totp_past_the_gate(
    route, namespace, pattern, program, settings
):
    """The gate asks for the second factor, nothing else: with TOTP set up, no view sends staff
    to set it up (what the view answers next is its own policy decision)."""
    settings.STAFF_MFA_REQUIRED = True
    try:
        response = _call(pattern, _staff_user(program, totp=True))
    except (Http404, PermissionDenied):
        return  # past the gate: the view's own decision
    location = response.get("Location", "") if response.status_code == 302 else ""
    assert location != reverse("mfa_activate_totp"), route


@pytest.mark.parametrize(("route", "namespace", "pattern"), STAFF_ROUTES)
def test_every_staff_view_sends_anonymous_visitors_to_sign_in(route, namespace, pattern, db):
    response = _call(pattern, AnonymousUser())
    assert response.status_code == 302, route
    assert "login" in response["Location"], route


# What a view's own source says when it decides by staff powers.
STAFF_POWER_CALLS = (
    "policy.",
    "program_for(",
    "staff_required",
    "reviewer_required",
    "staff_view",
)


def _innermost(callback):
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
    return inspect.unwrap(view) if callable(view) and not inspect.isclass(view) else view


@pytest.mark.parametrize(("route", "namespace", "pattern"), ROUTES)
def test_a_view_that_asks_for_staff_powers_is_a_staff_view(route, namespace, pattern):
    if route.startswith("admin/"):
        return  # the admin's views are Django's, all behind staff_admin_urls
    try:
        source = inspect.getsource(_innermost(pattern.callback))
    except (OSError, TypeError):
        return  # built in (allauth, DRF schema views): no source of ours
    if any(call in source for call in STAFF_POWER_CALLS):
        assert access_decision(pattern.callback) == STAFF, route


def test_the_staff_scan_sees_the_staff_preview():
    routes = {
        param.values[0]: param.values[2].callback
        for param in ROUTES
        if param.values[0] == "videos/<str:public_id>/review-media"
    }
    source = inspect.getsource(_innermost(routes["videos/<str:public_id>/review-media"]))
    assert "policy.can_review_output" in source
