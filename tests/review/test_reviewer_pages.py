"""The reviewer queue through its pages: who may open it, the overview, claim next, the request
page (details, preview, lease), decisions with reason codes, and acting on approvals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from sharing_helpers import approve, ask, finished_output, make_published_ready

from accessprogram.access.policy import reviewable_program_ids
from accessprogram.access.revocation import block_access
from accessprogram.audit.models import AuditRecord
from accessprogram.compensation.models import LedgerEntry
from accessprogram.compensation.services import publish_rate_card
from accessprogram.programs.models import Membership
from clients import signed_in
from factories import MembershipFactory, ProgramFactory, UserFactory
from review.claims import claim_next_share_request
from review.models import ReviewDecision, ShareLink, ShareRequest
from review.services import decide, resubmit

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(tester, media_root):
    generation = finished_output(tester=tester.user, program=tester.program)
    return ask(generation, tester.user)


@pytest.fixture
def browser(reviewer):
    return signed_in(reviewer)


@pytest.mark.parametrize("role", [None, "tester", "finance"])
def test_people_without_a_review_role_get_404(program, role):
    user = UserFactory()
    if role:
        MembershipFactory(user=user, program=program, role=role)
    client = signed_in(user)
    for url in ["/review/", "/review/requests/1/"]:
        assert client.get(url).status_code == 404, url
    assert client.post("/review/claim").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/review/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["reviewer", "program_manager", "admin"])
def test_review_roles_open_the_queue(program, role):
    user = MembershipFactory(program=program, role=role).user
    assert signed_in(user).get("/review/").status_code == 200


def test_a_blocked_reviewer_gets_404(program, reviewer):
    block_access(
        target=Membership.objects.get(user=reviewer), kind="suspension", reason="investigating"
    )
    assert reviewable_program_ids(reviewer) == set()
    reviewer.refresh_from_db()  # blocking ended the old session: sign in afresh
    assert signed_in(reviewer).get("/review/").status_code == 404


def test_the_overview_counts_pending_requests_and_flags_overdue_ones(
    program, tester, pending, browser, settings, completed_generation
):
    settings.REVIEW_SLA_HOURS = 24
    other = MembershipFactory(program=program).user
    old = ask(completed_generation(tester=other, program=program), other)
    ShareRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=30))
    elsewhere = ProgramFactory(name="Elsewhere")
    outsider = MembershipFactory(program=elsewhere).user
    ask(completed_generation(tester=outsider, program=elsewhere), outsider)

    page = browser.get("/review/").content.decode()

    assert f'data-testid="program-{program.slug}"' in page
    assert "Elsewhere" not in page  # not a program this reviewer staffs
    assert "1 overdue" in page
    assert page.count('data-testid="pending-row"') == 2
    assert page.count('class="is-overdue"') == 1
    assert "Overdue" in page
    assert 'id="claim-next"' in page
    assert "review/shortcuts.js" in page


def test_claim_next_opens_the_oldest_request(pending, browser, reviewer):
    response = browser.post("/review/claim")
    assert response.status_code == 302
    assert response["Location"] == f"/review/requests/{pending.pk}/"
    pending.refresh_from_db()
    assert pending.claimed_by == reviewer


def test_claim_next_on_an_empty_queue_says_so(browser):
    response = browser.post("/review/claim", follow=True)
    assert response.redirect_chain[-1][0] == "/review/"
    assert "The queue is empty" in response.content.decode()


def test_claim_next_can_be_narrowed_to_one_program(pending, browser, program):
    other = ProgramFactory()
    response = browser.post("/review/claim", {"program": other.pk}, follow=True)
    assert "not a reviewer of this program" in response.content.decode()
    assert browser.post("/review/claim", {"program": "x"}).status_code == 404
    response = browser.post("/review/claim", {"program": program.pk})
    assert response["Location"] == f"/review/requests/{pending.pk}/"


def test_the_request_page_shows_everything_needed_to_decide(pending, browser, tester):
    browser.post("/review/claim")
    page = browser.get(f"/review/requests/{pending.pk}/").content.decode()

    generation = pending.generation
    assert generation.prompt in page
    assert "portfolio" in page and "my site" in page and "Fog over the harbour" in page
    assert tester.user.username in page
    assert f'src="/videos/{generation.public_id}/review-media"' in page
    assert 'data-testid="lease-left"' in page
    assert 'id="approve-button"' in page and 'aria-keyshortcuts="a"' in page
    assert 'id="id_reason_code"' in page
    for code in ["likeness", "brand", "quality", "nsfw", "misleading", "other"]:
        assert f'value="{code}"' in page


def test_the_preview_in_the_page_plays_for_the_reviewer(pending, browser):
    browser.post("/review/claim")
    response = browser.get(f"/videos/{pending.generation.public_id}/review-media")
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"


def test_a_request_held_by_someone_else_is_404_until_the_lease_runs_out(
    pending, program, make_reviewer
):
    holder, other = make_reviewer(program), make_reviewer(program)
    claim_next_share_request(reviewer=holder)
    client = signed_in(other)
    assert client.get(f"/review/requests/{pending.pk}/").status_code == 404
    assert (
        client.post(f"/review/requests/{pending.pk}/decide", {"outcome": "approve"}).status_code
        == 404
    )

    ShareRequest.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    page = client.get(f"/review/requests/{pending.pk}/")
    assert page.status_code == 200
    assert 'id="approve-button"' not in page.content.decode()  # not theirs to decide yet


def test_reviewers_of_another_program_get_404(pending, make_reviewer):
    outsider = signed_in(make_reviewer(ProgramFactory()))
    assert outsider.get(f"/review/requests/{pending.pk}/").status_code == 404


def test_approving_through_the_page(pending, browser, reviewer):
    browser.post("/review/claim")
    response = browser.post(f"/review/requests/{pending.pk}/decide", {"outcome": "approve"})
    assert response.status_code == 302
    assert response["Location"] == "/review/"
    pending.refresh_from_db()
    assert pending.status == ShareRequest.Status.APPROVED
    assert ShareLink.objects.filter(share_request=pending).count() == 1


def test_an_approval_can_give_the_link_an_expiry(pending, browser):
    browser.post("/review/claim")
    response = browser.post(
        f"/review/requests/{pending.pk}/decide", {"outcome": "approve", "link_days": "7"}
    )
    assert response.status_code == 302
    link = ShareLink.objects.get(share_request=pending)
    expected = timezone.now() + timedelta(days=7)
    assert abs((link.expires_at - expected).total_seconds()) < 60


@pytest.mark.parametrize("days", ["0", "366", "soon"])
def test_a_bad_expiry_is_a_form_error_and_nothing_is_decided(pending, browser, days):
    browser.post("/review/claim")
    response = browser.post(
        f"/review/requests/{pending.pk}/decide", {"outcome": "approve", "link_days": days}
    )
    assert response.status_code == 422
    pending.refresh_from_db()
    assert pending.status == ShareRequest.Status.PENDING
    assert not ShareLink.objects.exists()


def test_rejecting_needs_a_reason_code(pending, browser):
    browser.post("/review/claim")
    url = f"/review/requests/{pending.pk}/decide"

    response = browser.post(url, {"outcome": "reject", "note": "no"})
    assert response.status_code == 422
    assert "Choose a reason to reject." in response.content.decode()
    response = browser.post(url, {"outcome": "reject", "reason_code": "other"})
    assert response.status_code == 422
    assert "Explain the reason" in response.content.decode()
    assert not ReviewDecision.objects.exists()

    response = browser.post(url, {"outcome": "reject", "reason_code": "likeness", "note": "A face"})
    assert response.status_code == 302
    decision = ReviewDecision.objects.get()
    assert (decision.outcome, decision.reason_code, decision.note) == (
        "reject",
        "likeness",
        "A face",
    )


def test_requesting_changes_needs_a_note(pending, browser):
    browser.post("/review/claim")
    url = f"/review/requests/{pending.pk}/decide"
    assert browser.post(url, {"outcome": "request_changes"}).status_code == 422
    assert (
        browser.post(url, {"outcome": "request_changes", "note": "Shorter caption"}).status_code
        == 302
    )
    pending.refresh_from_db()
    assert pending.status == ShareRequest.Status.CHANGES_REQUESTED


def test_an_expired_lease_shows_the_error_on_the_page(pending, browser, reviewer):
    claim_next_share_request(reviewer=reviewer)
    ShareRequest.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    response = browser.post(f"/review/requests/{pending.pk}/decide", {"outcome": "approve"})
    assert response.status_code == 422
    assert "Claim this request before deciding" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == ShareRequest.Status.PENDING


def test_unknown_outcomes_are_form_errors(pending, browser):
    browser.post("/review/claim")
    response = browser.post(f"/review/requests/{pending.pk}/decide", {"outcome": "maybe"})
    assert response.status_code == 422


def test_earlier_decisions_of_a_resubmitted_request_are_shown(pending, browser, reviewer, tester):
    claim_next_share_request(reviewer=reviewer)
    decide(
        share_request=pending, reviewer=reviewer, outcome="reject", reason_code="brand", note="Logo"
    )
    again = resubmit(share_request=pending, tester=tester.user, caption="No logo now")
    browser.post("/review/claim")
    page = browser.get(f"/review/requests/{again.pk}/").content.decode()
    assert f"Earlier request {pending.pk}" in page
    assert "Brand or trademark" in page and "Logo" in page


def test_staff_revoke_a_link_from_the_request_page(pending, browser, reviewer):
    approve(pending, reviewer)
    make_published_ready(pending)
    link = ShareLink.objects.get()
    url = f"/review/requests/{pending.pk}/links/{link.pk}/revoke"

    assert browser.post(url, {"reason": ""}).status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is None  # a reason is needed

    assert browser.post(url, {"reason": "takedown request"}).status_code == 302
    link.refresh_from_db()
    assert link.revoked_by == reviewer
    assert browser.get(f"/s/{link.token}/").status_code == 404


def test_staff_revoke_an_approval_from_the_request_page(pending, browser, reviewer):
    approve(pending, reviewer)
    response = browser.post(
        f"/review/requests/{pending.pk}/revoke-approval", {"reason": "rights unclear"}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == ShareRequest.Status.REVOKED
    page = browser.get(f"/review/requests/{pending.pk}/").content.decode()
    assert "Approval revoked" in page and "rights unclear" in page


@pytest.fixture
def licence_fee(program):
    return publish_rate_card(
        program=program,
        currency="EUR",
        effective_from=timezone.now() - timedelta(days=1),
        actor=UserFactory(is_staff=True),
        licence_fee=Decimal("250.00"),
    )


def test_managers_mark_an_output_used_once_and_the_tester_is_paid_once(
    pending, program, reviewer, tester, licence_fee
):
    approve(pending, reviewer)
    manager = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER).user
    client = signed_in(manager)
    url = f"/review/requests/{pending.pk}/used"

    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # twice: still one fee

    pending.refresh_from_db()
    assert pending.used_by_organisers_by == manager
    assert pending.used_by_organisers_at is not None
    (entry,) = LedgerEntry.objects.filter(membership=tester)
    assert (entry.amount, entry.currency) == (Decimal("250.00"), "EUR")
    record = AuditRecord.objects.get(action="share_request.used_by_organisers")
    assert record.data["ledger_entry"] == entry.pk
    page = client.get(f"/review/requests/{pending.pk}/").content.decode()
    assert 'data-testid="used-by-organisers"' in page


def test_reviewers_cannot_mark_outputs_used(pending, browser, reviewer, licence_fee):
    approve(pending, reviewer)
    response = browser.post(f"/review/requests/{pending.pk}/used", follow=True)
    assert "Only the program&#x27;s managers" in response.content.decode()
    pending.refresh_from_db()
    assert pending.used_by_organisers_at is None
    assert not LedgerEntry.objects.exists()


def test_only_approved_outputs_can_be_marked_used(pending, program, licence_fee):
    manager = MembershipFactory(program=program, role=Membership.Role.ADMIN).user
    response = signed_in(manager).post(f"/review/requests/{pending.pk}/used", follow=True)
    assert "Only an approved output" in response.content.decode()
    assert not LedgerEntry.objects.exists()
