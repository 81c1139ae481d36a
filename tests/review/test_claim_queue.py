from datetime import timedelta

import pytest
from django.utils import timezone

from factories import MembershipFactory, ProgramFactory
from review.models import ShareRequest
from review.services import (
    ReviewError,
    _claim_conditional_update,
    claim_next_share_request,
    request_share,
)

pytestmark = pytest.mark.django_db

ASK = {"intended_use": "portfolio", "caption": "", "destination": "my website"}


@pytest.fixture
def pending_requests(completed_generation):
    """make(program, count) -> that many pending requests, oldest first, of different testers."""

    def make(program, count):
        requests = []
        for _ in range(count):
            tester = MembershipFactory(program=program).user
            generation = completed_generation(tester=tester, program=program)
            requests.append(request_share(generation=generation, tester=tester, **ASK))
        return requests

    return make


def test_claims_come_oldest_first_and_differ_per_reviewer(program, pending_requests, make_reviewer):
    first, second = pending_requests(program, 2)
    a, b, c = make_reviewer(program), make_reviewer(program), make_reviewer(program)

    assert claim_next_share_request(reviewer=a) == first
    assert claim_next_share_request(reviewer=b) == second
    assert claim_next_share_request(reviewer=c) is None

    first.refresh_from_db()
    assert first.claimed_by == a
    assert first.lease_expires_at > timezone.now() + timedelta(seconds=290)


def test_an_expired_lease_returns_the_request_to_the_queue(
    program, pending_requests, make_reviewer
):
    (share_request,) = pending_requests(program, 1)
    a, b = make_reviewer(program), make_reviewer(program)
    claim_next_share_request(reviewer=a, lease_seconds=60)
    assert claim_next_share_request(reviewer=b) is None

    ShareRequest.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    assert claim_next_share_request(reviewer=b) == share_request
    share_request.refresh_from_db()
    assert share_request.claimed_by == b


def test_program_ids_narrow_the_queue(program, pending_requests, make_reviewer):
    other_program = ProgramFactory()
    (here,) = pending_requests(program, 1)
    (there,) = pending_requests(other_program, 1)
    reviewer = make_reviewer(program)
    MembershipFactory(user=reviewer, program=other_program, role="reviewer")

    assert claim_next_share_request(reviewer=reviewer, program_ids=[other_program.pk]) == there
    assert claim_next_share_request(reviewer=reviewer, program_ids=[other_program.pk]) is None
    assert claim_next_share_request(reviewer=reviewer) == here


def test_suspended_reviewers_cannot_claim(program, pending_requests, make_reviewer):
    pending_requests(program, 1)
    reviewer = make_reviewer(program, status="suspended")
    with pytest.raises(ReviewError, match="not a reviewer"):
        claim_next_share_request(reviewer=reviewer)


def test_withdrawn_requests_leave_the_queue(program, pending_requests, make_reviewer):
    pending_requests(program, 1)
    ShareRequest.objects.update(status=ShareRequest.Status.WITHDRAWN)
    assert claim_next_share_request(reviewer=make_reviewer(program)) is None


def test_a_lease_must_be_positive(program, pending_requests, make_reviewer):
    with pytest.raises(ReviewError, match="lease"):
        claim_next_share_request(reviewer=make_reviewer(program), lease_seconds=0)


def test_the_conditional_update_passes_over_a_request_taken_since_it_looked(
    program, pending_requests, make_reviewer
):
    """SQLite path: the candidate list is read before the UPDATE, so another reviewer may take a
    candidate in between. The UPDATE only matches a free row, so the loser moves on."""
    taken, free = pending_requests(program, 2)
    a, b = make_reviewer(program), make_reviewer(program)
    now = timezone.now()
    lease = now + timedelta(minutes=5)
    ShareRequest.objects.filter(pk=taken.pk).update(claimed_by=a, lease_expires_at=lease)
    # A stale view of the queue that still lists the taken request first.
    stale_queue = ShareRequest.objects.filter(pk__in=[taken.pk, free.pk]).order_by("created_at")

    won = _claim_conditional_update(stale_queue, reviewer=b, now=now, lease=lease)

    assert won == free
    taken.refresh_from_db()
    assert taken.claimed_by == a  # not stolen
    free.refresh_from_db()
    assert free.claimed_by == b
