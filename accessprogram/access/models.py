from django.conf import settings
from django.db import models
from django.utils import timezone

from accessprogram.programs.models import Membership

from .scopes import all_scopes


class ApiTokenQuerySet(models.QuerySet):
    def live(self, *, now=None):
        """Not revoked and not expired (suspended ones count: they may work again)."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A tester's API token. Only its SHA-256 digest is stored; the secret is shown once."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    display_prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_address = models.GenericIPAddressField(null=True, blank=True)
    last_used_client = models.CharField(max_length=200, blank=True)  # its User-Agent
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)
    # Least privilege (see access.scopes): what the token may do, from where, how much a day.
    scopes = models.JSONField(default=all_scopes)
    allowed_networks = models.JSONField(default=list, blank=True)
    daily_generation_limit = models.PositiveIntegerField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.display_prefix}…)"

    def is_usable(self, *, now=None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now


class AccessBlock(models.Model):
    """A suspension (temporary, reversible) or revocation (final) of access at one level.

    The authentication check joins these rows for the token, its membership, its cohort and its
    program in one indexed query, so a new block takes effect on the very next request.
    Whether a block is in force, and what it reaches, is decided in access.blocks.
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
    reason = models.CharField(
        max_length=500, help_text="Why: in the audit log and on the affected testers' notices."
    )
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


class AnomalyPolicy(models.Model):
    """Per-program thresholds for automatic suspension of a token used in unusual ways.

    Optional: a program without one uses the ANOMALY_* settings; a blank field uses its setting."""

    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="anomaly_policy"
    )
    enabled = models.BooleanField(
        default=True, help_text="Off: tokens of this program are never suspended automatically."
    )
    window_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Sliding window, 60 to 600 seconds. Blank: the default."
    )
    max_addresses = models.PositiveIntegerField(
        null=True, blank=True, help_text="Distinct client addresses one token may use per window."
    )
    max_requests = models.PositiveIntegerField(
        null=True, blank=True, help_text="Requests one token may make per window."
    )
    max_user_agents = models.PositiveIntegerField(
        null=True, blank=True, help_text="Distinct user agents one token may use per window."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "anomaly policies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_seconds__isnull=True)
                | models.Q(window_seconds__gte=60, window_seconds__lte=600),
                name="anomaly_window_60_to_600_seconds",
            ),
            models.CheckConstraint(
                condition=(
                    (models.Q(max_addresses__isnull=True) | models.Q(max_addresses__gte=1))
                    & (models.Q(max_requests__isnull=True) | models.Q(max_requests__gte=1))
                    & (models.Q(max_user_agents__isnull=True) | models.Q(max_user_agents__gte=1))
                ),
                name="anomaly_thresholds_positive",
            ),
        ]

    def __str__(self):
        return f"Anomaly policy of {self.program}"


class LeakReport(models.Model):
    """A platform token found in public by a secret scanner, reported to /v1/leaked-tokens."""

    class Outcome(models.TextChoices):
        REVOKED = "revoked"
        ALREADY_REVOKED = "already_revoked", "Already revoked"

    class Status(models.TextChoices):
        OPEN = "open"
        ACKNOWLEDGED = "acknowledged"
        RESOLVED = "resolved"

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="leak_reports")
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="leak_reports"
    )
    url = models.URLField(max_length=2000, help_text="Where the scanner found the token.")
    source = models.CharField(max_length=100, blank=True, help_text="Which scanner reported it.")
    reported_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["program", "status"], name="leak_report_program_status")]

    def __str__(self):
        return f"{self.token.display_prefix}… at {self.url}"


class LeakAlert(models.Model):
    """A token suspended automatically after unusual use, with the evidence, for staff to judge."""

    class Kind(models.TextChoices):
        ADDRESS_SPREAD = "address_spread", "Many client addresses"
        BURST = "burst", "Burst of requests"
        USER_AGENTS = "user_agents", "Many user agents"

    class Status(models.TextChoices):
        OPEN = "open"
        ACKNOWLEDGED = "acknowledged"
        RESOLVED = "resolved"

    class Resolution(models.TextChoices):
        REVOKED = "revoked", "Token revoked"
        REINSTATED = "reinstated", "Token reinstated"
        DISMISSED = "dismissed"

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="leak_alerts")
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="leak_alerts"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    evidence = models.JSONField(default=dict)
    detected_at = models.DateTimeField(default=timezone.now)
    suspension = models.ForeignKey(
        AccessBlock, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=16, choices=Resolution.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-detected_at", "-id"]
        indexes = [models.Index(fields=["program", "status"], name="leak_alert_program_status")]
        constraints = [
            # One alert (and so one suspension) per token until staff resolve it.
            models.UniqueConstraint(
                fields=["token"],
                condition=~models.Q(status="resolved"),
                name="one_unresolved_leak_alert_per_token",
            ),
            models.CheckConstraint(
                condition=models.Q(status="resolved", resolved_at__isnull=False)
                | (~models.Q(status="resolved") & models.Q(resolved_at__isnull=True)),
                name="leak_alert_resolved_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.token.display_prefix}…"

    @property
    def is_resolved(self) -> bool:
        return self.status == self.Status.RESOLVED


from .notice_models import BlockAppeal, BlockNotice  # noqa: E402, F401 - Django finds them here
