from datetime import timedelta

import pytest
from django.utils import timezone

from accessprogram.audit.models import AuditRecord
from factories import MembershipFactory, ProgramFactory
from review.claims import claim_next_share_request
from review.models import ReviewDecision, ShareRequest
from review.services import ReviewError, decide, request_share, resubmit

pytestmark = pytest.mark.django_db

ASK = {"intended_use": "portfolio", "caption": "Fog study", "destination": "my website"}


@pytest.fixture
def share_request(tester, generation):
    return request_share(generation=generation, tester=tester.user, **ASK)


def test_the_lease_holder_approves_and_a_link_exists(share_request, reviewer):
    claimed = claim_next_share_request(reviewer=reviewer)
    assert claimed == share_request

    decided = decide(share_request=claimed, reviewer=reviewer, outcome="approve")

    assert decided.status == ShareRequest.Status.APPROVED
    assert decided.decided_at is not None
    assert decided.claimed_by is None
    assert decided.links.count() == 1
    audit = AuditRecord.objects.get(action="share_request.approve")
    assert audit.data["program"] == share_request.program.slug
    # A lease is not a decision: claims are not audited (see claim_next_share_request).
    assert not AuditRecord.objects.filter(action="share_request.claim").exists()


def test_only_the_lease_holder_decides(program, share_request, reviewer, make_reviewer):
    other = make_reviewer(program)
    claim_next_share_request(reviewer=reviewer)

    with pytest.raises(ReviewError, match="Claim this request"):
        decide(share_request=share_request, reviewer=other, outcome="approve")
    assert not ReviewDecision.objects.exists()


def test_an_unclaimed_request_cannot_be_decided(share_request, reviewer):
    with pytest.raises(ReviewError, match="Claim this request"):
        decide(share_request=share_request, reviewer=reviewer, outcome="approve")


def test_an_expired_lease_cannot_decide(share_request, reviewer):
    claim_next_share_request(reviewer=reviewer)
    ShareRequest.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ReviewError, match="lease"):
        decide(share_request=share_request, reviewer=reviewer, outcome="approve")


def test_a_reviewer_of_another_program_cannot_claim_or_decide(
    share_request, reviewer, make_reviewer
):
    outsider = make_reviewer(ProgramFactory())
    assert claim_next_share_request(reviewer=outsider) is None
    with pytest.raises(ReviewError, match="not a reviewer"):
        claim_next_share_request(reviewer=outsider, program_ids=[share_request.program_id])
    # Even holding the lease (set behind the services' back), they may not decide.
    ShareRequest.objects.update(
        claimed_by=outsider, lease_expires_at=timezone.now() + timedelta(minutes=5)
    )
    with pytest.raises(ReviewError, match="not a reviewer"):
        decide(share_request=share_request, reviewer=outsider, outcome="approve")


def test_a_tester_cannot_claim(tester, share_request):
    with pytest.raises(ReviewError, match="not a reviewer"):
        claim_next_share_request(reviewer=tester.user)


def test_reviewers_do_not_get_their_own_requests(program, completed_generation):
    reviewer_membership = MembershipFactory(program=program, role="reviewer")
    generation = completed_generation(tester=reviewer_membership.user, program=program)
    request_share(generation=generation, tester=reviewer_membership.user, **ASK)
    assert claim_next_share_request(reviewer=reviewer_membership.user) is None


def test_two_reviewers_policy_needs_two_distinct_approvals(
    program, tester, reviewer, completed_generation, make_reviewer
):
    program.approval_policy = "two_reviewers"
    program.save()
    generation = completed_generation(tester=tester.user, program=program)
    share_request = request_share(generation=generation, tester=tester.user, **ASK)
    second = make_reviewer(program)

    claim_next_share_request(reviewer=reviewer)
    after_one = decide(share_request=share_request, reviewer=reviewer, outcome="approve")
    assert after_one.status == ShareRequest.Status.PENDING
    assert not after_one.links.exists()
    # The first reviewer does not get it again; the second does.
    assert claim_next_share_request(reviewer=reviewer) is None
    assert claim_next_share_request(reviewer=second) == share_request

    after_two = decide(share_request=share_request, reviewer=second, outcome="approve")
    assert after_two.status == ShareRequest.Status.APPROVED
    assert after_two.links.count() == 1


