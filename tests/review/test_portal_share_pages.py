"""The tester's side through pages: the panel on a video page, the request form, "My share
requests" (state, reason, resubmit once with changes, withdraw, copy or revoke the link)."""

import pytest
from sharing_helpers import approve, ask, finished_output, make_published_ready

from accessprogram.access.revocation import block_access
from clients import signed_in
from factories import GenerationFactory, MembershipFactory
from generation.models import Generation
from review.claims import claim_next_share_request
from review.models import ShareLink, ShareRequest
from review.services import decide

pytestmark = pytest.mark.django_db

FORM = {"intended_use": "portfolio", "destination": "my site", "caption": "Fog, take one"}


@pytest.fixture
def output(tester, media_root):
    return finished_output(tester=tester.user, program=tester.program)


@pytest.fixture
def browser(tester):
    return signed_in(tester.user)


def test_the_video_page_offers_to_request_sharing(output, browser):
    page = browser.get(f"/videos/{output.public_id}/").content.decode()
    assert 'data-testid="share-panel"' in page
    assert f'href="/review/request/{output.public_id}/"' in page


def test_no_panel_before_the_output_is_finished(tester, browser):
    queued = GenerationFactory(tester=tester.user, program=tester.program)
    page = browser.get(f"/videos/{queued.public_id}/").content.decode()
    assert 'data-testid="share-panel"' not in page


def test_asking_through_the_form(output, browser, tester):
    form_page = browser.get(f"/review/request/{output.public_id}/")
    assert form_page.status_code == 200
    assert output.prompt in form_page.content.decode()

    response = browser.post(f"/review/request/{output.public_id}/", FORM)

    assert response.status_code == 302
    assert response["Location"] == "/review/mine/"
    share_request = ShareRequest.objects.get()
    assert (share_request.requested_by, share_request.caption) == (tester.user, "Fog, take one")
    mine = browser.get("/review/mine/").content.decode()
    assert 'data-share-status="pending"' in mine
    assert "Withdraw" in mine
    video_page = browser.get(f"/videos/{output.public_id}/").content.decode()
    assert "Waiting for review" in video_page


def test_the_form_shows_errors_and_creates_nothing(output, browser):
    response = browser.post(f"/review/request/{output.public_id}/", {**FORM, "intended_use": "  "})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not ShareRequest.objects.exists()


def test_asking_twice_leads_to_the_open_request(output, browser):
    browser.post(f"/review/request/{output.public_id}/", FORM)
    response = browser.get(f"/review/request/{output.public_id}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/review/mine/#request-")
    assert ShareRequest.objects.count() == 1


def test_other_peoples_outputs_are_404(program, output):
    other = signed_in(MembershipFactory(program=program).user)
    assert other.get(f"/review/request/{output.public_id}/").status_code == 404
    assert other.post(f"/review/request/{output.public_id}/", FORM).status_code == 404
    assert not ShareRequest.objects.exists()


def test_unfinished_outputs_cannot_be_asked_for(tester, browser):
    queued = GenerationFactory(tester=tester.user, program=tester.program)
    response = browser.post(f"/review/request/{queued.public_id}/", FORM)
    assert response.status_code == 422
    assert "Only a completed output can be shared." in response.content.decode()


def test_a_blocked_tester_cannot_ask(output, tester, browser):
    block_access(target=tester, kind="suspension", reason="investigating")
    tester.user.refresh_from_db()  # blocking ended the old session: sign in afresh
    browser = signed_in(tester.user)
    response = browser.post(f"/review/request/{output.public_id}/", FORM)
    assert response.status_code == 422
    assert "access to this program is blocked" in response.content.decode()
    assert not ShareRequest.objects.exists()


def test_withdraw_through_the_list(output, browser, tester):
    share_request = ask(output, tester.user)
    assert browser.post(f"/review/mine/{share_request.pk}/withdraw").status_code == 302
    share_request.refresh_from_db()
    assert share_request.status == ShareRequest.Status.WITHDRAWN
    # Only their own: another tester's withdraw is a 404.
    other = MembershipFactory(program=tester.program).user
    mine = ask(finished_output(tester=other, program=tester.program), other)
    assert browser.post(f"/review/mine/{mine.pk}/withdraw").status_code == 404
    mine.refresh_from_db()
    assert mine.status == ShareRequest.Status.PENDING


