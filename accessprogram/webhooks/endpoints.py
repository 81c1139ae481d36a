"""Registering and removing a tester's webhook endpoints (the portal page and the API)."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accessprogram.audit.services import record
from accessprogram.programs.models import Membership

from . import signing
from .addresses import AddressRefused, resolve
from .models import WebhookDelivery, WebhookEndpoint

EVENT_TYPES = [choice.value for choice in WebhookEndpoint.EventType]


class EndpointError(Exception):
    """A registration that is refused; the message says why, for the tester."""

    def __init__(self, message: str, *, param: str | None = None):
        super().__init__(message)
        self.param = param


class TooManyEndpoints(EndpointError):
    """The membership has as many endpoints as allowed (a conflict with what exists)."""


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once, never again


def _checked_event_types(event_types) -> list[str]:
    chosen = [str(t) for t in (event_types or EVENT_TYPES)]
    unknown = sorted(set(chosen) - set(EVENT_TYPES))
    if unknown:
        raise EndpointError(
            f"Unknown event type '{unknown[0]}'; choose among {', '.join(EVENT_TYPES)}.",
            param="enabled_events",
        )
    return [t for t in EVENT_TYPES if t in chosen]


@transaction.atomic
def create_endpoint(
    *, membership: Membership, url: str, description: str = "", event_types=None, actor
) -> NewEndpoint:
    """Register `url` for the membership's events; the secret in the result is shown once.

    The address is checked now, for a clear answer, and again before every request (a name
    may later resolve elsewhere)."""
    types = _checked_event_types(event_types)
    try:
        resolve(url)
    except AddressRefused as refused:
        raise EndpointError(str(refused), param="url") from None
    Membership.objects.select_for_update().get(pk=membership.pk)  # one count at a time
    live = WebhookEndpoint.objects.filter(membership=membership, deleted_at__isnull=True)
    if live.count() >= settings.WEBHOOK_MAX_ENDPOINTS:
        raise TooManyEndpoints(
            f"At most {settings.WEBHOOK_MAX_ENDPOINTS} endpoints per program; delete one first."
        )
    secret = signing.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        membership=membership,
        url=url,
        description=(description or "").strip(),
        event_types=types,
        encrypted_secret=signing.encrypt(secret),
        secret_hint=signing.hint(secret),
    )
    record(action="webhook_endpoint.created", target=endpoint, actor=actor, url=url, events=types)
    return NewEndpoint(endpoint=endpoint, secret=secret)


@transaction.atomic
def delete_endpoint(*, endpoint: WebhookEndpoint, actor) -> None:
    """Stop sending to the endpoint; its delivery log stays readable to the tester."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.deleted_at is not None:
        return
    endpoint.deleted_at = timezone.now()
    endpoint.save(update_fields=["deleted_at"])
    endpoint.deliveries.filter(status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.CANCELLED, last_error="The endpoint was deleted."
    )
    record(action="webhook_endpoint.deleted", target=endpoint, actor=actor, url=endpoint.url)
