"""Webhook endpoints a tester registers, the events the platform announces, and one delivery
of each event to each endpoint (with its attempts), so a tester can see and replay them."""

import secrets

from django.db import models

from accessprogram.programs.models import Membership


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(16)


def new_endpoint_id() -> str:
    return "we_" + secrets.token_hex(12)


class WebhookEndpoint(models.Model):
    """A URL of a tester's that receives signed events of their own videos and share requests.

    The signing secret is stored encrypted (see webhooks.secrets): it must be readable to sign,
    unlike an API token, which only has to be recognised and is kept as a digest."""

    class EventType(models.TextChoices):
        VIDEO_COMPLETED = "video.completed"
        VIDEO_FAILED = "video.failed"
        SHARE_APPROVED = "share_request.approved"
        SHARE_REJECTED = "share_request.rejected"

    public_id = models.CharField(
        max_length=40, unique=True, default=new_endpoint_id, editable=False
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list)
    encrypted_secret = models.BinaryField()
    secret_hint = models.CharField(max_length=16)  # "whsec_AbCd…": tells secrets apart
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.url

    @property
    def program(self):
        return self.membership.program


class WebhookEvent(models.Model):
    """Something that happened to a tester's video or share request, announced once."""

    public_id = models.CharField(max_length=40, unique=True, default=new_event_id, editable=False)
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="webhook_events"
    )
    type = models.CharField(max_length=40, choices=WebhookEndpoint.EventType.choices)
    # The video or share request the event is about: one event per (type, subject), so a
    # signal sent twice (a retried sweep) announces nothing twice.
    subject_id = models.CharField(max_length=60)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["type", "subject_id"], name="webhook_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.subject_id}"


class WebhookDelivery(models.Model):
    """One event to one endpoint. Its `message_id` is the `webhook-id` header: the same on every
    retry and redelivery, so a receiver drops duplicates by it."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"  # gave up after the last retry
        CANCELLED = "cancelled"  # not sent: access blocked or the endpoint deleted

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message_id = models.CharField(max_length=80, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # `attempts` when the current round began (a redelivery starts a new one): retries and
    # their backoff count within a round.
    round_start = models.PositiveIntegerField(default=0)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_once")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.message_id

    @property
    def status_class(self) -> str:
        """The portal's badge for the status (the same colours as a video's)."""
        return {
            self.Status.PENDING: "status-queued",
            self.Status.SENDING: "status-in_progress",
            self.Status.SUCCEEDED: "status-completed",
        }.get(self.status, f"status-{self.status}")


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery (or the reason none was made)."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField()
    attempted_at = models.DateTimeField(auto_now_add=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    retry_in_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number}"
