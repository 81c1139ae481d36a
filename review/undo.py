"""Undoing an approval within its window (settings.SHARE_APPROVAL_UNDO_SECONDS).

An approval is recorded at once, but its public link opens only when the window ends
(ShareLink.live_from), so a slip of the keyboard (`a`) publishes nothing. Undone, the link is
revoked before it ever opened, the reviewer's approval is taken back, and the request returns
to them, claimed, to decide again."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accessprogram.audit.services import record

from .models import Notification, ReviewDecision, ShareLink, ShareRequest
from .services import ReviewError

# As long as a fresh claim from the queue (review.claims): time to decide again.
RECLAIM_SECONDS = 300


@transaction.atomic
def undo_approval(*, share_request: ShareRequest, reviewer) -> ShareRequest:
    share_request = (
        ShareRequest.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=share_request.pk)
    )
    now = timezone.now()
    link = (
        ShareLink.objects.select_for_update()
        .filter(share_request=share_request, revoked_at__isnull=True, live_from__gt=now)
        .first()
    )
    approval = ReviewDecision.objects.filter(
        share_request=share_request, reviewer=reviewer, outcome=ReviewDecision.Outcome.APPROVE
    ).first()
    if share_request.status != ShareRequest.Status.APPROVED or link is None or approval is None:
        raise ReviewError("Too late to undo: the public link is live. Revoke it instead.")
    link.revoked_at = now
    link.revoked_by = reviewer
    link.revoke_reason = "Approval undone by the reviewer before the link opened."
    link.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    approval.delete()
    # The tester's "approved" notice goes with it: the link it pointed at never opened.
    Notification.objects.filter(
        share_request=share_request, kind=Notification.Kind.APPROVED
    ).delete()
    share_request.status = ShareRequest.Status.PENDING
    share_request.decided_at = None
    share_request.claimed_by = reviewer
    share_request.lease_expires_at = now + timedelta(seconds=RECLAIM_SECONDS)
    share_request.save(update_fields=["status", "decided_at", "claimed_by", "lease_expires_at"])
    record(
        action="share_request.approval_undone",
        target=share_request,
        actor=reviewer,
        program=share_request.program.slug,
        share_link=link.pk,
    )
    return share_request
