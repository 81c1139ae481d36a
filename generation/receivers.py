"""Reactions to events from lower layers."""

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from accessprogram.access.revocation import BULK_LEVELS
from accessprogram.access.signals import access_blocked

from .services import cancel_jobs_of_blocked_access
from .tasks import cancel_jobs_after_block


@receiver(access_blocked, dispatch_uid="generation.cancel_jobs_on_access_blocked")
def on_access_blocked(*, level, target_id, program_id, reason, **kwargs):
    """Queued and running jobs of whatever lost access are cancelled (and stopped at the engine).

    A token's or one tester's jobs are few: cancelled in the revoking transaction. A cohort's or a
    program's may be thousands: cancelled by a task right after commit, so the kill switch
    returns at once (the block already refuses those testers meanwhile)."""
    job = {"level": level, "target_id": target_id, "program_id": program_id, "reason": reason}
    if level in BULK_LEVELS:
        transaction.on_commit(partial(cancel_jobs_after_block.delay, **job))
    else:
        cancel_jobs_of_blocked_access(**job)
