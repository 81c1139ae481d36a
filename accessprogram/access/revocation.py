"""Suspend (reversible) or revoke (final) access at token, tester, cohort or program level."""

import time
from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from accessprogram.accounts.services import end_web_sessions
from accessprogram.audit.services import record
from accessprogram.programs.models import Cohort, Membership, Program

from .blocks import blocks_on, reached_user_ids
from .models import AccessBlock, ApiToken
from .signals import access_block_committed, access_blocked
from .tasks import end_sessions_for_block, tell_block_lifted, write_block_notices

Level = AccessBlock.Level
Kind = AccessBlock.Kind

DEFAULT_MESSAGES = {
    (Level.TOKEN, Kind.SUSPENSION): "This API token is suspended.",
    (Level.TOKEN, Kind.REVOCATION): "This API token has been revoked.",
    (Level.MEMBERSHIP, Kind.SUSPENSION): "Your access to this program is suspended.",
    (Level.MEMBERSHIP, Kind.REVOCATION): "Your access to this program has been revoked.",
    (Level.COHORT, Kind.SUSPENSION): "Access for your cohort is paused by the organisers.",
    (Level.COHORT, Kind.REVOCATION): "Access for your cohort has ended.",
    (Level.PROGRAM, Kind.SUSPENSION): "The program is paused by the organisers.",
    (Level.PROGRAM, Kind.REVOCATION): "The program has been closed by the organisers.",
}


# Levels that reach many testers: their slow follow-up work runs in Celery after commit.
BULK_LEVELS = (Level.COHORT, Level.PROGRAM)
# The Celery queue of revocations' follow-up work (settings.CELERY_TASK_ROUTES, the `safety`
# worker). Their audit records are linked into the chain there too: the block and its sealed
# record commit together, and the call returns without a second transaction for the link.
SAFETY_QUEUE = "safety"


class RevocationError(Exception):
    pass


def _level_of(target) -> tuple[str, Program]:
    if isinstance(target, ApiToken):
        return Level.TOKEN, target.membership.program
    if isinstance(target, Membership):
        return Level.MEMBERSHIP, target.program
    if isinstance(target, Cohort):
        return Level.COHORT, target.program
    if isinstance(target, Program):
        return Level.PROGRAM, target
    raise RevocationError(f"Cannot block access for a {type(target).__name__}.")


@transaction.atomic
def block_access(
    *,
    target,
    kind: str,
    reason: str,
    actor=None,
    message: str = "",
    ends_at: datetime | None = None,
    expected_back_at: datetime | None = None,
) -> AccessBlock:
    """Block access at the target's level from the next request on, and stop its jobs."""
    started = time.perf_counter()
    level, program = _level_of(target)
    now = timezone.now()
    if not reason.strip():
        raise RevocationError("A reason is required.")
    if kind == Kind.REVOCATION and ends_at is not None:
        raise RevocationError("A revocation is final; only suspensions can have an end time.")
    if ends_at is not None and ends_at <= now:
        raise RevocationError("The end time must lie in the future.")
    block = AccessBlock.objects.create(
        level=level,
        target_id=target.pk,
        program=program,
        kind=kind,
        reason=reason.strip()[:500],
        message=(message.strip() or DEFAULT_MESSAGES[(level, kind)])[:300],
        starts_at=now,
        ends_at=ends_at,
        expected_back_at=expected_back_at,
        created_by=actor,
    )
    if kind == Kind.REVOCATION:
        _make_final(level, target, reason=reason, now=now)
    if level in BULK_LEVELS:
        # Thousands of rows: done right after commit so the call returns at once. Until then the
        # block itself already refuses every API call and portal page of those testers.
        transaction.on_commit(partial(end_sessions_for_block.delay, block.pk))
    else:
        end_web_sessions(user_ids=reached_user_ids(level=level, target_id=target.pk))
    access_blocked.send(
        sender=AccessBlock, level=level, target_id=target.pk, program_id=program.pk, reason=reason
    )
    record(
        action=f"access.{kind}",
        target=block,
        actor=actor,
        level=level,
        target_id=target.pk,
        program=program.slug,
        reason=block.reason,
        ends_at=ends_at.isoformat() if ends_at else None,
        link_queue=SAFETY_QUEUE,
    )
    # Inside an outer transaction (a leak report revoking several tokens) this fires at the
    # outer commit: the moment the refusal really starts.
    transaction.on_commit(
        lambda: access_block_committed.send_robust(
            sender=AccessBlock, level=level, kind=kind, seconds=time.perf_counter() - started
        )
    )
    # Registered last, so it runs after the refusal is measured: every tester reached gets a
    # notice (thousands for a program), written by a worker on the normal queue.
    transaction.on_commit(partial(write_block_notices.delay, block.pk))
    return block


def _make_final(level: str, target, *, reason: str, now) -> None:
    if level == Level.TOKEN:
        ApiToken.objects.filter(pk=target.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_reason=reason[:200]
        )
    elif level == Level.MEMBERSHIP:
        Membership.objects.filter(pk=target.pk).update(status=Membership.Status.REMOVED)
    elif level == Level.PROGRAM:
        Program.objects.filter(pk=target.pk).update(status=Program.Status.CLOSED)


@transaction.atomic
def lift_block(*, block: AccessBlock, actor=None) -> bool:
    """End a suspension early. Revocations are final. Returns False if it was not in force."""
    if block.kind == Kind.REVOCATION:
        raise RevocationError("A revocation is final and cannot be lifted.")
    lifted = AccessBlock.objects.filter(pk=block.pk, lifted_at__isnull=True).update(
        lifted_at=timezone.now(), lifted_by=actor
    )
    if lifted:
        record(
            action="access.reinstated",
            target=block,
            actor=actor,
            level=block.level,
            link_queue=SAFETY_QUEUE,
        )
        transaction.on_commit(partial(tell_block_lifted.delay, block.pk))
    return bool(lifted)


def kill_switch(
    *, program: Program, reason: str, actor, message: str = "", expected_back_at=None
) -> AccessBlock:
    """Pause a whole program at once; `resume_program` restores exactly this."""
    return block_access(
        target=program,
        kind=Kind.SUSPENSION,
        reason=reason,
        actor=actor,
        message=message,
        expected_back_at=expected_back_at,
    )


@transaction.atomic
def resume_program(*, program: Program, actor) -> int:
    """Lift the program-level suspensions; blocks on single tokens or testers stay."""
    blocks = blocks_on(program_id=program.pk).filter(kind=Kind.SUSPENSION)
    return sum(lift_block(block=block, actor=actor) for block in blocks)
