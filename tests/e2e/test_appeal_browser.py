"""A block notice and its appeal in headless Chromium: a manager suspends a tester; the tester
sees the banner, reads the notice and appeals; the manager (with a second factor) lifts the
block from the console's appeal queue; the tester sees the decision and works again."""

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect
from staff_sign_in import TOTP_SECRET, sign_in_with_totp

from accessprogram.access.models import AccessBlock, BlockAppeal
from accessprogram.access.revocation import block_access
from accessprogram.programs.models import Membership
from factories import MembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_a_tester_sees_the_notice_appeals_and_sees_the_decision(
    live_server, page, sign_in, settings, program, tester, eager_celery, mailoutbox
):
    settings.STAFF_MFA_REQUIRED = True
    settings.PORTAL_URL = live_server.url
    manager = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER).user
    Authenticator.objects.create(
        user=manager, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET}
    )
    block_access(
        target=tester,
        kind=AccessBlock.Kind.SUSPENSION,
        reason="Outputs were posted publicly before approval.",
        actor=manager,
    )

    sign_in(tester.user)
    banner = page.get_by_test_id("access-notice")
    expect(banner).to_contain_text("Your access to this program is suspended.")
    banner.get_by_role("link", name="Why, and how to appeal").click()
    page.get_by_role("link", name=f"Your access to {program.name}").click()
    notice = page.get_by_test_id("block-notice")
    expect(notice).to_contain_text("Outputs were posted publicly before approval.")
    expect(notice).to_contain_text("A program manager")
    expect(notice).not_to_contain_text(manager.username)
    page.get_by_label("Your appeal").fill("They were on a private review link for my studio.")
    page.get_by_role("button", name="Send appeal").click()
    expect(page.get_by_text("Your appeal is sent.")).to_be_visible()
    expect(page.get_by_test_id("appeal-status")).to_have_text("Appeal under review")
    assert BlockAppeal.objects.get().status == "open"

    staff_page = page.context.browser.new_context().new_page()
    try:
        sign_in_with_totp(staff_page, live_server.url, manager)
        staff_page.goto(f"{live_server.url}/console/")
        staff_page.get_by_role("navigation", name="Console").get_by_role(
            "link", name="Appeals"
        ).click()
        expect(staff_page.get_by_role("row").nth(1)).to_contain_text("in 2 days")
        staff_page.get_by_role("row").nth(1).get_by_role("link").click()
        expect(staff_page.get_by_text("private review link for my studio")).to_be_visible()
        staff_page.get_by_label("Reason").fill("Private review links are allowed.")
        staff_page.get_by_role("button", name="Lift the block").click()
        expect(staff_page.get_by_text("Decided.")).to_be_visible()
    finally:
        staff_page.context.close()

    page.reload()
    expect(page.get_by_test_id("appeal-status")).to_have_text("Appeal granted: lifted")
    expect(page.get_by_test_id("appeal-decision")).to_contain_text(
        "The block is lifted. Private review links are allowed."
    )
    expect(page.get_by_test_id("access-notice")).to_have_count(0)
    assert [m.to for m in mailoutbox][-1] == [tester.user.email]
    assert "granted" in mailoutbox[-1].subject
    assert page.js_errors == []
