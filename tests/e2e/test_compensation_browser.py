"""Fair pay in headless Chromium: a tester sees their awards, finance staff (signed in with
TOTP) close the period and download the payout file, the tester opens the statement."""

import datetime
import re
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from allauth.mfa.models import Authenticator
from django.utils import timezone
from playwright.sync_api import expect
from staff_sign_in import TOTP_SECRET, sign_in_with_totp

from accessprogram.compensation.models import LedgerEntry, Payout, PayoutPeriod
from accessprogram.compensation.services import (
    award_for_bug,
    award_for_form,
    publish_rate_card,
)
from accessprogram.programs.models import Membership
from factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@contextmanager
def ledger_written_at(moment):
    """Periods close once they are over, so the awards must lie in the past."""
    field = LedgerEntry._meta.get_field("created_at")
    with (
        mock.patch("django.utils.timezone.now", return_value=moment),
        mock.patch.object(field, "_get_default", lambda: moment),
    ):
        yield


def test_a_tester_is_paid_and_reads_the_statement(
    live_server, page, browser, program, sign_in, settings, tmp_path, eager_celery
):
    settings.STAFF_MFA_REQUIRED = True
    publish_rate_card(
        program=program,
        currency="USD",
        effective_from=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        per_form_completed="12.50",
        per_bug_high="40.00",
    )
    tester = MembershipFactory(
        program=program,
        user=UserFactory(username="mara", email="mara@example.com", first_name="Mara"),
    )
    finance = MembershipFactory(program=program, role=Membership.Role.FINANCE)
    Authenticator.objects.create(
        user=finance.user, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET}
    )
    today = timezone.now().astimezone(datetime.UTC).date()
    three_days_ago = datetime.datetime.combine(
        today - datetime.timedelta(days=3), datetime.time(11), tzinfo=datetime.UTC
    )
    with ledger_written_at(three_days_ago):
        form_award = award_for_form(
            membership=tester, response_id=41, form_title="Motion quality survey"
        )
        bug_award = award_for_bug(
            membership=tester, bug_id=9, severity="high", title="Hands melt at frame 40"
        )
    assert form_award.amount + bug_award.amount == Decimal("52.50")

    # The tester sees both awards on the earnings page.
    sign_in(tester.user)
    page.get_by_role("link", name="Earnings").click()
    page.wait_for_url(f"{live_server.url}/earnings/")
    expect(page.get_by_test_id("balance-USD")).to_have_text("52.50 USD")
    entries = page.get_by_test_id("entries")
    expect(entries).to_contain_text("Feedback form completed: Motion quality survey")
    expect(entries).to_contain_text("Bug confirmed (high): Hands melt at frame 40")
    expect(page.get_by_role("img", name=re.compile("Earnings per month"))).to_be_visible()

    # Finance staff, signed in with their second factor, open and close last week's period.
    staff_context = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    staff_page = staff_context.new_page()
    staff_errors: list[str] = []
    staff_page.on("pageerror", lambda error: staff_errors.append(str(error)))
    try:
        sign_in_with_totp(staff_page, live_server.url, finance.user)
        staff_page.goto(f"{live_server.url}/console/")
        staff_page.get_by_role("navigation", name="Console").get_by_role(
            "link", name="Finance", exact=True
        ).click()
        staff_page.get_by_role("link", name="Periods & payouts").click()
        start, end = today - datetime.timedelta(days=7), today - datetime.timedelta(days=1)
        staff_page.get_by_label("Start").fill(f"{start}")
        staff_page.get_by_label("End").fill(f"{end}")
        staff_page.get_by_label("Minimum hourly rate").fill("0")
        staff_page.get_by_role("button", name="Open period").click()
        expect(staff_page.get_by_text(f"Period {start} to {end} is open.")).to_be_visible()
        staff_page.get_by_role("link", name=f"Close period {start} to {end}").click()
        # The close is confirmed on the period page, then runs as a background operation (its
        # Celery task runs inline here) whose progress the page shows.
        staff_page.get_by_label(re.compile("I have checked this period")).check()
        staff_page.get_by_role("button", name="Close period").click()
        expect(staff_page.get_by_test_id("operation")).to_contain_text("Closed: 1 payout lines.")

        line = Payout.objects.get()
        expect(staff_page.get_by_test_id("payout-lines")).to_contain_text("52.50 USD")
        with staff_page.expect_download() as download_info:
            staff_page.get_by_role("link", name=re.compile("Download payout file")).click()
        download = download_info.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        assert download.suggested_filename == f"payouts-{program.slug}-{start}-{end}.csv"
        assert Path(saved).read_bytes().decode("utf-8") == (
            "recipient_email,name,amount,currency,reference,note\r\n"
            f"mara@example.com,Mara,52.50,USD,{line.reference},"
            f"{program.name}: earnings {start} to {end}\r\n"
        )

        staff_page.get_by_label(f"Provider reference for {line.reference}").fill("PAYPAL-5521")
        staff_page.get_by_role("button", name="Mark paid").click()
        expect(staff_page.get_by_text(f"{line.reference} is paid: 52.50 USD.")).to_be_visible()
        assert staff_errors == []
    finally:
        staff_context.close()

    period = PayoutPeriod.objects.get()
    assert period.is_closed
    assert LedgerEntry.objects.get(kind=LedgerEntry.Kind.PAYOUT).amount == Decimal("-52.50")

    # The tester finds the statement of the closed period.
    page.goto(f"{live_server.url}/earnings/")
    expect(page.get_by_test_id("balance-USD")).to_have_text("0.00 USD")
    expect(page.get_by_test_id("payouts")).to_contain_text("Paid")
    page.get_by_role("link", name=re.compile(r"^Statement ")).click()
    page.wait_for_url(f"{live_server.url}/earnings/statements/{period.pk}/")
    expect(page.get_by_test_id("opening-USD")).to_have_text("0.00 USD")
    expect(page.get_by_test_id("closing-USD")).to_have_text("52.50 USD")
    statement = page.get_by_test_id("statement-USD")
    expect(statement).to_contain_text("Motion quality survey")
    expect(statement).to_contain_text("Hands melt at frame 40")
    assert page.js_errors == []
