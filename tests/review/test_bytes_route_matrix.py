"""Every route that serves bytes (video, attachments, CSV), as found in the URL conf, for every
caller: role (the tester who owns the object, another tester, reviewer, program manager, admin,
finance, anonymous) x second factor set up or not x program active or paused. Each cell
asserts the exact status; a new bytes route fails the walk until it has a row here.

The second factor is required, as in production. The answers follow accessprogram.access.policy
(see docs/access-policy.md): staff without TOTP are sent to set it up (302) before any staff
route; review work needs an active program (a paused program's preview answers 404, as its
claim does); console downloads hold in any program state; owners' routes answer 404 to everyone
else; anonymous visitors are sent to sign in, or get 401 from the API.
"""

import datetime
import inspect
import re

import pytest
from allauth.mfa.models import Authenticator
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient
from sharing_helpers import PREVIEW, PUBLISHED, approve, ask, finished_output, make_published_ready

from accessprogram.compensation.payouts import close_period, open_period
from accessprogram.feedback import services as feedback
from accessprogram.feedback.bugs import file_bug
from accessprogram.programs.models import Membership, Program
from factories import MembershipFactory, token_for
from review.models import ShareLink

pytestmark = pytest.mark.django_db

# What a view's source calls when it answers with bytes rather than a page.
BYTES_CALLS = re.compile(
    r"video_response\(|attachment_response\(|statement_response\(|(?<![\w])_csv\("
    r"|FileResponse\(|StreamingHttpResponse\(|text/csv"
)
ROLES = ["owner", "other_tester", "reviewer", "manager", "admin", "finance", "anonymous"]
STAFF = {"reviewer", "manager", "admin", "finance"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def _view_source(callback) -> str:
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
    try:
        return inspect.getsource(view if inspect.isclass(view) else inspect.unwrap(view))
    except (OSError, TypeError):
        return ""  # built in (allauth, Django admin, DRF schema): serves pages, not our bytes


def bytes_routes() -> set[str]:
    return {
        route
        for route, pattern in _walk(get_resolver().url_patterns)
        if BYTES_CALLS.search(_view_source(pattern.callback))
    }


# --- What each cell should answer -------------------------------------------------------------

# Who gets the bytes of each staff route (in any program state unless said otherwise).
STAFF_ROUTE_ROLES = {
    # The review preview is review work: an active program only (see expected()).
    "videos/<str:public_id>/review-media": {"reviewer", "manager", "admin"},
    # Console feedback pages are open to every staff role of the program.
    "console/feedback/<slug:slug>/bugs/<int:bug_id>/attachments/<int:attachment_id>": STAFF,
    "console/feedback/<slug:slug>/bugs.csv": STAFF,
    "console/feedback/<slug:slug>/forms/<int:form_id>/responses.csv": STAFF,
    # Money: finance and admins.
    "console/finance/<slug:slug>/periods/<int:period_id>/payouts.csv": {"finance", "admin"},
    "console/finance/<slug:slug>/periods/<int:period_id>/statements/<int:membership_id>/csv": {
        "finance",
        "admin",
    },
}
OWNER_ROUTES = {
    "videos/<str:public_id>/media",
    "videos/<str:public_id>/reference",
    "feedback/bugs/<int:bug_id>/attachments/<int:attachment_id>",
    "earnings/statements/<int:period_id>/csv",
}
SHARE_VIDEO = "s/<str:token>/video"
API_CONTENT = "v1/videos/<str:video_id>/content"
PREVIEW_ROUTES = {
    "videos/<str:public_id>/media",
    "videos/<str:public_id>/review-media",
    API_CONTENT,
}
MATRIX_ROUTES = {*STAFF_ROUTE_ROLES, *OWNER_ROUTES, SHARE_VIDEO, API_CONTENT}


def expected(route: str, role: str, totp: bool, paused: bool) -> int:
    if route == SHARE_VIDEO:
        return 200  # a live link is public, whatever the program's state
    if route == API_CONTENT:
        if role not in ("owner", "other_tester"):
            return 401  # no token: the API knows no session
        if paused:
            return 403  # the program's access is paused: OpenAI's error shape says so
        return 200 if role == "owner" else 404
    if role == "anonymous":
        return 302  # to sign in
    if route == "earnings/statements/<int:period_id>/csv":
        # The caller's own statement of the period: every tester of the program has one (the
        # route names a period, not a person), readable while the program is paused too.
        return 200 if role in ("owner", "other_tester") else 404
    if route in OWNER_ROUTES:
        return 200 if role == "owner" else 404
    if role in STAFF and not totp:
        return 302  # to set up the second factor, before anything else
    if role not in STAFF_ROUTE_ROLES[route]:
        return 404
    if paused and route == "videos/<str:public_id>/review-media":
        return 404
    return 200


# --- The world --------------------------------------------------------------------------------


@pytest.fixture
def world(program, tester, media_root, settings):
    """One program with an output of `tester` (preview, approved and published), a bug with an
    attachment, a feedback form and a closed payout period; a person for every role."""
    settings.STAFF_MFA_REQUIRED = True
    people = {
        "owner": tester.user,
        "other_tester": MembershipFactory(program=program).user,
        "reviewer": MembershipFactory(program=program, role=Membership.Role.REVIEWER).user,
        "manager": MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER).user,
        "admin": MembershipFactory(program=program, role=Membership.Role.ADMIN).user,
        "finance": MembershipFactory(program=program, role=Membership.Role.FINANCE).user,
    }
    tokens = {
        "owner": token_for(tester),
        "other_tester": token_for(Membership.objects.get(user=people["other_tester"])),
    }
    generation = finished_output(tester=tester.user, program=program)
    # The image it started from (input_reference): its owner's alone, like the preview.
    generation.reference_key = default_storage.save("references/start.png", ContentFile(PNG))
    generation.reference_type = "image/png"
    generation.save(update_fields=["reference_key", "reference_type"])
    share_request = ask(generation, tester.user)
    approve(share_request, people["reviewer"])
    make_published_ready(share_request)
    link = ShareLink.objects.get(share_request=share_request)
    bug = file_bug(
        membership=tester,
        title="Hands melt",
        steps="Generate hands",
        expected="Hands",
        actual="Soup",
        severity="high",
        generation=generation,
        files=[SimpleUploadedFile("hands.png", PNG, content_type="image/png")],
    )
    now = timezone.now()
    form = feedback.create_form(
        program=program,
        title="First week",
        description="How did it go?",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(hours=24),
        cohort=None,
        actor=people["manager"],
    )
    today = now.date()
    period = open_period(
        program=program,
        start=today - datetime.timedelta(days=7),
        end=today - datetime.timedelta(days=1),
        minimum_hourly_rate=0,
        actor=people["finance"],
    )
    close_period(period=period, actor=people["finance"])
    slug = program.slug
    paths = {
        "videos/<str:public_id>/media": f"/videos/{generation.public_id}/media",
        "videos/<str:public_id>/reference": f"/videos/{generation.public_id}/reference",
        "videos/<str:public_id>/review-media": f"/videos/{generation.public_id}/review-media",
        SHARE_VIDEO: f"/s/{link.token}/video",
        API_CONTENT: f"/v1/videos/{generation.public_id}/content",
        "feedback/bugs/<int:bug_id>/attachments/<int:attachment_id>": (
            f"/feedback/bugs/{bug.pk}/attachments/{bug.attachments.get().pk}"
        ),
        "console/feedback/<slug:slug>/bugs/<int:bug_id>/attachments/<int:attachment_id>": (
            f"/console/feedback/{slug}/bugs/{bug.pk}/attachments/{bug.attachments.get().pk}"
        ),
        "console/feedback/<slug:slug>/bugs.csv": f"/console/feedback/{slug}/bugs.csv",
        "console/feedback/<slug:slug>/forms/<int:form_id>/responses.csv": (
            f"/console/feedback/{slug}/forms/{form.pk}/responses.csv"
        ),
        "console/finance/<slug:slug>/periods/<int:period_id>/payouts.csv": (
            f"/console/finance/{slug}/periods/{period.pk}/payouts.csv"
        ),
        "console/finance/<slug:slug>/periods/<int:period_id>/statements/<int:membership_id>/csv": (
            f"/console/finance/{slug}/periods/{period.pk}/statements/{tester.pk}/csv"
        ),
        "earnings/statements/<int:period_id>/csv": f"/earnings/statements/{period.pk}/csv",
    }
    return {"people": people, "tokens": tokens, "paths": paths, "program": program}


