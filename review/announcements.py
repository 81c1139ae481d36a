"""Telling the world about a decision: the tester (portal + email) and the webhooks signal.

An approval with an undo window (settings.SHARE_APPROVAL_UNDO_SECONDS) is announced only when
its public link opens: until then it may be taken back (review.undo), and an email or webhook
already sent cannot be. The announcement is a task due at the link's opening; it re-reads the
request and says nothing if the approval was undone meanwhile.
"""

from functools import partial

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import Notification, ReviewDecision, ShareLink, ShareRequest
from .notifications import notify_decision, portal_url
from .signals import share_request_decided

Status = ShareRequest.Status


def announce_decision(
    *, share_request: ShareRequest, decision: ReviewDecision, link: ShareLink | None
) -> None:
    """Called in the deciding transaction."""
    if link is not None and link.live_from and link.live_from > timezone.now():
        from .tasks import announce_approval  # the task module imports this one

        transaction.on_commit(
            partial(
                announce_approval.apply_async,
                kwargs={"share_request_id": share_request.pk, "decision_id": decision.pk},
                eta=link.live_from,
            )
        )
        return
    _announce(share_request=share_request, decision=decision, link=link)


def _share_url(link: ShareLink | None) -> str:
    return portal_url(reverse("share:page", args=[link.token])) if link else ""


def _announce(*, share_request, decision, link) -> None:
    share_url = _share_url(link)
    notify_decision(share_request=share_request, decision=decision, share_url=share_url)
    if share_request.status in (Status.APPROVED, Status.REJECTED):
        share_request_decided.send_robust(
            sender=ShareRequest, share_request=share_request, share_url=share_url
        )


@transaction.atomic
def announce_approval_when_live(*, share_request_id: int, decision_id: int) -> bool:
    """The deferred half of announce_decision. True when it announced; False when the approval
    was undone, the link is not open yet, or it was already announced (a redelivered task)."""
    share_request = (
        ShareRequest.objects.select_for_update(of=("self",))
        .select_related("requested_by", "program", "generation")
        .filter(pk=share_request_id, status=Status.APPROVED)
        .first()
    )
    decision = ReviewDecision.objects.filter(pk=decision_id).first()
    if share_request is None or decision is None:
        return False  # undone (the undo deletes the approval) or otherwise decided again
    link = (
        ShareLink.objects.filter(share_request=share_request, revoked_at__isnull=True)
        .order_by("-pk")
        .first()
    )
    if link is None or (link.live_from and link.live_from > timezone.now()):
        return False
    already = Notification.objects.filter(
        share_request=share_request,
        kind=Notification.Kind.APPROVED,
        created_at__gte=decision.created_at,
    ).exists()
    if already:
        return False
    _announce(share_request=share_request, decision=decision, link=link)
    return True
