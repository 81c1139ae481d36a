"""Reads for the portal page and the API: a tester's endpoints and their deliveries only."""

from django.db.models import QuerySet

from .models import WebhookDelivery, WebhookEndpoint


def endpoints_of(*, user) -> QuerySet[WebhookEndpoint]:
    """The user's endpoints that are not deleted, in every program."""
    return WebhookEndpoint.objects.filter(
        membership__user=user, deleted_at__isnull=True
    ).select_related("membership__program")


def endpoints_of_membership(*, membership) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(membership=membership, deleted_at__isnull=True)


def deliveries_of(*, endpoint: WebhookEndpoint, limit: int = 100) -> QuerySet[WebhookDelivery]:
    return endpoint.deliveries.select_related("event").order_by("-created_at", "-pk")[:limit]


def delivery_of_user(*, user, delivery_id: int) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.filter(pk=delivery_id, endpoint__membership__user=user)
        .select_related("endpoint", "event")
        .first()
    )