def _set_totp(people: dict, on: bool) -> None:
    users = list(people.values())
    Authenticator.objects.filter(user__in=users).delete()
    if on:
        Authenticator.objects.bulk_create(
            Authenticator(user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DP"})
            for user in users
        )


def _get(world, route: str, role: str):
    path = world["paths"][route]
    if route == API_CONTENT:
        api = APIClient()
        if role in world["tokens"]:
            api.credentials(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][role]}")
        return api.get(path)
    client = Client()
    if role != "anonymous":
        client.force_login(world["people"][role])
    return client.get(path)


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _check(response, route: str, role: str) -> None:
    """The right bytes on a 200, the right place on a 302."""
    if response.status_code == 200:
        body = _body(response)
        if route in PREVIEW_ROUTES:
            assert body == PREVIEW, route
        elif route == SHARE_VIDEO:
            assert body == PUBLISHED, route
        elif "attachments" in route or route.endswith("/reference"):
            assert body == PNG, route
        else:
            assert response["Content-Type"].startswith("text/csv"), route
    elif response.status_code == 302:
        where = reverse("account_login") if role == "anonymous" else reverse("mfa_activate_totp")
        assert response["Location"].startswith(where), (route, role)


def test_the_matrix_covers_every_bytes_route_of_the_url_conf():
    assert bytes_routes() == MATRIX_ROUTES


