"""Staff flows and agreements in headless Chromium: each role lands on its own page after
signing in (with the second factor), and a manager publishes a new agreement with a grace
period: the tester keeps API access and sees the banner, then loses access once it ends."""

import re
import time
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect
from rest_framework.test import APIClient

from accessprogram.programs.models import Agreement, Membership
from accessprogram.programs.services import accept_agreement, publish_agreement
from factories import MembershipFactory, token_for

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

FACTORY_PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def totp_code() -> str:
    if int(time.time()) % 30 >= 27:  # do not race the step boundary
        time.sleep(30 - int(time.time()) % 30 + 0.5)
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def sign_in_as(page, base_url, user, *, staff: bool):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_login", user.username)
    page.fill("#id_password", FACTORY_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if staff:
        page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
        expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
        page.fill("#id_code", totp_code())
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/" not in url and not url.endswith("/welcome"))


LANDINGS = [
    (Membership.Role.TESTER, "/", "Generate a video"),
    (Membership.Role.REVIEWER, "/review/", None),
    (Membership.Role.FINANCE, "/console/finance/{slug}/", None),
    (Membership.Role.PROGRAM_MANAGER, "/console/", None),
    (Membership.Role.ADMIN, "/console/", None),
]


@pytest.mark.parametrize(("role", "path", "heading"), LANDINGS)
def test_each_role_lands_on_its_page_with_its_menu(
    live_server, page, program, settings, role, path, heading
):
    settings.STAFF_MFA_REQUIRED = True
    member = MembershipFactory(program=program, role=role)
    staff = role != Membership.Role.TESTER
    if staff:
        Authenticator.objects.create(
            user=member.user, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET}
        )
    sign_in_as(page, live_server.url, member.user, staff=staff)
    assert page.url == live_server.url + path.format(slug=program.slug)
    if heading:
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    menu = page.get_by_role("navigation", name="Main")
    if staff:
        expect(menu.get_by_role("link", name="Console")).to_be_visible()
        expect(menu.get_by_role("link", name="Generate")).to_have_count(0)
        expect(menu.get_by_role("link", name="API tokens")).to_have_count(0)
    else:
        expect(menu.get_by_role("link", name="Generate")).to_be_visible()
        expect(menu.get_by_role("link", name="Console")).to_have_count(0)
    assert page.js_errors == []


def api_status(token) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get("/v1/videos").status_code


def test_publish_with_a_grace_period_keeps_access_until_it_ends(
    live_server, browser, page, program, settings, eager_celery, mailoutbox
):
    settings.PORTAL_URL = live_server.url
    tester = MembershipFactory(program=program)
    v1 = publish_agreement(program=program, text="Keep outputs private.")
    accept_agreement(user=tester.user, agreement=v1, ip_address=None)
    secret = token_for(tester)
    manager = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)
    sign_in_as(page, live_server.url, manager.user, staff=False)  # MFA off in this test

    page.goto(f"{live_server.url}/console/programs/{program.slug}/agreements/")
    page.get_by_label("Text").fill(
        "Keep outputs **private**.\nNo screenshots in public.\n<script>alert(1)</script>"
    )
    page.get_by_role("button", name="Save draft and preview").click()
    page.wait_for_url(re.compile(r"/agreements/preview$"))
    diff = page.get_by_test_id("agreement-diff")
    expect(diff).to_contain_text("Keep outputs private.")  # removed
    expect(diff).to_contain_text("No screenshots in public.")  # added
    rendered = page.get_by_test_id("agreement-rendered")
    expect(rendered.locator("strong")).to_have_text("private")
    expect(rendered.locator("script")).to_have_count(0)

    page.get_by_label(re.compile("After a grace period")).check()
    page.get_by_label("Grace period (days)").fill("7")
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.get_by_text("Version 2 is published")).to_be_visible()
    v2 = Agreement.objects.get(program=program, version=2)
    assert v2.required_from - v2.published_at == timedelta(days=7)
    notice = mailoutbox[-1]
    assert notice.to == [tester.user.email] and "version 2" in notice.subject

    # During the grace period: the API still answers, the portal shows the banner.
    assert api_status(secret) == 200
    tester_context = browser.new_context(viewport={"width": 390, "height": 844})
    tester_page = tester_context.new_page()
    sign_in_as(tester_page, live_server.url, tester.user, staff=False)
    banner = tester_page.get_by_test_id("agreement-notice")
    expect(banner).to_contain_text(v2.required_from.strftime("%-d %b %Y"))
    expect(banner.get_by_role("link", name="Read and accept it")).to_be_visible()

    # The grace period ends: the API refuses and the portal holds the tester at the agreement.
    shift = timedelta(days=7, seconds=1)
    Agreement.objects.filter(pk=v2.pk).update(
        published_at=v2.published_at - shift, required_from=v2.required_from - shift
    )
    assert api_status(secret) == 403
    tester_page.goto(f"{live_server.url}/")
    tester_page.wait_for_url(re.compile(rf"/agreements/{program.slug}/"))
    checkbox = tester_page.get_by_label("I have read and accept this agreement")
    box, label = checkbox.bounding_box(), tester_page.locator("label[for=accept-agreement]")
    assert abs(box["y"] - label.bounding_box()["y"]) < 20  # the label sits beside its box
    checkbox.check()
    tester_page.get_by_role("button", name="Accept agreement").click()
    tester_page.wait_for_url(f"{live_server.url}/")
    assert api_status(secret) == 200
    tester_context.close()
