from django.conf import settings
from django.db import models
from django.utils import timezone

# What the model can render; a program may offer fewer.
VIDEO_SECONDS = (4, 8, 12)
VIDEO_SIZES = ("1280x720", "720x1280", "1024x1792", "1792x1024")


def all_video_seconds():
    return list(VIDEO_SECONDS)


def all_video_sizes():
    return list(VIDEO_SIZES)


class Program(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        ACTIVE = "active"
        PAUSED = "paused"
        CLOSED = "closed"

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    daily_generation_quota = models.PositiveIntegerField(
        default=50, help_text="Generations one tester may request per UTC day."
    )
    running_jobs_per_tester = models.PositiveIntegerField(
        default=1, help_text="Jobs of one tester that may render at the same time."
    )
    active_jobs_per_tester = models.PositiveIntegerField(
        default=100, help_text="Queued plus running jobs one tester may hold."
    )
    allowed_seconds = models.JSONField(
        default=all_video_seconds, help_text="Clip lengths testers may ask for."
    )
    allowed_sizes = models.JSONField(
        default=all_video_sizes, help_text="Sizes testers may ask for."
    )

    class ApprovalPolicy(models.TextChoices):
        ONE_REVIEWER = "one_reviewer", "Every share request reviewed by one reviewer"
        TWO_REVIEWERS = "two_reviewers", "Every share request reviewed by two reviewers"

    approval_policy = models.CharField(
        max_length=20, choices=ApprovalPolicy.choices, default=ApprovalPolicy.ONE_REVIEWER
    )

    class WatermarkPosition(models.TextChoices):
        BOTTOM_RIGHT = "bottom_right", "Bottom right"
        BOTTOM_LEFT = "bottom_left", "Bottom left"
        TOP_RIGHT = "top_right", "Top right"
        TOP_LEFT = "top_left", "Top left"

    watermark_position = models.CharField(
        max_length=16, choices=WatermarkPosition.choices, default=WatermarkPosition.BOTTOM_RIGHT
    )
    watermark_opacity = models.PositiveSmallIntegerField(
        default=60, help_text="Visible mark opacity, in percent (0-100)."
    )
    applications_open = models.BooleanField(
        default=False, help_text="Show the public application page of this program."
    )

    class ShareLinkPolicy(models.TextChoices):
        STOP = "stop", "Stop the tester's share links when their access is revoked"
        KEEP = "keep", "Keep approved share links working after a revocation"

    # Only revocations (final) count; a suspension never stops share links.
    share_links_on_tester_revocation = models.CharField(
        max_length=8, choices=ShareLinkPolicy.choices, default=ShareLinkPolicy.STOP
    )
    # Few tokens per tester: a workload spread over many tokens is harder to notice.
    max_live_tokens = models.PositiveSmallIntegerField(
        default=5, help_text="API tokens a tester may hold at once (not revoked, not expired)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_live_tokens__gte=1), name="program_max_live_tokens_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(running_jobs_per_tester__gte=1),
                name="program_running_limit_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(watermark_opacity__lte=100),
                name="program_watermark_opacity_percent",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Cohort(models.Model):
    """A wave of testers in a program, with its own dates and optional quota overrides."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(max_length=100)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    daily_generation_quota = models.PositiveIntegerField(
        null=True, blank=True, help_text="Overrides the program's quota when set."
    )
    running_jobs_per_tester = models.PositiveIntegerField(
        null=True, blank=True, help_text="Overrides the program's running-job limit when set."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["program", "starts_on", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "name"], name="cohort_name_unique_in_program"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="cohort_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.program} / {self.name}"


class Membership(models.Model):
    class Role(models.TextChoices):
        TESTER = "tester"
        REVIEWER = "reviewer"
        PROGRAM_MANAGER = "program_manager", "Program manager"
        FINANCE = "finance"
        ADMIN = "admin"

    class Status(models.TextChoices):
        ACTIVE = "active"
        SUSPENDED = "suspended"
        REMOVED = "removed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="memberships")
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.TESTER)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    joined_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who invited or added this member.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "program"], name="one_membership_per_program"),
        ]

    def __str__(self):
        return f"{self.user} in {self.program} ({self.role})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def effective_daily_quota(self) -> int:
        cohort_quota = self.cohort.daily_generation_quota if self.cohort else None
        return cohort_quota if cohort_quota is not None else self.program.daily_generation_quota

    @property
    def effective_running_limit(self) -> int:
        cohort_limit = self.cohort.running_jobs_per_tester if self.cohort else None
        return cohort_limit if cohort_limit is not None else self.program.running_jobs_per_tester


class InvitationQuerySet(models.QuerySet):
    def live(self):
        """Sent or opened, not yet past their expiry: the ones that can still be accepted."""
        return self.filter(
            status__in=[Invitation.Status.SENT, Invitation.Status.OPENED],
            expires_at__gt=timezone.now(),
        )

    def with_effective_status(self, status: str):
        """Invitations whose `effective_status` is `status`, decided in SQL (a sent or opened
        invitation past its expiry counts as expired), so filtering needs no Python pass."""
        now = timezone.now()
        live = [Invitation.Status.SENT, Invitation.Status.OPENED]
        if status in live:
            return self.filter(status=status, expires_at__gt=now)
        if status == Invitation.Status.EXPIRED:
            return self.filter(
                models.Q(status=status) | models.Q(status__in=live, expires_at__lte=now)
            )
        return self.filter(status=status)


class Invitation(models.Model):
    """A single-use, expiring link that lets one email address join a program as a tester.

    Only a digest of the link's secret is stored; resending issues a new secret."""

    class Status(models.TextChoices):
        SENT = "sent"
        OPENED = "opened"
        ACCEPTED = "accepted"
        EXPIRED = "expired"
        REVOKED = "revoked"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="invitations")
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENT)
    expires_at = models.DateTimeField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one invitation per address and program that can still be used.
            models.UniqueConstraint(
                fields=["program", "email"],
                condition=models.Q(status__in=["sent", "opened"]),
                name="one_open_invitation_per_email_and_program",
            ),
        ]
        indexes = [models.Index(fields=["program", "status"])]

    def __str__(self):
        return f"Invitation of {self.email} to {self.program}"

    @property
    def effective_status(self) -> str:
        live = self.status in (self.Status.SENT, self.Status.OPENED)
        if live and self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.status


class ApplicationQuestion(models.Model):
    """A question on a program's public application page, set by its staff."""

    class Kind(models.TextChoices):
        SHORT = "short", "Short answer"
        LONG = "long", "Long answer"
        URL = "url", "Link"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(max_length=200)
    help_text = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SHORT)
    required = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["program", "position", "pk"]

    def __str__(self):
        return self.label


class Application(models.Model):
    """Someone asking to join a program; staff accept (an invitation follows) or decline."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted"
        ACCEPTED = "accepted"
        DECLINED = "declined"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="applications")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    # [{"question": label, "answer": text}, ...]: the questions as they were asked.
    answers = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_message = models.TextField(blank=True)
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="application"
    )

    class Meta:
        ordering = ["submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "email"],
                condition=models.Q(status="submitted"),
                name="one_pending_application_per_email_and_program",
            ),
        ]
        indexes = [models.Index(fields=["program", "status", "submitted_at"])]

    def __str__(self):
        return f"Application of {self.email} to {self.program}"


class TesterProfile(models.Model):
    """How a tester presents themself to the program team."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tester_profile"
    )
    display_name = models.CharField(max_length=100)
    portfolio_url = models.URLField(blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.display_name


# Agreements live in their own module; imported here so Django registers them with this app.
from .agreement_models import Agreement, AgreementAcceptance, AgreementDraft  # noqa: E402, F401