@pytest.mark.parametrize("paused", [False, True], ids=["active", "paused"])
def test_every_bytes_route_for_every_caller(world, paused):
    if paused:
        Program.objects.filter(pk=world["program"].pk).update(status=Program.Status.PAUSED)
    wrong = []
    for totp in (False, True):
        _set_totp(world["people"], totp)
        for route in sorted(MATRIX_ROUTES):
            for role in ROLES:
                if role == "anonymous" and totp:
                    continue  # nobody to set a second factor up for
                response = _get(world, route, role)
                want = expected(route, role, totp, paused)
                if response.status_code != want:
                    wrong.append(f"{route} {role} totp={totp}: {response.status_code} != {want}")
                else:
                    _check(response, route, role)
    assert wrong == []


def test_the_review_preview_follows_the_claim_when_a_program_is_paused(world):
    """The disagreement the policy resolved: a reviewer of a paused program could watch its
    previews but not claim its requests. Now both say no."""
    from review.claims import claim_next_share_request
    from review.services import ReviewError

    _set_totp(world["people"], True)
    reviewer = world["people"]["reviewer"]
    route = "videos/<str:public_id>/review-media"
    assert _get(world, route, "reviewer").status_code == 200
    Program.objects.filter(pk=world["program"].pk).update(status=Program.Status.PAUSED)
    assert _get(world, route, "reviewer").status_code == 404
    with pytest.raises(ReviewError):
        claim_next_share_request(reviewer=reviewer)


def test_the_walk_tells_bytes_from_pages():
    """A view that starts serving a file is found without being listed anywhere."""
    assert BYTES_CALLS.search("return FileResponse(handle)")
    assert BYTES_CALLS.search("return private_video_response(request, storage_key=key)")
    assert BYTES_CALLS.search('return _csv(rows, "bugs.csv")')
    assert not BYTES_CALLS.search("rows = invitations.check_csv(program=program, text=text)")
