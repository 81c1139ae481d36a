from celery import shared_task

from .announcements import announce_approval_when_live


@shared_task(name="review.announce_approval", acks_late=True, ignore_result=True)
def announce_approval(*, share_request_id: int, decision_id: int) -> bool:
    """Announce an approval once its undo window is over (queued with eta = the link's opening)."""
    return announce_approval_when_live(share_request_id=share_request_id, decision_id=decision_id)