def test_the_list_shows_the_reason_of_a_rejection(output, browser, tester, reviewer):
    share_request = ask(output, tester.user)
    claim_next_share_request(reviewer=reviewer)
    decide(
        share_request=share_request,
        reviewer=reviewer,
        outcome="reject",
        reason_code="brand",
        note="A logo is visible at 0:02.",
    )
    page = browser.get("/review/mine/").content.decode()
    assert 'data-share-status="rejected"' in page
    assert "Brand or trademark" in page
    assert "A logo is visible at 0:02." in page
    assert f'href="/review/mine/{share_request.pk}/resubmit"' in page


def test_resubmit_once_with_changes_through_the_pages(output, browser, tester, reviewer):
    first = ask(output, tester.user)
    claim_next_share_request(reviewer=reviewer)
    decide(share_request=first, reviewer=reviewer, outcome="request_changes", note="No logo")
    url = f"/review/mine/{first.pk}/resubmit"

    form_page = browser.get(url).content.decode()
    assert "No logo" in form_page
    assert 'value="Fog over the harbour"' not in form_page  # caption is a textarea
    assert "Fog over the harbour</textarea>" in form_page

    # Unchanged: refused, nothing created.
    unchanged = {
        "intended_use": "portfolio",
        "destination": "my site",
        "caption": "Fog over the harbour",
    }
    response = browser.post(url, unchanged)
    assert response.status_code == 422
    assert "Change the request before resubmitting" in response.content.decode()
    assert ShareRequest.objects.count() == 1

    response = browser.post(url, {**unchanged, "caption": "Fog, no logo"})
    assert response.status_code == 302
    second = ShareRequest.objects.get(resubmitted_from=first)
    assert (second.status, second.caption) == ("pending", "Fog, no logo")

    # The original cannot be resubmitted again, nor can the resubmission after its decision.
    response = browser.post(url, {**unchanged, "caption": "third try"})
    assert response.status_code == 422
    assert "already been resubmitted once" in response.content.decode()
    claim_next_share_request(reviewer=reviewer)
    decide(share_request=second, reviewer=reviewer, outcome="reject", reason_code="quality")
    page = browser.get("/review/mine/").content.decode()
    assert f'href="/review/mine/{second.pk}/resubmit"' not in page
    assert f'href="/review/mine/{first.pk}/resubmit"' not in page
    response = browser.post(f"/review/mine/{second.pk}/resubmit", {**unchanged, "caption": "x"})
    assert response.status_code == 422
    assert ShareRequest.objects.count() == 2


def test_an_approved_request_shows_its_link_once_ready(output, browser, tester, reviewer):
    share_request = approve(ask(output, tester.user), reviewer)
    token = ShareLink.objects.get().token

    page = browser.get("/review/mine/").content.decode()
    assert 'data-share-status="approved"' in page
    assert 'data-testid="share-preparing"' in page
    assert token not in page

    make_published_ready(share_request)
    page = browser.get("/review/mine/").content.decode()
    assert f'value="http://testserver/s/{token}/"' in page
    assert "Copy link" in page and "review/copy.js" in page
    video_page = browser.get(f"/videos/{output.public_id}/").content.decode()
    assert f"/s/{token}/" in video_page


def test_the_tester_revokes_their_own_link(output, browser, tester, reviewer):
    share_request = approve(ask(output, tester.user), reviewer)
    make_published_ready(share_request)
    link = ShareLink.objects.get()
    assert browser.post(f"/review/mine/{share_request.pk}/revoke-link").status_code == 302
    link.refresh_from_db()
    assert link.revoked_by == tester.user
    assert browser.get(f"/s/{link.token}/").status_code == 404
    assert browser.post(f"/review/mine/{share_request.pk}/revoke-link").status_code == 404


def test_my_requests_show_only_mine(program, output, browser, tester):
    other = MembershipFactory(program=program).user
    theirs = finished_output(tester=other, program=program)
    ask(theirs, other)
    assert theirs.prompt not in browser.get("/review/mine/").content.decode()
    assert Generation.objects.count() == 2
