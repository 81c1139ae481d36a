"""Who may use the console: staff roles, scoped to their programs.

A console page for a program the user holds no staff role in answers 404, like a missing one.
"""

from functools import wraps

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accessprogram.access.blocks import membership_blocked
from accessprogram.programs import staff_policy
from accessprogram.programs.models import Membership, Program
from accessprogram.programs.view_access import staff_view

STAFF_ROLES = (
    Membership.Role.REVIEWER,
    Membership.Role.PROGRAM_MANAGER,
    Membership.Role.FINANCE,
    Membership.Role.ADMIN,
)
# Roles that may cut access (revoke, suspend, kill switch) and read the audit log.
ACCESS_CONTROL_ROLES = (Membership.Role.PROGRAM_MANAGER, Membership.Role.ADMIN)
# Roles that see and move money: rate cards, time logs, periods, payouts, reversals.
FINANCE_ROLES = (Membership.Role.FINANCE, Membership.Role.ADMIN)


def programs_for(user, *, roles=STAFF_ROLES) -> QuerySet[Program]:
    if user.is_superuser:
        return Program.objects.all()
    # A membership with a suspension or revocation in force gives no powers, whatever its role.
    memberships = Membership.objects.filter(
        user=user, role__in=roles, status=Membership.Status.ACTIVE
    ).exclude(membership_blocked())
    return Program.objects.filter(pk__in=memberships.values("program_id"))


def acting_roles(user) -> dict[int, str]:
    """Program id -> the role `user` may act with there: active, with no block in force."""
    return dict(
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
        .exclude(membership_blocked())
        .values_list("program_id", "role")
    )


def may_change_role(user, member: Membership, new_role: str) -> bool:
    """staff_policy.GRANTED_BY, for `user` acting on `member` of its program."""
    if member.user_id == user.pk:
        return False  # nobody changes their own membership
    actor_role = (
        Membership.Role.ADMIN if user.is_superuser else acting_roles(user).get(member.program_id)
    )
    return staff_policy.may_change_role(
        actor_role=actor_role, old_role=member.role, new_role=new_role
    )


def may_end_sessions(user, target_user) -> bool:
    """staff_policy.may_end_sessions: equal or higher rank wherever the target is staff."""
    target_roles = dict(
        Membership.objects.filter(user=target_user)
        .exclude(status=Membership.Status.REMOVED)
        .values_list("program_id", "role")
    )
    return staff_policy.may_end_sessions(
        actor_roles=acting_roles(user),
        target_roles=target_roles,
        actor_is_superuser=user.is_superuser,
        target_is_django_staff=target_user.is_staff or target_user.is_superuser,
    )


def program_for(user, slug: str, *, roles=STAFF_ROLES) -> Program:
    return get_object_or_404(programs_for(user, roles=roles), slug=slug)


def staff_required(view):
    """Signed in, TOTP set up, and holding a staff role somewhere; anyone else gets 404."""

    @staff_view
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not programs_for(request.user).exists():
            raise Http404("No console for you here.")
        return view(request, *args, **kwargs)

    return wrapper
