"""Takedowns work in any program state (accessprogram.access.policy.can_take_down): a reviewer
of a paused program may still stop a share link or take an approval back, though the review
queue itself is closed to them until the program is resumed."""

import pytest
from sharing_helpers import approve, ask, finished_output, make_published_ready

from accessprogram.programs.models import Membership, Program
from clients import signed_in
from factories import MembershipFactory
from review.models import ShareLink, ShareRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(program, tester, media_root):
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER).user
    share_request = ask(finished_output(tester=tester.user, program=program), tester.user)
    approve(share_request, reviewer)
    make_published_ready(share_request)
    Program.objects.filter(pk=program.pk).update(status=Program.Status.PAUSED)
    return share_request, ShareLink.objects.get(share_request=share_request), reviewer


def test_a_reviewer_of_a_paused_program_revokes_a_share_link(published, program):
    share_request, link, reviewer = published
    client = signed_in(reviewer)
    assert client.get(f"/review/requests/{share_request.pk}/").status_code == 404  # queue closed
    response = client.post(
        f"/review/requests/{share_request.pk}/links/{link.pk}/revoke", {"reason": "takedown"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/console/programs/{program.slug}/"
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == reviewer
    assert client.get(f"/s/{link.token}/video").status_code == 404


def test_a_reviewer_of_a_paused_program_revokes_an_approval(published):
    share_request, _, reviewer = published
    response = signed_in(reviewer).post(
        f"/review/requests/{share_request.pk}/revoke-approval", {"reason": "takedown"}
    )
    assert response.status_code == 302
    share_request.refresh_from_db()
    assert share_request.status == ShareRequest.Status.REVOKED


def test_finance_and_other_testers_may_not_take_down(published, program):
    share_request, link, _ = published
    for role in (Membership.Role.FINANCE, Membership.Role.TESTER):
        user = MembershipFactory(program=program, role=role).user
        path = f"/review/requests/{share_request.pk}/links/{link.pk}/revoke"
        assert signed_in(user).post(path, {"reason": "mine now"}).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None
