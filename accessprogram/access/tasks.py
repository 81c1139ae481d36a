from celery import shared_task

from accessprogram.accounts.services import end_web_sessions

from . import block_notices, notice_emails
from .blocks import reached_user_ids
from .models import AccessBlock


@shared_task(name="access.end_sessions_for_block", acks_late=True, ignore_result=True)
def end_sessions_for_block(block_id: int) -> int:
    """End the web sessions of everyone a (cohort or program) block reaches. Idempotent."""
    block = AccessBlock.objects.filter(pk=block_id).first()
    if block is None:
        return 0
    return end_web_sessions(user_ids=reached_user_ids(level=block.level, target_id=block.target_id))


@shared_task(name="access.write_block_notices", acks_late=True, ignore_result=True)
def write_block_notices(block_id: int) -> int:
    """Tell everyone a block reaches: a portal notice each, then an email. Idempotent.

    On the normal queue, not `safety`: the block already refuses them; this only explains."""
    block = AccessBlock.objects.select_related("program", "created_by").filter(pk=block_id).first()
    if block is None:
        return 0
    written = block_notices.write_notices(block=block)
    notice_emails.mail_notices(block=block)
    return written


@shared_task(name="access.tell_block_lifted", acks_late=True, ignore_result=True)
def tell_block_lifted(block_id: int) -> int:
    """Email the testers a lifted block had reached. Idempotent."""
    block = AccessBlock.objects.select_related("program").filter(pk=block_id).first()
    if block is None or block.lifted_at is None:
        return 0
    return notice_emails.mail_lifted(block=block)
