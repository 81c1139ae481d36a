"""What stops each member on a page right now: one query for the whole page.

A member is "Active" in the membership table even while a block is in force on them, their
cohort or the whole program; the console shows the block instead (kind, reason, end)."""

from django.db.models import Q

from accessprogram.access.blocks import LEVELS_BROADEST_FIRST, blocks_in_force
from accessprogram.access.models import AccessBlock
from accessprogram.programs.models import Membership, Program

Level = AccessBlock.Level


def with_blocks(members, *, program: Program) -> list[Membership]:
    """The members, each with `block`: the block in force that says most about them, or None.

    Testers only: staff are not blocked (their role or status is changed instead)."""
    members = list(members)
    testers = [m for m in members if m.role == Membership.Role.TESTER]
    for member in members:
        member.block = None
    if not testers:
        return members
    reaching = Q(level=Level.PROGRAM) | Q(
        level=Level.MEMBERSHIP, target_id__in=[m.pk for m in testers]
    )
    cohort_ids = {m.cohort_id for m in testers if m.cohort_id}
    if cohort_ids:
        reaching |= Q(level=Level.COHORT, target_id__in=cohort_ids)
    found: dict[tuple[str, int], AccessBlock] = {}
    for block in blocks_in_force().filter(reaching, program=program).order_by("created_at"):
        found[(block.level, block.target_id)] = block  # the newest on each target wins
    for member in testers:
        targets = {
            Level.PROGRAM: program.pk,
            Level.COHORT: member.cohort_id,
            Level.MEMBERSHIP: member.pk,
        }
        reaching_member = [
            found[(level, targets[level])]
            for level in LEVELS_BROADEST_FIRST
            if (level, targets.get(level)) in found
        ]
        # A final revocation says most (a pause ends, it does not); then the broadest block.
        reaching_member.sort(key=lambda block: block.kind != AccessBlock.Kind.REVOCATION)
        member.block = reaching_member[0] if reaching_member else None
    return members
