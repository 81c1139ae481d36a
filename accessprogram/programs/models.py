from django.conf import settings
from django.db import models


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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(running_jobs_per_tester__gte=1),
                name="program_running_limit_positive",
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
