"""Headless Chromium for browser tests: one browser per session, a fresh context per test.

Debian's Chromium is used as installed (no `playwright install`, no downloads).
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from staff_sign_in import landed

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Generous defaults: the machine is small and shared, renders run in real processes.
ACTION_TIMEOUT_MS = 15_000
NAVIGATION_TIMEOUT_MS = 30_000
FACTORY_PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"browser tests need Chromium at {CHROMIUM} (or set CHROMIUM_PATH)")
    # Playwright's sync API keeps an event loop running in this thread for as long as the
    # browser lives; Django's ORM then refuses to run here (SynchronousOnlyOperation, also in
    # the database teardown of later tests) unless told this synchronous use is deliberate.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors  # tests may assert the page raised no JavaScript errors
    yield page
    page.close()


@pytest.fixture
def sign_in(page, live_server):
    """Sign in through the real login form; returns once the page the user lands on (a tester's
    portal home by default) has loaded."""

    def sign_in(user, password: str = FACTORY_PASSWORD, lands_on: str | None = None):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_login", user.username)
        page.fill("#id_password", password)
        page.get_by_role("button", name="Sign in").click()
        if lands_on is None:  # wherever the user's role lands them
            page.wait_for_url(landed)
        else:
            page.wait_for_url(f"{live_server.url}{lands_on}")

    return sign_in
