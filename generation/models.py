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


def new_character_id() -> str:
    return "char_" + secrets.token_hex(16)


class Character(models.Model):
    """A named reference clip a tester uploaded (only their own uploads: consent). A prompt of
    theirs that names it (`@name` or its id) sends its first frame to the engine."""

    public_id = models.CharField(
        max_length=40, unique=True, default=new_character_id, editable=False
    )
    tester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="characters"
    )
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="characters")
    name = models.CharField(max_length=80)
    clip_key = models.CharField(max_length=300, unique=True)
    frame_key = models.CharField(max_length=300, unique=True)  # first frame, PNG
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tester", "program", "name"], name="character_name_per_tester"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.public_id})"


class Generation(models.Model):
    class Kind(models.TextChoices):
        CREATE = "create"
        REMIX = "remix"
        EDIT = "edit"
        EXTENSION = "extension"

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
    # Where a queued job stands, written by the sweep once per tick for every waiting job, so a
    # status poll reads one row however long the queue is. Null: not placed (yet).
    queue_position = models.PositiveIntegerField(null=True, blank=True)
    queue_eta_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Remixes, edits and extensions name the video they were made from (always the same
    # tester's); an extension's file is the source with the new segment stitched on.
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CREATE)
    source = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="derivatives"
    )
    stitched_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    # An image the engine starts from (input_reference), kept privately; "" when none.
    reference_key = models.CharField(max_length=300, blank=True)
    reference_type = models.CharField(max_length=32, blank=True)
    characters = models.ManyToManyField(Character, blank=True, related_name="generations")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="generation_status_created"),
            # The render rate (selectors.render_rate, read by every sweep): latest completions.
            models.Index(fields=["status", "completed_at"], name="generation_status_completed"),
            # Console overviews count a program's queued, running and done-today jobs from
            # this index instead of scanning every generation the program ever made.
            models.Index(
                fields=["program", "status", "completed_at"], name="generation_program_status"
            ),
            models.Index(
                fields=["tester", "program", "created_at"], name="generation_tester_program"
            ),
            # The fair queue's "served longest ago": latest dispatch per tester.
            models.Index(
                fields=["tester", "program", "dispatched_at"], name="generation_tester_dispatched"
            ),
            # The sweep's clean-up reads only the few rows still pending, not every generation.
            models.Index(
                fields=["id"],
                condition=models.Q(engine_cleanup_pending=True),
                name="generation_cleanup_pending",
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
    def total_seconds(self) -> int:
        """The length of the stored file: an extension's stitched total, else `seconds`."""
        return self.stitched_seconds or self.seconds

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


def new_rendition_key(program_id: int) -> str:
    # Random, so a storage key (or a presigned URL's path) reveals nothing about other files.
    return f"renditions/{program_id}/{secrets.token_urlsafe(24)}.mp4"


class Rendition(models.Model):
    """A copy of a generation made to leave storage: the visible mark, an invisible forensic
    payload (`forensic_id`, unique) and signed content credentials. The original is never
    served; testers watch the preview, an approved share request gets a published rendition."""

    class Kind(models.TextChoices):
        PREVIEW = "preview"
        PUBLISHED = "published"

    class Status(models.TextChoices):
        PENDING = "pending"
        READY = "ready"
        FAILED = "failed"

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="renditions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    forensic_id = models.PositiveBigIntegerField(unique=True)
    # For a published rendition: the share request that approved it (its id, as text).
    approval_ref = models.CharField(max_length=64, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Set when the file is stored: each build attempt writes under its own new key.
    storage_key = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    bytes = models.PositiveBigIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    manifest_label = models.CharField(max_length=200, blank=True)
    # A preview's poster (JPEG) and grid of frames (JPEG), cut from its marked frames; the
    # grid's layout (columns, rows, tile size, seconds between tiles) is kept beside it.
    thumbnail_key = models.CharField(max_length=300, blank=True)
    spritesheet_key = models.CharField(max_length=300, blank=True)
    spritesheet_layout = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    # Percent of the build done while pending (marking frames, then signing and storing).
    progress = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["generation", "kind", "status"], name="rendition_generation_kind"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["generation", "kind", "approval_ref"], name="rendition_once_per_approval"
            ),
            models.CheckConstraint(
                condition=models.Q(forensic_id__gte=1), name="rendition_forensic_id_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="preview", approval_ref="")
                | models.Q(kind="published") & ~models.Q(approval_ref=""),
                name="rendition_published_has_approval",
            ),
            models.UniqueConstraint(
                fields=["storage_key"],
                condition=~models.Q(storage_key=""),
                name="rendition_storage_key_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="ready")
                | ~models.Q(sha256="") & ~models.Q(storage_key=""),
                name="rendition_ready_has_file",
            ),
        ]

    def __str__(self):
        return f"{self.kind} rendition {self.forensic_id} of {self.generation_id}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY
