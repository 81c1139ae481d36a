"""What compensation reads from access: the one module here that touches access blocks.

Compensation sits above access, so it reads blocks directly: whether a tester may log time now
(a block in force on them, their cohort or program) and which targets were revoked before a
moment (a stipend is owed only for a month the tester held access).
"""

import datetime

from django.db.models import QuerySet

from accessprogram.access.blocks import block_in_force
from accessprogram.access.models import AccessBlock
from accessprogram.programs.models import Membership, Program


def time_log_refusal(*, membership: Membership) -> str | None:
    """Why this tester may not log testing time now (the broadest block's message), or None."""
    block = block_in_force(membership=membership)
    return block.message if block is not None else None


def revoked_targets(
    *, program: Program, level: str, before: datetime.datetime | None = None
) -> QuerySet:
    """Ids of the `level` targets revoked in `program` (taking effect before `before`), as a
    subquery. Revocations are final, so a revocation row, once written, holds for good."""
    revocations = AccessBlock.objects.filter(
        program=program, level=level, kind=AccessBlock.Kind.REVOCATION
    )
    if before is not None:
        revocations = revocations.filter(starts_at__lt=before)
    return revocations.values("target_id")
