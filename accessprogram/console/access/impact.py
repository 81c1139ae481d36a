"""What a block would do before it is made: the figures a confirmation page states.

A fixed number of queries whatever the program's size (three): the testers reached, their
unfinished jobs, and — for a final revocation under the program's "stop" policy — their live
share links. The sessions ended are those of the people reached (a block ends every web session
of each person at once), so they are counted with the testers.
"""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from accessprogram.access.blocks import reached_user_ids
from accessprogram.access.models import AccessBlock
from accessprogram.programs.models import Membership, Program
from generation.models import Generation
from review.models import ShareLink, ShareRequest

Level = AccessBlock.Level


@dataclass(frozen=True)
class BlockImpact:
    testers: int  # active tester memberships that lose access
    people_signed_out: int  # people whose web sessions end
    jobs_cancelled: int  # queued or running jobs stopped
    share_links_stopped: int  # live public links that stop (final revocations, "stop" policy)


def _reached_users(*, level: str, target_id):
    users = reached_user_ids(level=level, target_id=target_id)
    if level != Level.PROGRAM:
        # A cohort or a tester block reaches testers only in this console (staff are not blocked).
        users = users.filter(role=Membership.Role.TESTER)
    return users


def block_impact(*, program: Program, level: str, target_id, kind: str) -> BlockImpact:
    """The effect of blocking (`kind`) the `level` target `target_id` of `program` right now."""
    users = _reached_users(level=level, target_id=target_id)
    members = Membership.objects.filter(program=program, user_id__in=users).aggregate(
        people=Count("user_id", distinct=True),
        testers=Count(
            "pk",
            filter=Q(role=Membership.Role.TESTER, status=Membership.Status.ACTIVE),
        ),
    )
    jobs = Generation.objects.filter(program=program, status__in=Generation.ACTIVE_STATUSES)
    if level != Level.PROGRAM:
        jobs = jobs.filter(tester_id__in=users)
    links = 0
    stops_links = program.share_links_on_tester_revocation == Program.ShareLinkPolicy.STOP
    if kind == AccessBlock.Kind.REVOCATION and stops_links:
        now = timezone.now()
        links = ShareLink.objects.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            revoked_at__isnull=True,
            share_request__program=program,
            share_request__status=ShareRequest.Status.APPROVED,
            share_request__requested_by_id__in=users,
        ).count()
    return BlockImpact(
        testers=members["testers"],
        people_signed_out=members["people"],
        jobs_cancelled=jobs.count(),
        share_links_stopped=links,
    )
