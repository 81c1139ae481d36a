from django.db.models import QuerySet

from .models import Membership, Program


def tester_memberships(*, user) -> QuerySet[Membership]:
    """Active tester memberships of `user` in active programs."""
    return Membership.objects.filter(
        user=user,
        role=Membership.Role.TESTER,
        status=Membership.Status.ACTIVE,
        program__status=Program.Status.ACTIVE,
    ).select_related("program")


def staff_program_ids(*, user) -> set[int]:
    """Programs in which `user` holds an active staff role."""
    return set(
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
        .exclude(role=Membership.Role.TESTER)
        .values_list("program_id", flat=True)
    )
