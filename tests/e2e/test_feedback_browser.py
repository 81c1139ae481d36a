"""Feedback in headless Chromium: a tester answers a form, rates a video (htmx) and files a bug
with a screenshot; a program manager (signed in with a second factor) confirms it; the tester
sees the new status, is paid once and finds both awards on the earnings page."""

import datetime
import re
from decimal import Decimal

import pytest
from allauth.mfa.models import Authenticator
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from playwright.sync_api import expect
from staff_sign_in import TOTP_SECRET, sign_in_with_totp

from accessprogram.compensation.models import LedgerEntry
from accessprogram.compensation.services import publish_rate_card
from accessprogram.feedback import services
from accessprogram.feedback.models import BugReport, FormResponse, QuickRating
from accessprogram.programs.models import Membership
from factories import GenerationFactory, MembershipFactory
from generation.models import Asset, Generation

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 16


@pytest.fixture
def setup(program, tester, media_root):
    manager = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER).user
    Authenticator.objects.create(
        user=manager, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET}
    )
    publish_rate_card(
        program=program,
        currency="EUR",
        effective_from=timezone.now() - datetime.timedelta(days=1),
        actor=manager,
        per_form_completed=Decimal("5.00"),
        per_bug_high=Decimal("40.00"),
    )
    now = timezone.now()
    form = services.create_form(
        program=program,
        title="First impressions",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=7),
        actor=manager,
    )
    services.add_question(form=form, kind="rating", label="How good are the outputs?")
    services.add_question(
        form=form, kind="single", label="Favourite length", options=["4 s", "8 s", "12 s"]
    )
    services.publish_form(form=form, actor=manager)
    video = GenerationFactory(tester=tester.user, program=program, prompt="a heron at dawn")
    key = default_storage.save(
        f"generations/{program.pk}/{video.public_id}.mp4", ContentFile(VIDEO_BYTES)
    )
    Asset.objects.create(
        generation=video,
        storage_key=key,
        sha256="0" * 64,
        bytes=len(VIDEO_BYTES),
        width=1280,
        height=720,
        duration_seconds=4.0,
        codec="h264",
    )
    Generation.objects.filter(pk=video.pk).update(
        status=Generation.Status.COMPLETED, progress=100, completed_at=now
    )
    return {"manager": manager, "form": form, "video": video}


def test_answer_rate_report_and_see_the_bug_confirmed(
    live_server,
    page,
    browser_context,
    sign_in,
    settings,
    setup,
    tester,
    program,
    eager_celery,
    mailoutbox,
):
    settings.STAFF_MFA_REQUIRED = True
    settings.PORTAL_URL = live_server.url
    sign_in(tester.user)

    # Answer the form.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Feedback", exact=True
    ).click()
    page.get_by_role("link", name="First impressions").click()
    page.get_by_role("group", name=re.compile("How good are the outputs")).get_by_label("4").check()
    page.get_by_label("8 s").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    assert FormResponse.objects.get(membership=tester).completed_at is not None

    # Rate the video from its page: htmx swaps the card in place.
    page.goto(f"{live_server.url}/videos/{setup['video'].public_id}/")
    card = page.get_by_test_id("quick-rating")
    card.get_by_label("5").check()
    card.get_by_label("Comment (optional)").fill("Lovely light.")
    card.get_by_role("button", name="Save rating").click()
    expect(page.get_by_test_id("quick-rating").get_by_text("your rating is saved")).to_be_visible()
    assert QuickRating.objects.get().rating == 5

    # File a bug with a screenshot.
    page.goto(f"{live_server.url}/feedback/")
    page.get_by_role("link", name="Report a bug").click()
    page.get_by_label("Title").fill("Heron's legs flicker")
    page.get_by_label("Steps to reproduce").fill("Generate 'a heron at dawn', 4 s.")
    page.get_by_label("What you expected").fill("Steady legs")
    page.get_by_label("What happened instead").fill("They flicker every frame")
    page.get_by_label("Severity").select_option("high")
    page.get_by_label("Video it concerns (optional)").select_option(setup["video"].public_id)
    page.get_by_label("Attachments").set_input_files(
        files=[{"name": "flicker.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_role("button", name="File the report").click()
    expect(page.get_by_test_id("bug-status")).to_have_text("New")
    expect(page.get_by_role("link", name="flicker.png")).to_be_visible()
    bug = BugReport.objects.get()
    assert bug.attachments.count() == 1

    # The manager confirms it in the console.
    staff_page = page.context.browser.new_context().new_page()
    try:
        sign_in_with_totp(staff_page, live_server.url, setup["manager"])
        staff_page.goto(f"{live_server.url}/console/")
        staff_page.get_by_role("navigation", name="Console").get_by_role(
            "link", name="Feedback", exact=True
        ).click()
        staff_page.get_by_role("link", name=program.name).click()
        staff_page.get_by_role("link", name="triage").click()
        staff_page.get_by_role("link", name=re.compile("Heron's legs flicker")).click()
        staff_page.get_by_label("Status").select_option("confirmed")
        staff_page.get_by_label("Note to the reporter (optional)").fill("Reproduced, thanks!")
        staff_page.get_by_role("button", name="Change status").click()
        expect(staff_page.get_by_test_id("bug-status")).to_have_text("Confirmed")
    finally:
        staff_page.context.close()

    # The tester sees the change and the note; they were told by email and paid once.
    page.reload()
    expect(page.get_by_test_id("bug-status")).to_have_text("Confirmed")
    expect(page.get_by_text("Reproduced, thanks!")).to_be_visible()
    assert [m.to for m in mailoutbox] == [[tester.user.email]]
    kinds = sorted(LedgerEntry.objects.filter(membership=tester).values_list("kind", "amount"))
    assert kinds == [("award_bug", Decimal("40.00")), ("award_form", Decimal("5.00"))]

    # Both awards are on the tester's earnings page, and the balance is their sum.
    page.get_by_role("link", name="Earnings").click()
    expect(page.get_by_test_id("balance-EUR")).to_have_text("45.00 EUR")
    entries = page.get_by_role("row")
    expect(entries.filter(has_text="Bug confirmed")).to_contain_text("40.00 EUR")
    expect(entries.filter(has_text="Form completed")).to_contain_text("5.00 EUR")
    assert page.js_errors == []
