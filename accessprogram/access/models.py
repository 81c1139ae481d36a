from django.conf import settings
from django.db import models
from django.utils import timezone

from accessprogram.programs.models import Membership


class ApiToken(models.Model):
    """A tester's API token. Only its SHA-256 digest is stored; the secret is shown once."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    display_prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.display_prefix}…)"

    def is_usable(self, *, now=None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now


class AccessBlockQuerySet(models.QuerySet):
    def in_force(self, *, now=None):
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True, starts_at__lte=now).filter(
            models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=now)
        )


class AccessBlock(models.Model):
    """A suspension (temporary, reversible) or revocation (final) of access at one level.

    The authentication check joins these rows for the token, its membership, its cohort and its
    program in one indexed query, so a new block takes effect on the very next request.
    """

    class Level(models.TextChoices):
        TOKEN = "token"  # noqa: S105 - a level name, not a secret
        MEMBERSHIP = "membership", "Tester"
        COHORT = "cohort"
        PROGRAM = "program"

    class Kind(models.TextChoices):
        SUSPENSION = "suspension"
        REVOCATION = "revocation"

    level = models.CharField(max_length=16, choices=Level.choices)
    target_id = models.BigIntegerField()
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="access_blocks"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.CharField(max_length=500, help_text="Why, for staff and the audit log.")
    message = models.CharField(
        max_length=300, help_text="What affected testers are told (API errors and portal notice)."
    )
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(
        null=True, blank=True, help_text="A suspension may end by itself at this time."
    )
    expected_back_at = models.DateTimeField(
        null=True, blank=True, help_text="Told to testers; lifting stays a staff action."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AccessBlockQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["level", "target_id"],
                condition=models.Q(lifted_at__isnull=True),
                name="access_block_in_force",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="revocation", lifted_at__isnull=False),
                name="access_revocation_is_final",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="access_block_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.level} {self.target_id}"
