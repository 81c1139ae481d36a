"""Feedback forms and answers, quick ratings of outputs, bug reports and their triage."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accessprogram.compensation.models import Severity
from accessprogram.programs.models import Cohort, Membership, Program
from generation.models import Generation


class FeedbackForm(models.Model):
    """A questionnaire for a program's testers (or one cohort's), open between two times."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="feedback_forms")
    cohort = models.ForeignKey(
        Cohort,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_forms",
        help_text="Only this cohort's testers answer; empty for every tester of the program.",
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="feedback_form_closes_after_it_opens",
            ),
        ]
        indexes = [models.Index(fields=["program", "status", "opens_at"])]

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.is_published and self.opens_at <= now < self.closes_at

    def phase(self, now=None) -> str:
        """draft, upcoming, open or closed."""
        now = now or timezone.now()
        if not self.is_published:
            return "draft"
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"


class Question(models.Model):
    class Kind(models.TextChoices):
        RATING = "rating", "Rating (1-5)"
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        SHORT = "short", "Short text"
        LONG = "long", "Long text"
        OUTPUT = "output", "Pick one of your outputs"

    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)

    form = models.ForeignKey(FeedbackForm, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    label = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=True)
    options = models.JSONField(default=list, blank=True, help_text="Choices, for choice kinds.")

    class Meta:
        ordering = ["form", "position", "id"]

    def __str__(self):
        return self.label

    @property
    def has_choices(self) -> bool:
        return self.kind in self.CHOICE_KINDS


class FormResponse(models.Model):
    """One tester's answers to one form; edited in place until the form closes."""

    form = models.ForeignKey(FeedbackForm, on_delete=models.CASCADE, related_name="responses")
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="feedback_responses"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set once, when every required question first has an answer: that is what is paid for.
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "membership"], name="one_response_per_form_and_membership"
            ),
        ]
        # The responses CSV reads a form's responses in this order, a batch at a time.
        indexes = [
            models.Index(fields=["form", "submitted_at", "id"], name="feedback_response_export")
        ]

    def __str__(self):
        return f"{self.membership} on {self.form}"


class Answer(models.Model):
    response = models.ForeignKey(FormResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    # rating: int; single/short/long: str; multiple: [str]; output: the video's public id.
    value = models.JSONField()
    generation = models.ForeignKey(
        Generation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="one_answer_per_question"
            ),
        ]

    def __str__(self):
        return f"{self.question}: {self.value}"


class QuickRating(models.Model):
    """A tester's 1-5 verdict on one of their own outputs; one per tester and output."""

    generation = models.ForeignKey(
        Generation, on_delete=models.CASCADE, related_name="quick_ratings"
    )
    tester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quick_ratings"
    )
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="quick_ratings")
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["generation", "tester"], name="one_quick_rating_per_output"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5),
                name="quick_rating_between_1_and_5",
            ),
        ]
        indexes = [models.Index(fields=["program", "rating"])]

    def __str__(self):
        return f"{self.rating}/5 for {self.generation_id}"


class BugReport(models.Model):
    class Status(models.TextChoices):
        NEW = "new"
        CONFIRMED = "confirmed"
        DUPLICATE = "duplicate"
        WONT_FIX = "wont_fix", "Won't fix"
        FIXED = "fixed"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="bug_reports")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="bug_reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bug_reports"
    )
    title = models.CharField(max_length=200)
    steps = models.TextField("Steps to reproduce", max_length=10000)
    expected = models.TextField("What you expected", max_length=5000)
    actual = models.TextField("What happened instead", max_length=5000)
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.MEDIUM)
    generation = models.ForeignKey(
        Generation, null=True, blank=True, on_delete=models.SET_NULL, related_name="bug_reports"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="duplicate", duplicate_of__isnull=False)
                | (~models.Q(status="duplicate") & models.Q(duplicate_of__isnull=True)),
                name="bug_duplicate_names_its_original",
            ),
            models.CheckConstraint(
                condition=~models.Q(duplicate_of=models.F("id")),
                name="bug_not_duplicate_of_itself",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status", "created_at"]),
            models.Index(fields=["reporter", "created_at"]),
        ]

    def __str__(self):
        return f"#{self.pk} {self.title}"


class BugAttachment(models.Model):
    """A file attached to a report, kept under an unguessable key in the default storage."""

    bug = models.ForeignKey(BugReport, on_delete=models.CASCADE, related_name="attachments")
    storage_key = models.CharField(max_length=300, unique=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name


class BugEvent(models.Model):
    """The report's timeline: status changes and comments. Internal notes stay with staff."""

    class Kind(models.TextChoices):
        STATUS = "status", "Status change"
        COMMENT = "comment"

    bug = models.ForeignKey(BugReport, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    body = models.TextField(max_length=5000, blank=True)
    internal = models.BooleanField(default=False)
    by_staff = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["bug", "created_at"])]

    def __str__(self):
        return f"{self.kind} on bug {self.bug_id}"

    @property
    def to_status_label(self) -> str:
        return BugReport.Status(self.to_status).label if self.to_status else ""

    @property
    def from_status_label(self) -> str:
        return BugReport.Status(self.from_status).label if self.from_status else ""


from .board_models import (  # noqa: E402, F401 - Django finds them here
    BoardItem,
    BoardUpdate,
    BoardVote,
    ReleaseNote,
)
