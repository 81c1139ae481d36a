"""Onboarding in headless Chromium: a tester joins through an invitation (sign up, verify the
email from the test mailbox, accept the agreement, generate); staff set up MFA first."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from accessprogram.programs.invitations import invite
from accessprogram.programs.models import Cohort, Membership
from accessprogram.programs.services import publish_agreement
from factories import MembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

FACTORY_PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
LINK = re.compile(r"https?://\S+")


def link_in(mail, path_part: str) -> str:
    (link,) = [url for url in LINK.findall(mail.body) if path_part in url]
    return link


def test_a_tester_follows_an_invitation_to_the_generate_page(
    live_server, page, program, mailoutbox, settings, eager_celery
):
    settings.PORTAL_URL = live_server.url
    cohort = Cohort.objects.create(program=program, name="Wave 1")
    publish_agreement(program=program, text="Do not share outputs before approval.")
    invite(program=program, email="nia@example.com", name="Nia", cohort=cohort)
    (invitation_mail,) = mailoutbox
    assert invitation_mail.to == ["nia@example.com"]

    page.goto(link_in(invitation_mail, "/invitations/"))
    page.wait_for_url(re.compile(r"/accounts/signup/$"))
    expect(page.get_by_label("Email")).to_have_value("nia@example.com")
    page.get_by_label("Username").fill("nia")
    page.get_by_label("Password", exact=True).fill("a-long-new-password-42")
    page.get_by_label("Password (again)").fill("a-long-new-password-42")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    confirmation = mailoutbox[-1]
    assert confirmation.to == ["nia@example.com"]
    page.goto(link_in(confirmation, "/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()

    # Signed in now, and held at the agreement until it is accepted.
    page.wait_for_url(re.compile(rf"/agreements/{program.slug}/"))
    expect(page.get_by_test_id("agreement-text")).to_contain_text("Do not share outputs")
    page.get_by_label("I have read and accept this agreement").check()
    page.get_by_role("button", name="Accept agreement").click()

    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Generate a video")).to_be_visible()
    membership = Membership.objects.get(user__email="nia@example.com")
    assert (membership.program, membership.cohort, membership.role) == (program, cohort, "tester")
    assert page.js_errors == []


def test_a_reviewer_without_mfa_is_sent_to_mfa_setup_before_any_staff_page(
    live_server, page, program, sign_in, settings
):
    settings.STAFF_MFA_REQUIRED = True
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER)
    # Sign-in leads to the review queue, whose gate sends them to set up TOTP: no second
    # password prompt right after signing in.
    sign_in(reviewer.user, lands_on="/accounts/2fa/totp/activate/")
    expect(page.get_by_text("Staff pages need two-factor authentication")).to_be_visible()

    for path in [f"/console/programs/{program.slug}/", "/review/", "/console/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/$"))
        expect(page.get_by_text("Staff pages need two-factor authentication")).to_be_visible()

    # Setting up TOTP opens the console.
    secret = page.locator("#authenticator_secret").input_value()
    counter = int(time.time()) // 30
    page.fill("#id_code", format_hotp_value(hotp_value(secret, counter)))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    # The recovery codes lead on, to the reviewer's landing page.
    page.get_by_test_id("codes-continue").click()
    page.wait_for_url(f"{live_server.url}/review/")
    page.goto(f"{live_server.url}/console/")
    expect(page.get_by_text(program.name).first).to_be_visible()
    assert page.url == f"{live_server.url}/console/"
    assert page.js_errors == []
