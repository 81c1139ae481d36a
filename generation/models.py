import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from accessprogram.access.models import ApiToken
from accessprogram.programs.models import VIDEO_SECONDS, VIDEO_SIZES, Program

SECONDS_CHOICES = VIDEO_SECONDS
SIZE_CHOICES = VIDEO_SIZES
MODEL_CHOICES = ("sora-2", "sora-2-pro")


def new_public_id() -> str:
    # Unguessable, so ids in URLs reveal nothing about other testers' work.
    return "video_" + secrets.token_hex(16)


class Generation(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELLED = "cancelled"

    ACTIVE_STATUSES = (Status.QUEUED, Status.IN_PROGRESS)

    public_id = models.CharField(max_length=40, unique=True, default=new_public_id, editable=False)
    tester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generations"
    )
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="generations")
    token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="generations"
    )
    prompt = models.TextField(max_length=4000)
    model = models.CharField(max_length=32, default="sora-2")
    seconds = models.PositiveSmallIntegerField(default=4)
    size = models.CharField(max_length=16, default="1280x720")
    seed = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    engine_job_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Set when the engine still holds a job (or file) we no longer need; the sweep deletes it.
    engine_cleanup_pending = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="generation_status_created"),
            models.Index(
                fields=["tester", "program", "created_at"], name="generation_tester_program"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="generation_progress_max_100"
            ),
            models.CheckConstraint(
                condition=models.Q(seconds__in=SECONDS_CHOICES), name="generation_seconds_allowed"
            ),
        ]

    def __str__(self):
        return self.public_id

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def width(self) -> int:
        return int(self.size.split("x")[0])

    @property
    def height(self) -> int:
        return int(self.size.split("x")[1])


class Asset(models.Model):
    """The finished video file of one generation, kept in Django's default storage."""

    generation = models.OneToOneField(Generation, on_delete=models.CASCADE, related_name="asset")
    storage_key = models.CharField(max_length=300, unique=True)
    sha256 = models.CharField(max_length=64)
    bytes = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    duration_seconds = models.FloatField()
    codec = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.storage_key


class Dispatcher(models.Model):
    """The dispatch sweep's shared state: a lease so one worker sweeps at a time, and what
    it last saw of the engine (read by pages for ETAs without calling the engine)."""

    name = models.CharField(max_length=64, primary_key=True)
    holder = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField()
    engine_slots = models.PositiveIntegerField(default=1)
    engine_seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} held by {self.holder or 'nobody'} until {self.lease_expires_at}"
