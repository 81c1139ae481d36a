from celery import shared_task

from accessprogram.accounts.services import end_web_sessions

from .blocks import reached_user_ids
from .models import AccessBlock


@shared_task(name="access.end_sessions_for_block", acks_late=True, ignore_result=True)
def end_sessions_for_block(block_id: int) -> int:
    """End the web sessions of everyone a (cohort or program) block reaches. Idempotent."""
    block = AccessBlock.objects.filter(pk=block_id).first()
    if block is None:
        return 0
    return end_web_sessions(user_ids=reached_user_ids(level=block.level, target_id=block.target_id))
