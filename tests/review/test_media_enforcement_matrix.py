"""Every URL that serves video, for every kind of caller, in every state of sharing.

URLs: the owner's portal preview, the staff review preview, the public share page and its
video, and the API's /v1/videos/{id}/content (through the caller's own token, where they have
one). Callers: anonymous, another tester of the program, the owner, a reviewer of another
program, a reviewer of this program, a program manager of this program. States: pending,
rejected, approved (published copy ready), link revoked, tester revoked.

Only the allowed cells succeed, with exactly the file they should serve. Every other cell
answers 302 (to sign in), 401, 403 or 404 and its body holds no part of any stored video.

In "pending" and "rejected" a share link row and a ready published file exist anyway (made
behind the services' back): the share URLs must still refuse, because the request is not
approved, not merely because no link was ever made.
"""

from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient
from sharing_helpers import (
    PREVIEW,
    PUBLISHED,
    approve,
    ask,
    body_of,
    finished_output,
    make_published_ready,
)

from accessprogram.access.revocation import block_access
from factories import MembershipFactory, ProgramFactory, token_for
from generation.provenance.services import publish_rendition
from review.claims import claim_next_share_request
from review.models import ShareLink, ShareRequest
from review.services import decide, revoke_share_link

pytestmark = pytest.mark.django_db

URLS = ["portal_media", "review_media", "share_page", "share_video", "api_content"]
CALLERS = ["anonymous", "other_tester", "owner", "reviewer_elsewhere", "reviewer_here", "staff"]
STATES = ["pending", "rejected", "approved", "link_revoked", "tester_revoked"]
REFUSALS = {302, 401, 403, 404}


def allowed(url: str, caller: str, state: str) -> bool:
    if url in ("share_page", "share_video"):
        return state == "approved"  # anyone, signed in or not
    if url in ("portal_media", "api_content"):
        return caller == "owner" and state != "tester_revoked"
    if url == "review_media":
        return caller in ("reviewer_here", "staff")
    raise AssertionError(url)


@pytest.fixture
def world(program, tester, media_root):
    """The owner's finished output, the other callers, and their tokens."""
    reviewer = MembershipFactory(program=program, role="reviewer").user
    other = MembershipFactory(program=program)
    people = {
        "owner": tester,
        "other_tester": other,
        "reviewer_here": reviewer,
        "reviewer_elsewhere": MembershipFactory(program=ProgramFactory(), role="reviewer").user,
        "staff": MembershipFactory(program=program, role="program_manager").user,
    }
    tokens = {"owner": token_for(tester), "other_tester": token_for(other)}
    generation = finished_output(tester=tester.user, program=program)
    return {"generation": generation, "people": people, "tokens": tokens, "reviewer": reviewer}


def bring_about(state: str, world) -> str:
    """Put the output in `state`; returns the share token to try."""
    generation, owner = world["generation"], world["people"]["owner"]
    reviewer = world["reviewer"]
    share_request = ask(generation, owner.user)
    if state in ("pending", "rejected"):
        if state == "rejected":
            claim_next_share_request(reviewer=reviewer)
            decide(
                share_request=share_request, reviewer=reviewer, outcome="reject", reason_code="nsfw"
            )
        publish_rendition(
            generation=generation, approval_ref=str(share_request.pk), approved_by=reviewer
        )
        make_published_ready(share_request)
        return ShareLink.objects.create(share_request=share_request).token
    approve(share_request, reviewer)
    make_published_ready(share_request)
    link = ShareLink.objects.get(share_request=share_request)
    if state == "link_revoked":
        revoke_share_link(link=link, actor=reviewer, reason="takedown")
    if state == "tester_revoked":
        block_access(target=owner, kind="revocation", reason="leaked a token")
    assert ShareRequest.objects.get(pk=share_request.pk).status in ("approved",)
    return link.token


def client_for(caller: str, world):
    if caller == "anonymous":
        return Client(), APIClient()
    person = world["people"][caller]
    user = getattr(person, "user", person)
    user.refresh_from_db()  # a revocation moves the session epoch on: sign in as of now
    web = Client()
    web.force_login(user)
    api = APIClient()
    if caller in world["tokens"]:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][caller]}")
    return web, api


def stored_videos(media_root: Path) -> list[bytes]:
    return [path.read_bytes() for path in Path(media_root).rglob("*") if path.is_file()]


def leaked_fragment(body: bytes, videos: list[bytes]) -> bool:
    """True if `body` holds a 48-byte window from anywhere inside a stored video."""
    for video in videos:
        for start in range(256, max(len(video) - 48, 257), max(len(video) // 16, 1)):
            if video[start : start + 48] in body:
                return True
    return False


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("url", URLS)
def test_media_enforcement(url, caller, state, world, media_root):
    token = bring_about(state, world)
    web, api = client_for(caller, world)
    public_id = world["generation"].public_id
    if url == "portal_media":
        response = web.get(f"/videos/{public_id}/media")
    elif url == "review_media":
        response = web.get(f"/videos/{public_id}/review-media")
    elif url == "share_page":
        response = web.get(f"/s/{token}/")
    elif url == "share_video":
        response = web.get(f"/s/{token}/video")
    else:
        response = api.get(f"/v1/videos/{public_id}/content")
    body = body_of(response)

    if allowed(url, caller, state):
        assert response.status_code == 200, (response.status_code, body[:300])
        expected = {
            "portal_media": PREVIEW,
            "review_media": PREVIEW,
            "share_video": PUBLISHED,
            "api_content": PREVIEW,
        }.get(url)
        if expected is None:  # the share page: HTML pointing at the share video
            assert f"/s/{token}/video" in body.decode()
            assert not leaked_fragment(body, stored_videos(media_root))
        else:
            assert body == expected
    else:
        assert response.status_code in REFUSALS, (response.status_code, body[:300])
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")
        assert b"mdat" not in body and b"ftyp" not in body
        assert not leaked_fragment(body, stored_videos(media_root))
