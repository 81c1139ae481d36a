"""Webhooks in headless Chromium: a tester registers an endpoint (the secret shown once), a
failed video's event reaches a local receiver after the endpoint first answers 500, the
delivery log shows it, and a confirmed "Redeliver" sends it again, signed as before."""

import pytest
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook
from webhook_receiver import Receiver

from generation.models import Generation
from generation.signals import generation_finished

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver = Receiver(script=[500]).start()
    yield receiver
    receiver.stop()


def test_register_watch_the_log_and_redeliver(
    page, live_server, sign_in, tester, receiver, eager_celery
):
    sign_in(tester.user)
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill("render farm")
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.get_by_test_id("new-secret").inner_text()
    assert secret.startswith("whsec_")

    video = Generation.objects.create(
        tester=tester.user, program=tester.program, prompt="p", seed=1, status="failed"
    )
    generation_finished.send(
        sender=Generation,
        public_id=video.public_id,
        outcome="failed",
        error_code="engine_error",
        wait_seconds=0.0,
        render_seconds=0.0,
    )
    assert len(receiver.requests) == 1

    page.goto(f"{live_server.url}/webhooks/")
    assert secret not in page.content()  # shown once
    page.get_by_role("link", name="Deliveries").click()
    expect(page.get_by_test_id("delivery-status")).to_have_text("Failed")
    expect(page.get_by_test_id("delivery-code")).to_have_text("500")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Redeliver").click()

    expect(page.get_by_test_id("delivery-status")).to_have_text("Succeeded")
    expect(page.get_by_test_id("delivery-attempts")).to_have_text("2")
    first, again = receiver.requests
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
    event = Webhook(secret).verify(again.body, again.headers)
    assert event["data"]["id"] == video.public_id
    assert page.js_errors == []
