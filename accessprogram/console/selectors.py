from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from accessprogram.access.models import AccessBlock
from accessprogram.programs.models import Membership, Program
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
    jobs = Generation.objects.filter(program=program).aggregate(
        queued=Count("id", filter=Q(status=Generation.Status.QUEUED)),
        running=Count("id", filter=Q(status=Generation.Status.IN_PROGRESS)),
        completed_today=Count(
            "id", filter=Q(status=Generation.Status.COMPLETED, completed_at__gte=today)
        ),
    )
    blocks = AccessBlock.objects.in_force().filter(program=program)
    return ProgramOverview(
        program=program,
        testers=Membership.objects.filter(program=program, role=Membership.Role.TESTER).count(),
        kill_switch=blocks.filter(level=AccessBlock.Level.PROGRAM).first(),
        blocks_in_force=blocks.count(),
        **jobs,
    )
