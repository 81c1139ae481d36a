from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accessprogram.audit.models import AuditRecord
from factories import MembershipFactory, ProgramFactory
from review.claims import _claim_conditional_update, claim_next_share_request
from review.models import ShareRequest
from review.services import ReviewError, decide, request_share

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


def _hold(share_request, reviewer, *, expired: bool):
    """Put `share_request` in `reviewer`'s hands, with a lease that ran out or one still live."""
    lease = timezone.now() + (timedelta(seconds=-1) if expired else timedelta(minutes=5))
    ShareRequest.objects.filter(pk=share_request.pk).update(
        claimed_by=reviewer, lease_expires_at=lease
    )


def test_a_claim_is_not_audited_and_the_holder_is_on_the_row(
    program, pending_requests, make_reviewer
):
    """A lease is not a decision (decide audits who decided, holding the lease); see
    claim_next_share_request for why claims stay out of the audit chain."""
    (share_request,) = pending_requests(program, 1)
    reviewer = make_reviewer(program)
    before = AuditRecord.objects.count()

    claimed = claim_next_share_request(reviewer=reviewer, lease_seconds=120)

    assert AuditRecord.objects.count() == before
    assert claimed.claimed_by_id == reviewer.pk
    assert claimed.program == program
    share_request.refresh_from_db()
    assert (share_request.claimed_by, share_request.lease_expires_at) == (
        reviewer,
        claimed.lease_expires_at,
    )


def test_an_expired_lease_older_than_the_free_head_is_handed_out_first(
    program, pending_requests, make_reviewer
):
    oldest, middle, newest = pending_requests(program, 3)
    departed, reviewer = make_reviewer(program), make_reviewer(program)
    _hold(oldest, departed, expired=False)
    _hold(middle, departed, expired=True)

    assert claim_next_share_request(reviewer=reviewer) == middle
    assert claim_next_share_request(reviewer=reviewer) == newest
    assert claim_next_share_request(reviewer=reviewer) is None  # `oldest` is still held


def test_a_free_request_older_than_an_expired_lease_is_handed_out_first(
    program, pending_requests, make_reviewer
):
    oldest, newer = pending_requests(program, 2)
    departed, reviewer = make_reviewer(program), make_reviewer(program)
    _hold(newer, departed, expired=True)

    assert claim_next_share_request(reviewer=reviewer) == oldest
    assert claim_next_share_request(reviewer=reviewer) == newer
    newer.refresh_from_db()
    assert newer.claimed_by == reviewer


def test_the_first_approver_never_gets_a_two_reviewer_request_back(
    program, pending_requests, make_reviewer
):
    """Not when it returns to the queue after their approval, nor when the second reviewer's
    lease on it runs out."""
    program.approval_policy = "two_reviewers"
    program.save()
    (share_request,) = pending_requests(program, 1)
    first, second, third = make_reviewer(program), make_reviewer(program), make_reviewer(program)
    assert claim_next_share_request(reviewer=first) == share_request
    decide(share_request=share_request, reviewer=first, outcome="approve")

    assert claim_next_share_request(reviewer=first) is None
    assert claim_next_share_request(reviewer=second) == share_request
    ShareRequest.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    assert claim_next_share_request(reviewer=first) is None
    assert claim_next_share_request(reviewer=third) == share_request


def test_nobody_gets_their_own_request_back_when_a_lease_runs_out(
    program, completed_generation, make_reviewer
):
    author = make_reviewer(program)  # a reviewer who also makes videos
    generation = completed_generation(tester=author, program=program)
    share_request = request_share(generation=generation, tester=author, **ASK)
    _hold(share_request, make_reviewer(program), expired=True)

    assert claim_next_share_request(reviewer=author) is None
    assert claim_next_share_request(reviewer=make_reviewer(program)) == share_request


def test_a_reviewer_of_two_programs_gets_the_oldest_across_both(
    program, pending_requests, make_reviewer
):
    other_program = ProgramFactory()
    (first,) = pending_requests(other_program, 1)
    second, third = pending_requests(program, 2)
    (fourth,) = pending_requests(other_program, 1)
    reviewer = make_reviewer(program)
    MembershipFactory(user=reviewer, program=other_program, role="reviewer")
    _hold(third, make_reviewer(program), expired=True)

    claims = [claim_next_share_request(reviewer=reviewer) for _ in range(5)]

    assert claims == [first, second, third, fourth, None]


def test_expired_leases_of_other_programs_stay_out_of_reach(
    program, pending_requests, make_reviewer
):
    other_program = ProgramFactory()
    (elsewhere,) = pending_requests(other_program, 1)
    _hold(elsewhere, make_reviewer(other_program), expired=True)
    reviewer = make_reviewer(program)

    assert claim_next_share_request(reviewer=reviewer) is None
    with pytest.raises(ReviewError, match="not a reviewer"):
        claim_next_share_request(reviewer=reviewer, program_ids=[other_program.pk])
    elsewhere.refresh_from_db()
    assert elsewhere.lease_expires_at < timezone.now()


def test_a_claim_touches_the_queue_once_and_never_the_audit_chain(
    program, pending_requests, make_reviewer
):
    pending_requests(program, 3)
    reviewer = make_reviewer(program)
    with CaptureQueriesContext(connection) as queries:
        assert claim_next_share_request(reviewer=reviewer) is not None
    statements = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in statements if "audit_" in sql]
    if connection.vendor == "postgresql":  # SKIP LOCKED: one statement finds, locks, claims
        assert len([sql for sql in statements if "review_sharerequest" in sql]) == 1


def test_claim_next_through_the_page_honours_leases(program, pending_requests, make_reviewer):
    """Two reviewers pressing "Claim next" open different requests; a lease that runs out
    sends the request to the next reviewer who presses it."""
    first, second = pending_requests(program, 2)
    a, b, c = make_reviewer(program), make_reviewer(program), make_reviewer(program)
    browsers = {}
    for reviewer in (a, b, c):
        browsers[reviewer] = Client()
        browsers[reviewer].force_login(reviewer)

    assert browsers[a].post("/review/claim")["Location"] == f"/review/requests/{first.pk}/"
    assert browsers[b].post("/review/claim")["Location"] == f"/review/requests/{second.pk}/"
    assert browsers[c].post("/review/claim")["Location"] == "/review/"
    assert browsers[c].get(f"/review/requests/{first.pk}/").status_code == 404  # a's, for now

    ShareRequest.objects.filter(pk=first.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert browsers[c].post("/review/claim")["Location"] == f"/review/requests/{first.pk}/"
    assert browsers[c].get(f"/review/requests/{first.pk}/").status_code == 200
