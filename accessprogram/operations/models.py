"""Long operations run off the request path (a payout close, a stipend run, a CSV import), with
their progress.

A person asks for one on a page; a Celery task runs it and reports how far it got; the page polls
that progress. At most one live (queued or running) operation per kind, program and subject, held
by a partial unique constraint, so a second click while one runs joins it instead of starting a
duplicate.
"""

from django.conf import settings
from django.db import models

from accessprogram.programs.models import Program

LIVE_STATUSES = ["queued", "running"]


class BackgroundOperation(models.Model):
    class Kind(models.TextChoices):
        PAYOUT_CLOSE = "payout_close", "Payout period close"
        STIPEND_RUN = "stipend_run", "Stipend run"
        INVITATION_IMPORT = "invitation_import", "Invitation import"

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="operations")
    subject = models.CharField(max_length=100, help_text="What it acts on, e.g. period:12.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.TextField(blank=True, help_text="Its input, e.g. the CSV text to import.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    stage = models.CharField(max_length=200, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["program", "kind", "subject", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "program", "subject"],
                condition=models.Q(status__in=LIVE_STATUSES),
                name="one_live_operation_per_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(progress_done__lte=models.F("progress_total")),
                name="operation_progress_within_total",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.subject} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def percent(self) -> int:
        return round(100 * self.progress_done / self.progress_total) if self.progress_total else 0
