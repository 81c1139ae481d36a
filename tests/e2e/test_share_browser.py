"""Sharing end to end in headless Chromium, with a real Celery worker building the shared copy.

A tester asks to share a finished output; a reviewer (signed in with a second factor) claims
it with the keyboard, watches the preview play, approves with the `a` shortcut; the tester sees
the approval and the public link once the worker has built the published rendition; an
anonymous visitor plays the shared video."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect
from rendition_fixtures import clip_bytes, complete_with_video, ready_rendition, use_dev_certificate

from accessprogram.programs.models import Membership
from factories import GenerationFactory, MembershipFactory
from review.models import ShareRequest

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

FACTORY_PASSWORD = "correct-horse-battery"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
BUILD_TIMEOUT_S = 120


@pytest.fixture(autouse=True)
def c2pa(settings, tmp_path, monkeypatch):
    """Signing material for the worker (set in the environment before it starts)."""
    return use_dev_certificate(settings, tmp_path / "c2pa", monkeypatch)


@pytest.fixture
def output(tester, media_root):
    """A finished 2 s output of the tester with its watermarked preview ready."""
    generation = GenerationFactory(
        tester=tester.user, program=tester.program, prompt="a paper boat drifting at dusk"
    )
    generation = complete_with_video(
        generation, clip_bytes(width=640, height=360, seconds=2, seed=21)
    )
    ready_rendition(generation, clip_bytes(width=640, height=360, seconds=2, seed=22))
    return generation


@pytest.fixture
def reviewer(program):
    user = MembershipFactory(program=program, role=Membership.Role.REVIEWER).user
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET}
    )
    return user


def totp_code() -> str:
    if int(time.time()) % 30 >= 27:  # do not race the step boundary
        time.sleep(30 - int(time.time()) % 30 + 0.5)
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def sign_in_with_mfa(page, base_url, user):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_login", user.username)
    page.fill("#id_password", FACTORY_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill("#id_code", totp_code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)  # the landing page of their role


def play(page, locator, *, beyond: float = 0.2) -> dict:
    """Play muted (no autoplay policy can refuse) until currentTime passes `beyond`."""
    locator.evaluate("(v) => { v.muted = true; return v.play(); }")
    page.wait_for_function(
        "([v, t]) => v.currentTime > t || v.error !== null",
        arg=[locator.element_handle(), beyond],
        timeout=30_000,
    )
    return locator.evaluate(
        "(v) => ({error: v.error && v.error.code, currentTime: v.currentTime,"
        " readyState: v.readyState, width: v.videoWidth})"
    )


def test_request_review_approve_and_watch_the_shared_video(
    live_server, worker, settings, tester, reviewer, output, page, sign_in, browser
):
    settings.STAFF_MFA_REQUIRED = True
    base = live_server.url

    # The tester asks to share the finished output from its page.
    sign_in(tester.user)
    page.goto(f"{base}/videos/{output.public_id}/")
    page.get_by_role("link", name="Request to share").click()
    page.wait_for_url(re.compile(rf"/review/request/{output.public_id}/$"))
    page.get_by_label("Intended use").fill("portfolio")
    page.get_by_label("Where it will appear").fill("my website")
    page.get_by_label("Caption").fill("Paper boat at dusk")
    page.get_by_role("button", name="Send for review").click()
    page.wait_for_url(f"{base}/review/mine/")
    expect(page.locator("[data-share-status]").first).to_have_attribute(
        "data-share-status", "pending"
    )
    share_request = ShareRequest.objects.get(generation=output)

    # The reviewer signs in with their second factor and works from the keyboard.
    reviewer_context = browser.new_context(viewport={"width": 1280, "height": 900})
    reviewer_context.set_default_timeout(15_000)
    review = reviewer_context.new_page()
    review_errors = []
    review.on("pageerror", lambda error: review_errors.append(str(error)))
    sign_in_with_mfa(review, base, reviewer)
    review.goto(f"{base}/review/")
    expect(review.get_by_test_id("pending-row")).to_have_count(1)
    review.keyboard.press("n")  # claim next
    review.wait_for_url(f"{base}/review/requests/{share_request.pk}/")
    expect(review.get_by_test_id("lease-left")).to_contain_text("min")
    expect(review.get_by_text("Paper boat at dusk")).to_be_visible()

    player = review.get_by_test_id("review-player")
    watched = play(review, player)
    assert watched["error"] is None, watched
    assert watched["readyState"] >= 2, watched

    # Typing in a field never triggers a shortcut.
    review.get_by_label("Note to the tester").fill("")
    review.get_by_label("Note to the tester").press_sequentially("a fine boat")
    assert review.url == f"{base}/review/requests/{share_request.pk}/"
    share_request.refresh_from_db()
    assert share_request.status == "pending"
    # `r` focuses the reason; leave the field, then `a` approves.
    review.locator("h1").click()
    review.keyboard.press("r")
    expect(review.locator("#id_reason_code")).to_be_focused()
    review.locator("h1").click()
    review.keyboard.press("a")
    review.wait_for_url(f"{base}/review/")
    expect(review.get_by_text("Decided: approved.")).to_be_visible()
    share_request.refresh_from_db()
    assert share_request.status == "approved"
    assert share_request.decisions.get().note == "a fine boat"
    assert review_errors == []
    reviewer_context.close()

    # The tester sees the approval, and the link once the worker built the shared copy.
    deadline = time.monotonic() + BUILD_TIMEOUT_S
    while True:
        page.goto(f"{base}/review/mine/")
        if page.get_by_test_id("share-url").count():
            break
        assert time.monotonic() < deadline, "the published rendition was never built"
        expect(page.locator("[data-share-status]").first).to_have_attribute(
            "data-share-status", "approved"
        )
        time.sleep(1)
    expect(page.get_by_text("Approved").first).to_be_visible()
    share_url = page.get_by_test_id("share-url").input_value()
    assert re.fullmatch(rf"{re.escape(base)}/s/[A-Za-z0-9_-]{{43}}/", share_url), share_url
    assert page.js_errors == []

    # Anyone with the link watches it, signed in or not.
    anonymous = browser.new_context()
    visitor = anonymous.new_page()
    visitor_errors = []
    visitor.on("pageerror", lambda error: visitor_errors.append(str(error)))
    response = visitor.goto(share_url)
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"
    expect(visitor.get_by_role("heading", name="Paper boat at dusk")).to_be_visible()
    shared = visitor.get_by_test_id("share-player")
    played = play(visitor, shared)
    assert played["error"] is None, played
    assert played["currentTime"] > 0.2, played
    assert played["width"] == 640, played
    assert visitor_errors == []
    anonymous.close()
