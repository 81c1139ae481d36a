import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from accessprogram.programs.models import Program
from generation.models import Generation


class ShareRequest(models.Model):
    """A tester asking to show one output outside the program; reviewed before any link exists."""

    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        WITHDRAWN = "withdrawn"
        REVOKED = "revoked", "Approval revoked"

    # Ended by a reviewer: the tester may resubmit once with changes.
    RESUBMITTABLE = (Status.REJECTED, Status.CHANGES_REQUESTED)

    generation = models.ForeignKey(
        Generation, on_delete=models.CASCADE, related_name="share_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_requests"
    )
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="share_requests")
    intended_use = models.CharField(max_length=200)
    caption = models.TextField(max_length=2000, blank=True)
    destination = models.CharField(max_length=300, help_text="Where the output will appear.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # Taken from the program's policy when the request is made, so a policy change does not
    # move the goalposts of requests already in the queue.
    approvals_required = models.PositiveSmallIntegerField(default=1)
    # One-to-one: a request can be resubmitted at most once.
    resubmitted_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="resubmission"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The reviewer currently holding it; an expired lease returns it to the queue.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_share_requests",
    )
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Staff taking an approval back (review.services.revoke_approval): its links stop at once.
    approval_revoked_at = models.DateTimeField(null=True, blank=True)
    approval_revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approval_revoke_reason = models.CharField(max_length=300, blank=True)
    # The organisers used the approved output in the lab's publicity (a licence fee is paid).
    used_by_organisers_at = models.DateTimeField(null=True, blank=True)
    used_by_organisers_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["generation"],
                condition=models.Q(status="pending"),
                name="one_pending_share_request_per_generation",
            ),
            models.CheckConstraint(
                condition=models.Q(approvals_required__gte=1, approvals_required__lte=2),
                name="share_request_approvals_one_or_two",
            ),
            models.CheckConstraint(
                condition=models.Q(claimed_by__isnull=True, lease_expires_at__isnull=True)
                | models.Q(claimed_by__isnull=False, lease_expires_at__isnull=False),
                name="share_request_claim_has_lease",
            ),
        ]
        indexes = [
            # What waits in a program, oldest first: the queue pages and their figures. It holds
            # no `id`, so only share_request_free_queue serves a claim's exact order: with
            # (created_at, id) here the planner might pick this one and read past every
            # held request at the head of the queue.
            models.Index(
                fields=["program", "created_at"],
                condition=models.Q(status="pending"),
                name="share_request_program_queue",
            ),
            # Claims (review.claims._CLAIM_SQL): the oldest request nobody holds, per program.
            # Held requests are not in it, so a claim never reads past what others hold.
            models.Index(
                fields=["program", "created_at", "id"],
                condition=models.Q(status="pending", claimed_by__isnull=True),
                name="share_request_free_queue",
            ),
            # Claims: held requests, to find those whose lease ran out.
            models.Index(
                fields=["program", "lease_expires_at"],
                condition=models.Q(status="pending", claimed_by__isnull=False),
                name="share_request_leases",
            ),
            # The reviewer queue's "recently decided", newest first: read from the top of this
            # instead of sorting every decided request of the program.
            models.Index(
                fields=["program", "-decided_at", "-id"],
                condition=models.Q(
                    status__in=["approved", "rejected", "changes_requested", "revoked"]
                ),
                name="share_request_decided_recent",
            ),
        ]

    def __str__(self):
        return f"Share request {self.pk} for {self.generation_id} ({self.status})"


class ReviewDecision(models.Model):
    class Outcome(models.TextChoices):
        APPROVE = "approve"
        REJECT = "reject"
        REQUEST_CHANGES = "request_changes", "Request changes"

    share_request = models.ForeignKey(
        ShareRequest, on_delete=models.CASCADE, related_name="decisions"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_decisions"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason_code = models.CharField(max_length=64, blank=True)
    note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["share_request", "reviewer"], name="one_decision_per_reviewer"
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="reject") | ~models.Q(reason_code=""),
                name="review_rejection_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.outcome} by {self.reviewer_id} on {self.share_request_id}"


def new_share_token() -> str:
    return secrets.token_urlsafe(32)


class ShareLink(models.Model):
    """The public link of an approved share request.

    The token is stored as is, not hashed: it is made by the reviewer's approval while the tester
    is absent, so "show once" would show it to the wrong person, and the tester must be able to
    copy their link from the portal (and the email) again. What it opens was approved for public
    showing; its protection is 256 random bits plus revocation and expiry, checked on every visit.
    """

    share_request = models.ForeignKey(ShareRequest, on_delete=models.CASCADE, related_name="links")
    token = models.CharField(max_length=64, unique=True, default=new_share_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    # The end of the approving reviewer's undo window: the link opens from then on (None: at once).
    live_from = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["share_request"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_link_per_share_request",
            ),
        ]

    def __str__(self):
        return f"Share link {self.pk} of request {self.share_request_id}"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
            and not self.in_undo_window(now)
        )

    def in_undo_window(self, now=None) -> bool:
        """Approved moments ago: the reviewer may still undo it, and the link does not open."""
        return self.live_from is not None and self.live_from > (now or timezone.now())

    def undo_seconds_left(self) -> int:
        if not self.in_undo_window():
            return 0
        return max(1, round((self.live_from - timezone.now()).total_seconds()))


class Notification(models.Model):
    """A message to one user in the portal (decisions on their share requests)."""

    class Kind(models.TextChoices):
        APPROVED = "approved"
        REJECTED = "rejected"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVAL_REVOKED = "approval_revoked", "Approval revoked"
        LINK_REVOKED = "link_revoked", "Share link revoked"
        USED_BY_ORGANISERS = "used_by_organisers", "Used by the organisers"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    share_request = models.ForeignKey(
        ShareRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=2000, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The unread badge on every page.
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
        ]

    def __str__(self):
        return f"{self.title} for {self.user_id}"
