"""Deliveries: signed per Standard Webhooks, retried on failure with exponential backoff,
announced once per event, never sent after the tester's access is revoked."""

import json

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from accessprogram.access.revocation import block_access
from accessprogram.webhooks.deliveries import backoff_seconds
from accessprogram.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from generation.models import Generation
from generation.signals import generation_finished

pytestmark = pytest.mark.django_db(transaction=True)


def fail(video: Generation) -> None:
    """What the dispatch sweep announces when a render fails."""
    generation_finished.send(
        sender=Generation,
        public_id=video.public_id,
        outcome="failed",
        error_code="engine_error",
        wait_seconds=0.0,
        render_seconds=0.0,
    )


def test_a_delivery_verifies_with_the_standard_webhooks_reference_verifier(
    endpoint, receiver, failed_video, eager_celery
):
    fail(failed_video)

    [request] = receiver.requests
    event = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert event["type"] == "video.failed"
    assert event["object"] == "event"
    assert event["data"] == {"id": failed_video.public_id}
    assert event["id"] == WebhookEvent.objects.get().public_id
    assert request.headers["webhook-id"] == WebhookDelivery.objects.get().message_id
    assert request.headers["content-type"] == "application/json"
    # Another secret, or a body changed on the way, does not verify.
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(request.body.replace(b"failed", b"faile"), request.headers)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        "succeeded",
        1,
        200,
    )


def test_a_500_is_retried_with_exponential_backoff_until_it_succeeds(
    endpoint, receiver, failed_video, eager_celery
):
    receiver.script = [500, 500, 503]

    fail(failed_video)

    assert len(receiver.requests) == 4
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_response_code) == ("succeeded", 200)
    assert delivery.attempts == 4
    waits = list(WebhookAttempt.objects.values_list("response_code", "retry_in_seconds"))
    assert waits == [(500, 2), (500, 4), (503, 8), (200, None)]
    # Every retry is the same message: same id, same signed body, each signature valid.
    assert {r.headers["webhook-id"] for r in receiver.requests} == {delivery.message_id}
    assert len({r.body for r in receiver.requests}) == 1
    for request in receiver.requests:
        Webhook(endpoint.secret).verify(request.body, request.headers)


def test_it_gives_up_after_the_last_attempt(endpoint, receiver, failed_video, eager_celery):
    receiver.then = 500

    fail(failed_video)

    assert len(receiver.requests) == 4  # WEBHOOK_MAX_ATTEMPTS in these tests
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 4)
    assert delivery.last_error == "The endpoint answered 500."


def test_a_redirect_is_not_followed(endpoint, receiver, failed_video, eager_celery, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.script = [302]

    fail(failed_video)

    assert len(receiver.requests) == 1  # the Location (the metadata service) was never asked
    assert WebhookDelivery.objects.get().status == "failed"


def test_backoff_doubles_up_to_its_ceiling(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_SECONDS = 3600
    assert [backoff_seconds(n) for n in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1920, 3600]


def test_an_event_signalled_twice_is_delivered_once(endpoint, receiver, failed_video, eager_celery):
    fail(failed_video)
    fail(failed_video)  # a sweep retried after a crash announces the outcome again

    assert WebhookEvent.objects.count() == 1
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.requests) == 1


def test_each_endpoint_has_its_own_message_id_and_secret(
    tester, endpoint, receiver, failed_video, eager_celery
):
    from accessprogram.webhooks.endpoints import create_endpoint

    second = create_endpoint(membership=tester, url=receiver.url + "/2", actor=tester.user)

    fail(failed_video)

    assert len(receiver.requests) == 2
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert len(ids) == 2
    by_path = {r.path: r for r in receiver.requests}
    Webhook(endpoint.secret).verify(by_path["/hooks"].body, by_path["/hooks"].headers)
    Webhook(second.secret).verify(by_path["/hooks/2"].body, by_path["/hooks/2"].headers)


def test_only_subscribed_event_types_are_sent(tester, receiver, failed_video, eager_celery):
    from accessprogram.webhooks.endpoints import create_endpoint

    create_endpoint(
        membership=tester,
        url=receiver.url,
        event_types=["video.completed"],
        actor=tester.user,
    )

    fail(failed_video)

    assert WebhookEvent.objects.count() == 1
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


@pytest.mark.parametrize("level", ["membership", "program"])
def test_nothing_is_sent_after_the_tester_is_revoked(
    level, tester, endpoint, receiver, failed_video, eager_celery
):
    target = tester if level == "membership" else tester.program
    block_access(target=target, kind="revocation", reason="Leaked outputs.")

    fail(failed_video)

    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "cancelled"
    assert delivery.last_error == "The tester's access is suspended or revoked."


def test_a_retry_due_after_a_revocation_is_not_sent(
    tester, endpoint, receiver, failed_video, eager_celery
):
    receiver.script = [500]
    # The first attempt fails; the revocation lands before the retry (eager: between the two).
    from accessprogram.webhooks import deliveries

    original = deliveries.backoff_seconds

    def revoke_then_wait(attempt):
        block_access(target=tester, kind="revocation", reason="Revoked between attempts.")
        return original(attempt)

    deliveries.backoff_seconds = revoke_then_wait
    try:
        fail(failed_video)
    finally:
        deliveries.backoff_seconds = original

    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().status == "cancelled"


def test_the_queued_task_carries_ids_only(endpoint, failed_video, monkeypatch):
    from accessprogram.webhooks import tasks

    sent = []
    monkeypatch.setattr(tasks.deliver_webhook, "delay", lambda *args: sent.append(args))

    fail(failed_video)

    delivery = WebhookDelivery.objects.get()
    assert sent == [(delivery.pk, 0)]
    assert endpoint.secret not in json.dumps(sent)


def test_the_task_schedules_its_retry_after_the_backoff(
    endpoint, receiver, failed_video, monkeypatch
):
    """Outside eager mode a retry is a countdown on the broker: the wait is backoff_seconds."""
    from celery.exceptions import Retry

    from accessprogram.webhooks import tasks

    monkeypatch.setattr(tasks.deliver_webhook, "delay", lambda *args: None)
    fail(failed_video)  # recorded and queued (the queue is stubbed out)
    delivery = WebhookDelivery.objects.get()
    receiver.script = [500]
    scheduled = []

    def retry(**kwargs):
        scheduled.append(kwargs)
        return Retry()

    monkeypatch.setattr(tasks.deliver_webhook, "retry", retry)

    with pytest.raises(Retry):
        tasks.deliver_webhook.run(delivery.pk, 0)

    assert scheduled == [{"args": (delivery.pk, 1), "countdown": 2}]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at is not None
    # A stale task for the attempt already made does nothing.
    tasks.deliver_webhook.run(delivery.pk, 0)
    assert len(receiver.requests) == 1
