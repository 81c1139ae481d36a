from datetime import timedelta

import pytest
from django.utils import timezone

from factories import MembershipFactory, ProgramFactory
from review.claims import claim_next_share_request
from review.models import ShareLink, ShareRequest
from review.selectors import share_link_for_token
from review.services import ReviewError, decide, request_share, revoke_share_link

pytestmark = pytest.mark.django_db

ASK = {"intended_use": "portfolio", "caption": "Fog study", "destination": "my website"}


@pytest.fixture
def share_request(tester, generation):
    return request_share(generation=generation, tester=tester.user, **ASK)


def approve(share_request, reviewer, **kwargs):
    claim_next_share_request(reviewer=reviewer)
    return decide(share_request=share_request, reviewer=reviewer, outcome="approve", **kwargs)


def test_approval_creates_a_working_unguessable_link(share_request, reviewer):
    approve(share_request, reviewer)
    link = ShareLink.objects.get(share_request=share_request)

    assert len(link.token) >= 43  # 32 random bytes, base64url
    assert share_link_for_token(token=link.token) == link
    assert share_link_for_token(token=link.token[:-1]) is None
    assert share_link_for_token(token="") is None


def test_no_link_before_approval(share_request, reviewer):
    claim_next_share_request(reviewer=reviewer)
    decide(share_request=share_request, reviewer=reviewer, outcome="reject", reason_code="nsfw")
    assert not ShareLink.objects.exists()


def test_revoking_stops_the_link_at_once(tester, share_request, reviewer):
    approve(share_request, reviewer)
    link = ShareLink.objects.get()

    revoke_share_link(link=link, actor=tester.user, reason="posted by mistake")

    assert share_link_for_token(token=link.token) is None
    link.refresh_from_db()
    assert link.revoked_by == tester.user
    assert link.revoke_reason == "posted by mistake"


def test_an_expired_link_stops(share_request, reviewer):
    approve(share_request, reviewer, link_expires_at=timezone.now() + timedelta(days=7))
    link = ShareLink.objects.get()
    assert share_link_for_token(token=link.token) == link

    ShareLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert share_link_for_token(token=link.token) is None


def test_a_link_stops_when_the_approval_is_gone(share_request, reviewer):
    approve(share_request, reviewer)
    link = ShareLink.objects.get()
    ShareRequest.objects.update(status=ShareRequest.Status.WITHDRAWN)
    assert share_link_for_token(token=link.token) is None


def test_a_link_stops_when_the_output_is_deleted(share_request, reviewer):
    approve(share_request, reviewer)
    link = ShareLink.objects.get()
    generation = share_request.generation
    generation.deleted_at = timezone.now()
    generation.save()
    assert share_link_for_token(token=link.token) is None


def test_strangers_cannot_revoke(program, share_request, reviewer, make_reviewer):
    approve(share_request, reviewer)
    link = ShareLink.objects.get()
    for stranger in (
        MembershipFactory(program=program).user,
        make_reviewer(ProgramFactory()),
    ):
        with pytest.raises(ReviewError, match="may not revoke"):
            revoke_share_link(link=link, actor=stranger, reason="")
    assert share_link_for_token(token=link.token) == link
    revoke_share_link(link=link, actor=reviewer, reason="takedown request")
    assert share_link_for_token(token=link.token) is None
