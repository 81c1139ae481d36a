import pytest

from accessprogram.audit.models import AuditRecord
from factories import GenerationFactory, MembershipFactory
from generation.models import Generation
from review.models import ShareRequest
from review.services import ReviewError, request_share, withdraw

pytestmark = pytest.mark.django_db

ASK = {"intended_use": "portfolio", "caption": "Fog study", "destination": "my website"}


def test_owner_asks_to_share_a_completed_output(tester, generation):
    share_request = request_share(generation=generation, tester=tester.user, **ASK)

    assert share_request.status == ShareRequest.Status.PENDING
    assert share_request.program == tester.program
    assert share_request.approvals_required == 1
    audit = AuditRecord.objects.get(action="share_request.create")
    assert audit.data["program"] == tester.program.slug


def test_another_tester_cannot_ask_to_share_it(program, generation):
    other = MembershipFactory(program=program).user
    with pytest.raises(ReviewError, match="Only the tester"):
        request_share(generation=generation, tester=other, **ASK)
    assert not ShareRequest.objects.exists()


@pytest.mark.parametrize("status", ["queued", "in_progress", "failed", "cancelled"])
def test_only_completed_outputs_can_be_shared(tester, status):
    generation = GenerationFactory(tester=tester.user, program=tester.program, status=status)
    with pytest.raises(ReviewError, match="completed"):
        request_share(generation=generation, tester=tester.user, **ASK)


def test_one_open_request_per_output(tester, generation):
    request_share(generation=generation, tester=tester.user, **ASK)
    with pytest.raises(ReviewError, match="already has a share request"):
        request_share(generation=generation, tester=tester.user, **ASK)
    assert ShareRequest.objects.count() == 1


def test_a_withdrawn_request_can_be_asked_again(tester, generation):
    first = request_share(generation=generation, tester=tester.user, **ASK)
    withdraw(share_request=first, tester=tester.user)

    again = request_share(generation=generation, tester=tester.user, **ASK)
    assert again.status == ShareRequest.Status.PENDING
    first.refresh_from_db()
    assert first.status == ShareRequest.Status.WITHDRAWN


def test_intended_use_and_destination_are_required(tester, generation):
    with pytest.raises(ReviewError, match="intend"):
        request_share(generation=generation, tester=tester.user, **{**ASK, "intended_use": " "})
    with pytest.raises(ReviewError, match="where"):
        request_share(generation=generation, tester=tester.user, **{**ASK, "destination": ""})


def test_two_reviewer_programs_need_two_approvals(tester):
    tester.program.approval_policy = "two_reviewers"
    tester.program.save()
    generation = GenerationFactory(
        tester=tester.user, program=tester.program, status=Generation.Status.COMPLETED
    )
    share_request = request_share(generation=generation, tester=tester.user, **ASK)
    assert share_request.approvals_required == 2


def test_only_the_owner_withdraws(program, tester, generation):
    share_request = request_share(generation=generation, tester=tester.user, **ASK)
    other = MembershipFactory(program=program).user
    with pytest.raises(ReviewError, match="Only the tester"):
        withdraw(share_request=share_request, tester=other)


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_a_program_that_is_not_open_takes_no_share_requests(program, tester, generation, status):
    program.status = status
    program.save(update_fields=["status"])
    with pytest.raises(ReviewError, match="not open"):
        request_share(generation=generation, tester=tester.user, **ASK)
    assert not ShareRequest.objects.exists()
