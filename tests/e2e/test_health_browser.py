"""The program-health dashboard in headless Chromium: a program manager signs in with a second
factor, sees the seeded figures and the trend charts drawn, watches the queue refresh by itself,
and at phone width nothing overflows the viewport."""

import pytest
from allauth.mfa.models import Authenticator
from django.utils import timezone
from health_seed import seed_program
from playwright.sync_api import expect
from staff_sign_in import TOTP_SECRET, sign_in_with_totp

from accessprogram.console.health import views as health_views
from factories import GenerationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def seeded(program, settings, monkeypatch):
    settings.STAFF_MFA_REQUIRED = True
    settings.REVIEW_SLA_HOURS = 24
    monkeypatch.setattr(health_views, "LIVE_REFRESH_SECONDS", 1)  # the live server's thread
    data = seed_program(program, now=timezone.now())
    Authenticator.objects.create(
        user=data.manager.user, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET}
    )
    return data


def figure(page, name):
    return page.locator(f'[data-figure="{name}"]')


def test_dashboard_shows_the_seeded_figures_and_draws_the_trends(live_server, page, seeded):
    sign_in_with_totp(page, live_server.url, seeded.manager.user)
    page.goto(f"{live_server.url}/console/")
    page.get_by_role("link", name=seeded.program.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("is it healthy?")

    for name, text in (
        ("queued", "2"),
        ("running", "2"),
        ("pending", "3"),
        ("overdue", "2"),
        ("active-week", "3"),
        ("testers", "4"),
        ("failed", "1"),
        ("open-alerts", "1"),
        ("blocks", "2"),
        ("earned-USD", "30.00 USD"),
        ("owed-USD", "17.00 USD"),
        ("paid-USD", "20.00 USD"),
        ("response-rate", "50.0 %"),
        ("bugs-critical", "1"),
        ("bugs-high", "2"),
    ):
        expect(figure(page, name)).to_have_text(text)

    charts = page.get_by_role("img")
    assert charts.count() >= 12
    completed = page.locator("figure.trend", has=page.locator("#trend-completed-caption"))
    bars = completed.locator("rect.trend-bar")
    expect(bars).to_have_count(7)
    today = completed.locator("rect.trend-bar.today")
    assert today.bounding_box()["height"] > 0  # two renders completed today: a drawn bar
    completed.get_by_text("Completed: daily figures").click()
    expect(completed.get_by_role("table")).to_be_visible()
    expect(completed.get_by_role("row")).to_have_count(8)  # a header and seven days

    page.get_by_role("link", name="Last 30 days").click()
    expect(bars).to_have_count(30)
    assert page.js_errors == []


def test_the_queue_refreshes_itself(live_server, page, seeded):
    sign_in_with_totp(page, live_server.url, seeded.manager.user)
    page.goto(f"{live_server.url}/console/programs/{seeded.program.slug}/health/")
    expect(figure(page, "queued")).to_have_text("2")
    GenerationFactory(program=seeded.program, tester=seeded.testers[0].user)
    expect(figure(page, "queued")).to_have_text("3", timeout=10_000)
    assert page.js_errors == []


def test_nothing_overflows_a_phone(live_server, page, seeded):
    sign_in_with_totp(page, live_server.url, seeded.manager.user)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/console/", f"/console/programs/{seeded.program.slug}/health/"):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
