"""A tester's appeal of a block, and the program managers' decision on it.

One appeal per notice (a database constraint), so once per block. Deciding to lift a block
lifts it for everyone it reaches (access.revocation.lift_block); revocations are final, so an
appeal of one can only be upheld. Both steps are audited; the decision is told to the tester
in the portal (the notice is unread again) and by email after commit.
"""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accessprogram.audit.services import record

from . import notice_emails
from .blocks import blocks_in_force
from .models import AccessBlock, BlockAppeal, BlockNotice
from .revocation import lift_block

Status = BlockAppeal.Status


class AppealError(Exception):
    pass


def may_appeal(notice: BlockNotice) -> bool:
    return not hasattr(notice, "appeal")


def liftable(block: AccessBlock) -> bool:
    """Only a suspension still in force can be lifted by deciding an appeal."""
    return (
        block.kind == AccessBlock.Kind.SUSPENSION and blocks_in_force().filter(pk=block.pk).exists()
    )


@transaction.atomic
def submit_appeal(*, notice: BlockNotice, message: str) -> BlockAppeal:
    message = message.strip()
    if not message:
        raise AppealError("Say why the block should be lifted.")
    now = timezone.now()
    try:
        with transaction.atomic():
            appeal = BlockAppeal.objects.create(
                notice=notice,
                program_id=notice.program_id,
                message=message[:2000],
                created_at=now,
                due_at=now + timedelta(hours=settings.APPEAL_SLA_HOURS),
            )
    except IntegrityError:
        raise AppealError("You have appealed this block already.") from None
    record(
        action="access.appeal_submitted",
        target=appeal,
        actor=notice.user,
        block=notice.block_id,
    )
    return appeal


@transaction.atomic
def decide_appeal(*, appeal: BlockAppeal, lift: bool, reason: str, actor) -> BlockAppeal:
    reason = reason.strip()
    if not reason:
        raise AppealError("A reason for the decision is required.")
    appeal = (
        BlockAppeal.objects.select_for_update(of=("self",))
        .select_related("notice__block", "notice__user", "notice__program")
        .get(pk=appeal.pk)
    )
    if not appeal.is_open:
        raise AppealError("This appeal has been decided already.")
    block = appeal.notice.block
    if lift:
        if not liftable(block):
            raise AppealError("Only a suspension still in force can be lifted.")
        lift_block(block=block, actor=actor)
    appeal.status = Status.LIFTED if lift else Status.UPHELD
    appeal.decided_at = timezone.now()
    appeal.decided_by = actor
    appeal.decision_reason = reason[:2000]
    appeal.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    # The portal shows the notice as new again, with the decision on it.
    BlockNotice.objects.filter(pk=appeal.notice_id).update(read_at=None)
    record(
        action=f"access.appeal_{appeal.status}",
        target=appeal,
        actor=actor,
        block=block.pk,
        reason=appeal.decision_reason,
    )
    transaction.on_commit(partial(notice_emails.mail_decision, appeal=appeal))
    return appeal


def mark_read(*, notice: BlockNotice) -> None:
    if notice.read_at is None:
        BlockNotice.objects.filter(pk=notice.pk).update(read_at=timezone.now())
