from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from accessprogram.access.blocks import blocks_in_force
from accessprogram.access.models import AccessBlock, ApiToken
from accessprogram.programs.models import Cohort, Membership, Program
from generation.models import Generation


@dataclass(frozen=True)
class ProgramOverview:
    program: Program
    testers: int
    queued: int
    running: int
    completed_today: int
    kill_switch: AccessBlock | None
    blocks_in_force: int


def program_overview(*, program: Program) -> ProgramOverview:
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    # Only the rows counted are read (index on program, status, completed_at).
    counted = Q(status__in=[Generation.Status.QUEUED, Generation.Status.IN_PROGRESS]) | Q(
        status=Generation.Status.COMPLETED, completed_at__gte=today
    )
    jobs = Generation.objects.filter(counted, program=program).aggregate(
        queued=Count("id", filter=Q(status=Generation.Status.QUEUED)),
        running=Count("id", filter=Q(status=Generation.Status.IN_PROGRESS)),
        completed_today=Count(
            "id", filter=Q(status=Generation.Status.COMPLETED, completed_at__gte=today)
        ),
    )
    blocks = blocks_in_force().filter(program=program)
    return ProgramOverview(
        program=program,
        testers=Membership.objects.filter(program=program, role=Membership.Role.TESTER).count(),
        kill_switch=blocks.filter(level=AccessBlock.Level.PROGRAM).first(),
        blocks_in_force=blocks.count(),
        **jobs,
    )


def label_blocks(blocks) -> list[AccessBlock]:
    """Blocks with `target_label` set to a readable name of what each one blocks."""
    blocks = list(blocks)
    ids = {level: {b.target_id for b in blocks if b.level == level} for level in AccessBlock.Level}
    Level = AccessBlock.Level
    labels = {
        Level.PROGRAM: {p.pk: p.name for p in Program.objects.filter(pk__in=ids[Level.PROGRAM])},
        Level.COHORT: {c.pk: c.name for c in Cohort.objects.filter(pk__in=ids[Level.COHORT])},
        Level.MEMBERSHIP: {
            m.pk: m.user.email
            for m in Membership.objects.filter(pk__in=ids[Level.MEMBERSHIP]).select_related("user")
        },
        Level.TOKEN: {
            t.pk: f"{t.name} ({t.display_prefix}…) of {t.membership.user.email}"
            for t in ApiToken.objects.filter(pk__in=ids[Level.TOKEN]).select_related(
                "membership__user"
            )
        },
    }
    for block in blocks:
        block.target_label = labels[block.level].get(block.target_id, f"#{block.target_id}")
    return blocks
