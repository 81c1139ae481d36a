"""The reviewer's `a` no longer publishes at once, in headless Chromium: the approval is
recorded, an "Undo" shows while the public link waits out its window, undoing puts the request
back in the reviewer's hands, and a second approval's link opens when the countdown ends."""

import os

import pytest
from playwright.sync_api import expect
from rendition_fixtures import clip_bytes, complete_with_video, ready_rendition

from accessprogram.programs.models import Membership
from factories import GenerationFactory, MembershipFactory
from review.claims import claim_next_share_request
from review.models import ShareLink, ShareRequest
from review.selectors import share_link_for_token
from review.services import request_share

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def pending(tester, media_root):
    generation = complete_with_video(
        GenerationFactory(tester=tester.user, program=tester.program),
        clip_bytes(width=640, height=360, seconds=1, seed=31),
    )
    ready_rendition(generation, clip_bytes(width=640, height=360, seconds=1, seed=32))
    return request_share(
        generation=generation,
        tester=tester.user,
        intended_use="portfolio",
        caption="Dusk",
        destination="my public website",
    )


def shot(page, name):
    if shots := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{shots}/{page.viewport_size['width']}-{name}.png", full_page=True)


def test_approve_with_a_then_undo_then_let_the_link_open(
    live_server, page, sign_in, program, pending, settings
):
    settings.SHARE_APPROVAL_UNDO_SECONDS = 4
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER).user
    sign_in(reviewer)
    assert claim_next_share_request(reviewer=reviewer) == pending
    page.goto(f"{live_server.url}/review/requests/{pending.pk}/")

    page.keyboard.press("a")
    expect(page.get_by_test_id("undo-window")).to_be_visible()
    expect(page.get_by_test_id("request-status")).to_have_text("Approved")
    shot(page, "review-undo-window")
    link = ShareLink.objects.get()
    assert share_link_for_token(token=link.token) is None  # recorded, not public

    page.get_by_test_id("undo-approval").click()
    expect(page.get_by_text("Approval undone")).to_be_visible()
    expect(page.get_by_test_id("request-status")).to_have_text("Pending")
    pending.refresh_from_db()
    assert pending.status == ShareRequest.Status.PENDING
    link.refresh_from_db()
    assert link.revoked_at is not None

    page.keyboard.press("a")  # decide again: this time let the window pass
    expect(page.get_by_test_id("undo-window")).to_be_visible()
    # The countdown ends and the page shows the link live, without anyone reloading it.
    expect(page.get_by_test_id("undo-window")).to_have_count(0, timeout=15_000)
    expect(page.locator(".badge", has_text="Live")).to_be_visible()
    live = ShareLink.objects.get(revoked_at__isnull=True)
    assert share_link_for_token(token=live.token) is not None
