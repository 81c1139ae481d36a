"""Sending a delivery: one attempt at a time, retried with exponential backoff, never to a
blocked tester's endpoint, never to an address addresses.py refuses. Redelivery on request."""

import json
import logging
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accessprogram.access.blocks import block_in_force
from accessprogram.audit.services import record
from accessprogram.programs.models import Membership

from . import sender, signing
from .addresses import AddressRefused, resolve
from .models import WebhookAttempt, WebhookDelivery

Status = WebhookDelivery.Status
logger = logging.getLogger(__name__)


class RedeliveryRefused(Exception):
    """A redelivery that cannot start; the message says why, for the tester."""


def backoff_seconds(attempt: int) -> int:
    """The wait after the `attempt`-th failed attempt of a round: base, 2 base, 4 base, …"""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    return min(base * 2 ** (attempt - 1), settings.WEBHOOK_RETRY_MAX_SECONDS)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.event.payload, separators=(",", ":"), sort_keys=True).encode()


def why_not_sent(delivery: WebhookDelivery) -> str:
    """Why nothing may be sent to this delivery's endpoint right now ("" when it may)."""
    endpoint = delivery.endpoint
    if endpoint.deleted_at is not None:
        return "The endpoint was deleted."
    membership = endpoint.membership
    if block_in_force(membership=membership) is not None:
        return "The tester's access is suspended or revoked."
    if membership.status != Membership.Status.ACTIVE:
        return "The tester's membership is not active."
    return ""


def _claim(delivery_id: int, after_attempts: int) -> WebhookDelivery | None:
    """Take the delivery for one attempt; None when it is not due from this task (sent, being
    sent, or already retried by another task: `after_attempts` no longer matches)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 4)
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, attempts=after_attempts)
        .filter(Q(status=Status.PENDING) | Q(status=Status.SENDING, claimed_at__lt=stale))
        .update(status=Status.SENDING, claimed_at=now)
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("event", "endpoint__membership__program").get(
        pk=delivery_id
    )


def _send(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """(response code, error) of one request; the address is checked right before it."""
    body = body_of(delivery)
    try:
        target = resolve(delivery.endpoint.url)
        headers = signing.signature_headers(
            secret=signing.decrypt(delivery.endpoint.encrypted_secret),
            message_id=delivery.message_id,
            sent_at=timezone.now(),
            body=body,
        )
        code = sender.post(target, headers=headers, body=body)
    except AddressRefused as refused:
        return None, str(refused)[:300]
    except httpx.HTTPError as failure:
        return None, f"{type(failure).__name__}: {failure}"[:300]
    return code, "" if 200 <= code < 300 else f"The endpoint answered {code}."


def attempt_delivery(*, delivery_id: int, after_attempts: int) -> int | None:
    """Make the next attempt; the seconds to wait before retrying, or None when done."""
    delivery = _claim(delivery_id, after_attempts)
    if delivery is None:
        return None
    reason = why_not_sent(delivery)
    if reason:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=Status.CANCELLED, last_error=reason, claimed_at=None, next_attempt_at=None
        )
        logger.info("Webhook %s not sent: %s", delivery.message_id, reason)
        return None
    code, error = _send(delivery)
    number = delivery.attempts + 1
    succeeded = code is not None and 200 <= code < 300
    in_round = number - delivery.round_start
    retry_in = None
    if not succeeded and in_round < settings.WEBHOOK_MAX_ATTEMPTS:
        retry_in = backoff_seconds(in_round)
    now = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            response_code=code,
            error=error,
            retry_in_seconds=retry_in,
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempts=number,
            last_response_code=code,
            last_error=error,
            status=Status.SUCCEEDED if succeeded else Status.PENDING if retry_in else Status.FAILED,
            delivered_at=now if succeeded else None,
            next_attempt_at=now + timedelta(seconds=retry_in) if retry_in else None,
            claimed_at=None,
        )
    logger.info("Webhook %s attempt %d: %s", delivery.message_id, number, code if code else error)
    return retry_in


@transaction.atomic
def redeliver(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Send a delivery again (same webhook-id: a receiver that has it already drops it)."""
    from .tasks import deliver_webhook

    delivery = (
        WebhookDelivery.objects.select_for_update()
        .select_related("endpoint__membership__program")
        .get(pk=delivery.pk)
    )
    if delivery.status in (Status.PENDING, Status.SENDING):
        raise RedeliveryRefused("This delivery is still being sent; wait for its outcome.")
    reason = why_not_sent(delivery)
    if reason:
        raise RedeliveryRefused(reason)
    delivery.status = Status.PENDING
    delivery.round_start = delivery.attempts
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "round_start", "next_attempt_at"])
    record(
        action="webhook_delivery.redelivered",
        target=delivery.endpoint,
        actor=actor,
        message_id=delivery.message_id,
    )
    pk, attempts = delivery.pk, delivery.attempts
    transaction.on_commit(lambda: deliver_webhook.delay(pk, attempts))
    return delivery


def resume_stalled() -> int:
    """Queue deliveries whose task was lost (a worker died, a broker restarted); how many."""
    from .tasks import deliver_webhook

    grace = timedelta(seconds=settings.WEBHOOK_STALLED_AFTER_SECONDS)
    now = timezone.now()
    stalled = WebhookDelivery.objects.filter(
        Q(status=Status.PENDING, next_attempt_at__lt=now - grace)
        | Q(status=Status.SENDING, claimed_at__lt=now - grace)
    ).values_list("pk", "attempts")[:500]
    count = 0
    for pk, attempts in stalled:
        deliver_webhook.delay(pk, attempts)
        count += 1
    return count
