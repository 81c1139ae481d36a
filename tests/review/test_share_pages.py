"""The public share page and its video: no sign-in, the published rendition only, checked on
every request, 404 without a hint whenever the link should not work."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from sharing_helpers import (
    PREVIEW,
    PUBLISHED,
    approve,
    ask,
    body_of,
    finished_output,
    make_published_ready,
)

from accessprogram.audit.models import AuditRecord
from clients import signed_in
from factories import MembershipFactory, ProgramFactory
from generation.models import Rendition
from review.approvals import revoke_approval
from review.models import ShareLink, ShareRequest
from review.services import ReviewError, revoke_share_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(tester, reviewer, media_root):
    generation = finished_output(tester=tester.user, program=tester.program)
    share_request = approve(ask(generation, tester.user), reviewer)
    return share_request


@pytest.fixture
def link(approved):
    return ShareLink.objects.get(share_request=approved)


def test_approval_requests_a_published_rendition_for_that_approval(approved, reviewer):
    rendition = Rendition.objects.get(kind=Rendition.Kind.PUBLISHED)
    assert rendition.generation == approved.generation
    assert rendition.approval_ref == str(approved.pk)
    assert rendition.approved_by == reviewer
    assert rendition.status == Rendition.Status.PENDING


def test_the_page_is_a_404_while_the_shared_copy_is_being_prepared(link):
    client = Client()
    page = client.get(f"/s/{link.token}/")
    assert page.status_code == 404
    assert b"being prepared" in page.content
    assert page["Cache-Control"] == "no-store"
    assert client.get(f"/s/{link.token}/video").status_code == 404


def test_anyone_watches_the_published_rendition_once_it_is_ready(approved, link):
    make_published_ready(approved)
    client = Client()  # nobody signed in

    page = client.get(f"/s/{link.token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert "Fog over the harbour" in html
    assert f'<meta property="og:video" content="http://testserver/s/{link.token}/video">' in html
    assert '<meta property="og:title" content="Fog over the harbour">' in html
    assert '<meta property="og:video:type" content="video/mp4">' in html
    assert f'src="http://testserver/s/{link.token}/video"' in html

    video = client.get(f"/s/{link.token}/video")
    assert video.status_code == 200
    assert video["Content-Type"] == "video/mp4"
    assert video["Cache-Control"] == "no-store"
    body = body_of(video)
    assert body == PUBLISHED
    assert body != PREVIEW


def test_the_video_answers_byte_ranges(approved, link):
    make_published_ready(approved)
    response = Client().get(f"/s/{link.token}/video", HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(PUBLISHED)}"
    assert body_of(response) == PUBLISHED[100:200]


@pytest.mark.parametrize("path", ["", "video"])
def test_unknown_tokens_are_plain_404s(approved, path):
    make_published_ready(approved)
    for token in ["nope", "x" * 43, "x" * 200]:
        response = Client().get(f"/s/{token}/{path}")
        assert response.status_code == 404
        assert b"being prepared" not in response.content


def test_a_revoked_link_stops_on_the_next_request(approved, link, tester):
    make_published_ready(approved)
    client = Client()
    assert client.get(f"/s/{link.token}/video").status_code == 200

    revoke_share_link(link=link, actor=tester.user, reason="posted too early")

    for path in ["", "video"]:
        response = client.get(f"/s/{link.token}/{path}")
        assert response.status_code == 404
        assert b"being prepared" not in response.content


def test_an_expired_link_stops(approved, link):
    make_published_ready(approved)
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(f"/s/{link.token}/").status_code == 404


def test_revoking_the_approval_stops_every_link_and_is_audited(approved, link, reviewer):
    make_published_ready(approved)
    client = Client()
    assert client.get(f"/s/{link.token}/").status_code == 200

    revoke_approval(share_request=approved, actor=reviewer, reason="likeness complaint")

    assert client.get(f"/s/{link.token}/").status_code == 404
    assert client.get(f"/s/{link.token}/video").status_code == 404
    approved.refresh_from_db()
    link.refresh_from_db()
    assert approved.status == ShareRequest.Status.REVOKED
    assert approved.approval_revoked_by == reviewer
    assert link.revoked_at is not None
    record = AuditRecord.objects.get(action="share_request.approval_revoked")
    assert record.data["share_links"] == [link.pk]
    assert record.data["reason"] == "likeness complaint"


def test_revoking_an_approval_needs_a_reason_and_a_role(approved, program, tester):
    with pytest.raises(ReviewError, match="why"):
        revoke_approval(share_request=approved, actor=tester.user, reason=" ")
    for stranger in (
        tester.user,
        MembershipFactory(program=program).user,
        MembershipFactory(program=ProgramFactory(), role="reviewer").user,
    ):
        with pytest.raises(ReviewError, match="may not revoke"):
            revoke_approval(share_request=approved, actor=stranger, reason="no")
    approved.refresh_from_db()
    assert approved.status == ShareRequest.Status.APPROVED


def test_a_deleted_output_stops_its_page(approved, link):
    make_published_ready(approved)
    generation = approved.generation
    generation.deleted_at = timezone.now()
    generation.save(update_fields=["deleted_at"])
    assert Client().get(f"/s/{link.token}/video").status_code == 404


def test_signed_in_people_see_the_same_public_page(approved, link, tester):
    make_published_ready(approved)
    assert signed_in(tester.user).get(f"/s/{link.token}/").status_code == 200


def test_post_is_not_allowed(approved, link):
    make_published_ready(approved)
    assert Client().post(f"/s/{link.token}/").status_code == 405
