""" "You said, we did": the program's board of reported issues and feature requests, the
testers' votes on them, what each reporter and voter is told, and release notes.

Imported by feedback.models, so Django finds these models there."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class BoardItem(models.Model):
    """An issue or a feature request on the program's board, visible to its testers."""

    class Kind(models.TextChoices):
        ISSUE = "issue"
        FEATURE = "feature", "Feature request"

    class Status(models.TextChoices):
        RECEIVED = "received"
        UNDER_REVIEW = "under_review", "Under review"
        PLANNED = "planned"
        SHIPPED = "shipped", "Fixed / shipped"
        WONT_DO = "wont_do", "Won't do"

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=5000)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="board_items"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    status_note = models.TextField(max_length=2000, blank=True)
    bug = models.OneToOneField(
        "feedback.BugReport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="board_item",
        help_text="The bug report staff put on the board as this item (its reporter is credited).",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["program", "status"], name="board_item_program_status")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")),
                name="board_item_not_merged_in_self",
            )
        ]

    def __str__(self):
        return f"#{self.pk} {self.title}"


class BoardVote(models.Model):
    """One tester's vote for an item: at most one each (merging moves votes, never doubles)."""

    item = models.ForeignKey(BoardItem, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="one_board_vote_per_user")
        ]

    def __str__(self):
        return f"Vote of {self.user_id} for {self.item_id}"


class BoardUpdate(models.Model):
    """What a reporter or voter is told when an item's status changes (portal; email too)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="board_updates"
    )
    item = models.ForeignKey(BoardItem, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=BoardItem.Status.choices)
    note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="board_update_user_recent")]

    def __str__(self):
        return f"{self.item_id} is {self.status}, told {self.user_id}"


class ReleaseNote(models.Model):
    """A program's release note; it can name the board items it fixed, crediting reporters."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=10000)
    items = models.ManyToManyField(BoardItem, blank=True, related_name="release_notes")
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return self.title