def test_a_second_reviewer_rejecting_ends_a_two_reviewer_request(
    program, tester, reviewer, completed_generation, make_reviewer
):
    program.approval_policy = "two_reviewers"
    program.save()
    share_request = request_share(
        generation=completed_generation(tester=tester.user, program=program),
        tester=tester.user,
        **ASK,
    )
    second = make_reviewer(program)
    claim_next_share_request(reviewer=reviewer)
    decide(share_request=share_request, reviewer=reviewer, outcome="approve")
    claim_next_share_request(reviewer=second)

    ended = decide(
        share_request=share_request, reviewer=second, outcome="reject", reason_code="likeness"
    )
    assert ended.status == ShareRequest.Status.REJECTED
    assert not ended.links.exists()


def test_a_rejection_needs_a_reason_code(share_request, reviewer):
    claim_next_share_request(reviewer=reviewer)
    with pytest.raises(ReviewError, match="reason"):
        decide(share_request=share_request, reviewer=reviewer, outcome="reject")
    decided = decide(
        share_request=share_request,
        reviewer=reviewer,
        outcome="reject",
        reason_code="brand_safety",
        note="Logo visible at 0:02.",
    )
    assert decided.status == ShareRequest.Status.REJECTED
    assert decided.decisions.get().note == "Logo visible at 0:02."


def test_a_decided_request_cannot_be_decided_again(share_request, reviewer):
    claim_next_share_request(reviewer=reviewer)
    decide(share_request=share_request, reviewer=reviewer, outcome="request_changes")
    with pytest.raises(ReviewError, match="already been decided"):
        decide(share_request=share_request, reviewer=reviewer, outcome="approve")


def test_unknown_outcomes_are_refused(share_request, reviewer):
    claim_next_share_request(reviewer=reviewer)
    with pytest.raises(ReviewError, match="Unknown"):
        decide(share_request=share_request, reviewer=reviewer, outcome="maybe")


@pytest.mark.parametrize("outcome", ["reject", "request_changes"])
def test_resubmit_once_after_rejection_or_changes(tester, share_request, reviewer, outcome):
    claim_next_share_request(reviewer=reviewer)
    decide(share_request=share_request, reviewer=reviewer, outcome=outcome, reason_code="caption")

    # Asking afresh is not a way around the single resubmission.
    with pytest.raises(ReviewError, match="resubmit"):
        request_share(generation=share_request.generation, tester=tester.user, **ASK)
    again = resubmit(share_request=share_request, tester=tester.user, caption="Fog, v2")
    assert again.status == ShareRequest.Status.PENDING
    assert again.resubmitted_from == share_request
    assert again.caption == "Fog, v2"
    assert again.intended_use == share_request.intended_use

    with pytest.raises(ReviewError, match="already been resubmitted"):
        resubmit(share_request=share_request, tester=tester.user)
    claim_next_share_request(reviewer=reviewer)
    decide(share_request=again, reviewer=reviewer, outcome="reject", reason_code="caption")
    with pytest.raises(ReviewError, match="already been resubmitted"):
        resubmit(share_request=again, tester=tester.user)


def test_only_the_owner_resubmits_and_only_after_a_decision(program, tester, share_request):
    with pytest.raises(ReviewError, match="Only a rejected"):
        resubmit(share_request=share_request, tester=tester.user)
    with pytest.raises(ReviewError, match="Only the tester"):
        resubmit(share_request=share_request, tester=MembershipFactory(program=program).user)
