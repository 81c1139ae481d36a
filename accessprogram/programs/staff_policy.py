"""Staff powers over other people: who may grant which role, and whose sessions one may end.

The one home of these rules; the console asks them with the actor's effective roles (active
memberships with no block in force, accessprogram.console.permissions.acting_roles).
"""

from .models import Membership

Role = Membership.Role

# Who may grant a role, or take it away (changing a role needs both). Finance moves money and
# managers run the program, so neither may be handed out by a manager: a manager with an
# accomplice would otherwise control the money path.
GRANTED_BY: dict[str, set[str]] = {
    Role.TESTER: {Role.PROGRAM_MANAGER, Role.ADMIN},
    Role.REVIEWER: {Role.PROGRAM_MANAGER, Role.ADMIN},
    Role.FINANCE: {Role.ADMIN},
    Role.PROGRAM_MANAGER: {Role.ADMIN},
    Role.ADMIN: {Role.ADMIN},
}

# Rank for acting on a person: one may act only on people ranked at most as high as oneself.
RANK = {
    Role.TESTER: 0,
    Role.REVIEWER: 1,
    Role.FINANCE: 1,
    Role.PROGRAM_MANAGER: 2,
    Role.ADMIN: 3,
}
# Roles that may end other people's sessions (as they may suspend and revoke).
SESSION_ENDING_ROLES = {Role.PROGRAM_MANAGER, Role.ADMIN}


def may_change_role(*, actor_role: str | None, old_role: str, new_role: str) -> bool:
    """Whether someone holding `actor_role` in a program may change a member of that program
    from `old_role` to `new_role`."""
    if old_role == new_role:
        return actor_role in GRANTED_BY[Role.TESTER]  # a cohort change: managers and admins
    return actor_role in GRANTED_BY[old_role] and actor_role in GRANTED_BY[new_role]


def may_end_sessions(
    *,
    actor_roles: dict[int, str],
    target_roles: dict[int, str],
    actor_is_superuser: bool,
    target_is_django_staff: bool,
) -> bool:
    """Whether the actor may sign the target out everywhere.

    Sessions belong to the person, not to one program, so the actor must hold a session-ending
    role of at least equal rank in every program where the target holds a staff role; a
    tester's memberships elsewhere do not matter (signing a tester out takes no power away).
    `actor_roles` / `target_roles` map program id to the role held there.
    """
    if actor_is_superuser:
        return True
    if target_is_django_staff:  # Django staff and superusers reach the admin: not ours to end
        return False
    for program_id, role in target_roles.items():
        if role == Role.TESTER:
            continue
        actor_role = actor_roles.get(program_id)
        if actor_role not in SESSION_ENDING_ROLES or RANK[actor_role] < RANK[role]:
            return False
    return True
