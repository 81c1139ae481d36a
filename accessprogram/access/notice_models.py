"""What a blocked tester is told (a notice per block and tester) and their one appeal of it.

Imported by access.models, so Django finds both models there."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class BlockNotice(models.Model):
    """One tester's notice of one block: what was decided, on what, by which role, until when.

    Written in bulk after the block commits (access.block_notices); the texts are fixed then,
    so a later change of role or of the evidence never rewrites what the tester was told."""

    block = models.ForeignKey(
        "access.AccessBlock", on_delete=models.CASCADE, related_name="notices"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="block_notices"
    )
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(
        max_length=200, help_text="What the block stops, in the tester's words."
    )
    decided_by = models.CharField(max_length=100, help_text="A role, never a name.")
    observed = models.CharField(
        max_length=500, blank=True, help_text="For automatic blocks: what was seen."
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)  # a retried task mails nobody twice
    # When the block was lifted, the tester was told so (an appeal's decision tells them itself).
    lift_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["block", "user"], name="one_notice_per_block_and_user")
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="block_notice_user_recent")]

    def __str__(self):
        return f"Notice of block {self.block_id} for {self.user_id}"


class BlockAppeal(models.Model):
    """A tester's appeal of a block, at most one per notice (so once per block), decided by the
    program's managers: upheld, or lifted (access.revocation.lift_block)."""

    class Status(models.TextChoices):
        OPEN = "open"
        UPHELD = "upheld"
        LIFTED = "lifted", "Block lifted"

    notice = models.OneToOneField(BlockNotice, on_delete=models.CASCADE, related_name="appeal")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    message = models.TextField(max_length=2000)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(help_text="The answer is promised by then (APPEAL_SLA_HOURS).")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["program", "status", "due_at"], name="appeal_queue")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", decided_at__isnull=True)
                | (~models.Q(status="open") & models.Q(decided_at__isnull=False)),
                name="appeal_decided_has_time",
            ),
        ]

    def __str__(self):
        return f"Appeal {self.pk} of notice {self.notice_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
