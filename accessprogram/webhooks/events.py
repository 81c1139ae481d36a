"""Announcing an event: one row per event, one delivery per subscribed endpoint, sent by
Celery after commit (the task receives the delivery's id only, never the secret or body)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accessprogram.programs.models import Membership

from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent


def payload(*, event_id: str, event_type: str, created_at, data: dict) -> dict:
    """OpenAI's webhook event shape (`object: "event"`, `data` holds the subject's id)."""
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created_at": int(created_at.timestamp()),
        "data": data,
    }


def announce(
    *, membership: Membership, event_type: str, subject_id: str, data: dict
) -> WebhookEvent | None:
    """Record the event and queue its deliveries; None when it was announced before."""
    from .tasks import deliver_webhook  # tasks import services; this keeps the import one-way

    event = WebhookEvent(membership=membership, type=event_type, subject_id=subject_id)
    event.payload = payload(
        event_id=event.public_id, event_type=event_type, created_at=timezone.now(), data=data
    )
    # One savepoint: whatever fails here rolls back the event alone, never the sender's work
    # (a rendition marked ready, a review decision); the senders use send_robust.
    try:
        with transaction.atomic():
            event.save()
            deliveries = _queue_deliveries(event)
    except IntegrityError:
        return None  # the same signal again (a retried sweep): announced once
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: [deliver_webhook.delay(pk, 0) for pk in ids])
    return event


def _queue_deliveries(event: WebhookEvent) -> list[WebhookDelivery]:
    # A JSON list is filtered here: SQLite has no JSON `contains`, and a tester has few endpoints.
    endpoints = WebhookEndpoint.objects.filter(membership=event.membership, deleted_at__isnull=True)
    return WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            event=event,
            endpoint=endpoint,
            message_id=f"msg_{event.public_id.removeprefix('evt_')}_{endpoint.pk}",
            next_attempt_at=timezone.now(),
        )
        for endpoint in endpoints
        if event.type in endpoint.event_types
    )
