"""The portal's webhook pages through HTTP: register (secret shown once), the delivery log,
redeliver, delete; other testers' endpoints and deliveries answer 404."""

import pytest
from standardwebhooks.webhooks import Webhook

from accessprogram.access.revocation import block_access
from accessprogram.webhooks.models import WebhookDelivery, WebhookEndpoint
from clients import signed_in
from factories import MembershipFactory
from generation.models import Generation
from generation.signals import generation_finished

pytestmark = pytest.mark.django_db(transaction=True)


def fail(video) -> None:
    generation_finished.send(
        sender=Generation,
        public_id=video.public_id,
        outcome="failed",
        error_code="engine_error",
        wait_seconds=0.0,
        render_seconds=0.0,
    )


def test_registering_shows_the_secret_once(tester_client, tester, receiver):
    page = tester_client.post(
        "/webhooks/",
        {
            "membership": tester.pk,
            "url": receiver.url,
            "description": "my render farm",
            "event_types": ["video.completed", "video.failed"],
        },
    )

    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    secret = page.context["new_secret"]
    assert secret.startswith("whsec_") and secret in page.content.decode()
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["video.completed", "video.failed"]
    again = tester_client.get("/webhooks/").content.decode()
    assert secret not in again
    assert receiver.url in again and endpoint.secret_hint in again


def test_a_private_url_is_refused_on_the_form(tester_client, tester, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    page = tester_client.post(
        "/webhooks/",
        {"membership": tester.pk, "url": "http://10.0.0.5/x", "event_types": ["video.failed"]},
    )
    assert page.status_code == 400
    assert "public addresses" in page.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_and_redelivery(
    tester_client, endpoint, receiver, failed_video, eager_celery
):
    receiver.then = 500
    fail(failed_video)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"

    log = tester_client.get(f"/webhooks/{endpoint.public_id}/")
    page = log.content.decode()
    assert log.status_code == 200
    assert delivery.message_id in page and "video.failed" in page
    assert 'data-testid="delivery-attempts">4<' in page
    assert 'data-testid="delivery-code">500<' in page
    assert "Redeliver" in page

    receiver.then = 200
    answer = tester_client.post(f"/webhooks/deliveries/{delivery.pk}/redeliver")

    assert answer.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        "succeeded",
        5,
        200,
    )
    # The same message: same webhook-id, the receiver can drop it if it had it already.
    last = receiver.requests[-1]
    assert last.headers["webhook-id"] == delivery.message_id
    Webhook(endpoint.secret).verify(last.body, last.headers)


def test_redelivery_is_refused_once_access_is_revoked(
    tester_client, tester, endpoint, receiver, failed_video, eager_celery
):
    fail(failed_video)
    block_access(target=tester, kind="suspension", reason="Paused for review.")

    tester_client.post(f"/webhooks/deliveries/{WebhookDelivery.objects.get().pk}/redeliver")

    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().status == "succeeded"


def test_delete_through_htmx_redirects_the_page(tester_client, endpoint):
    answer = tester_client.post(f"/webhooks/{endpoint.public_id}/delete", HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert answer["HX-Redirect"] == "/webhooks/"
    endpoint.refresh_from_db()
    assert endpoint.deleted_at is not None
    page = tester_client.get("/webhooks/").content.decode()
    assert f"Endpoint {endpoint.url} is deleted" in page  # the message, once
    assert 'data-testid="endpoint-row"' not in page


def test_other_testers_get_404(program, endpoint, receiver, failed_video, eager_celery):
    fail(failed_video)
    stranger = signed_in(MembershipFactory(program=program))
    delivery = WebhookDelivery.objects.get()

    assert stranger.get(f"/webhooks/{endpoint.public_id}/").status_code == 404
    assert stranger.post(f"/webhooks/{endpoint.public_id}/delete").status_code == 404
    assert stranger.post(f"/webhooks/deliveries/{delivery.pk}/redeliver").status_code == 404
    assert len(receiver.requests) == 1


def test_signed_out_visitors_go_to_sign_in(client, endpoint):
    assert client.get("/webhooks/").status_code == 302
    assert client.get(f"/webhooks/{endpoint.public_id}/").status_code == 302
