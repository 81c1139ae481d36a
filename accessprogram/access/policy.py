"""The access policy: who may see or act on what. The one home of these rules.

Every layer above asks this module instead of writing its own role tuple or membership query:
the portal, the review queue, the console, the media views and the API. docs/access-policy.md
is the table of what follows from these rules.

Shared ground rules:
- Powers come from a staff membership that is *acting*: status active and no block (suspension
  or revocation) in force on it. A blocked manager has no more powers than a stranger.
- Review work (watching previews, claiming, deciding) needs the program to be active as well: a
  paused program's queue is closed, for reviewers, managers and admins alike.
- Takedowns (revoking a share link or an approval) are allowed in any program state: stopping
  publication must never wait for a program to be resumed.
- A superuser acts everywhere except in the review queue (a decision needs a named reviewer).
"""

from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from django.db.models import QuerySet

from accessprogram.programs.models import Membership, Program

from .blocks import block_in_force_sql, membership_blocked
from .models import AccessBlock

Role = Membership.Role

# --- Named role sets --------------------------------------------------------------------------

# Every role that reaches the console.
STAFF = frozenset({Role.REVIEWER, Role.PROGRAM_MANAGER, Role.FINANCE, Role.ADMIN})
# Who watches outputs and claims and decides share requests: reviewers, and the managers and
# admins who run the program (they review too). Finance handles money, not outputs.
REVIEW = frozenset({Role.REVIEWER, Role.PROGRAM_MANAGER, Role.ADMIN})
# Who runs a program: cuts access (revoke, suspend, kill switch), onboards testers, answers leak
# alerts, reads the audit log, marks outputs used by the organisers.
MANAGER = frozenset({Role.PROGRAM_MANAGER, Role.ADMIN})
# Who sees and moves money: rate cards, time logs, periods, payouts, reversals.
FINANCE = frozenset({Role.FINANCE, Role.ADMIN})

# Who sees a program's money totals (earned, owed, paid) on its health dashboard: those who
# move the money and those who run the program. Ledgers and statements stay FINANCE's.
MONEY_TOTALS = FINANCE | MANAGER

# Who may grant a role, or take it away (changing a role needs both). Finance moves money and
# managers run the program, so neither may be handed out by a manager: a manager with an
# accomplice would otherwise control the money path.
GRANTED_BY: dict[str, frozenset[str]] = {
    Role.TESTER: MANAGER,
    Role.REVIEWER: MANAGER,
    Role.FINANCE: frozenset({Role.ADMIN}),
    Role.PROGRAM_MANAGER: frozenset({Role.ADMIN}),
    Role.ADMIN: frozenset({Role.ADMIN}),
}

# Rank for acting on a person: one may act only on people ranked at most as high as oneself.
RANK = {
    Role.TESTER: 0,
    Role.REVIEWER: 1,
    Role.FINANCE: 1,
    Role.PROGRAM_MANAGER: 2,
    Role.ADMIN: 3,
}
# Who may end other people's sessions (as they may suspend and revoke).
SESSION_ENDERS = MANAGER

# The review queue's scope in SQL, for the claim statement (review.services): the programs in
# which %(reviewer)s may claim, i.e. reviewable_program_ids() written out so the scope costs no
# round trip of its own, optionally narrowed to %(programs)s. Pass REVIEW_ROLE_VALUES as
# %(roles)s. PostgreSQL only (arrays).
CLAIM_SCOPE_SQL = """
        SELECT membership.program_id AS id
        FROM programs_membership AS membership
        JOIN programs_program AS in_program ON in_program.id = membership.program_id
        WHERE membership.user_id = %(reviewer)s AND membership.role = ANY(%(roles)s)
            AND membership.status = 'active' AND in_program.status = 'active'
            AND (%(programs)s::bigint[] IS NULL OR membership.program_id = ANY(%(programs)s))
            AND NOT {blocked}""".format(  # noqa: S608 (SQL made of constants; values are parameters)
    blocked=block_in_force_sql(level=AccessBlock.Level.MEMBERSHIP, target="membership.id")
)
REVIEW_ROLE_VALUES = sorted(str(role) for role in REVIEW)


# --- Memberships that carry powers ------------------------------------------------------------


def staff_memberships(user, roles=STAFF, *, active_program: bool = False) -> QuerySet[Membership]:
    """`user`'s acting memberships with a role in `roles`: active, no block in force (and, with
    `active_program`, in an active program)."""
    memberships = Membership.objects.filter(
        user=user, role__in=roles, status=Membership.Status.ACTIVE
    ).exclude(membership_blocked())
    if active_program:
        memberships = memberships.filter(program__status=Program.Status.ACTIVE)
    return memberships


def program_staff(program, roles=STAFF) -> QuerySet[Membership]:
    """The acting memberships of `program` with a role in `roles` (e.g. who to alert)."""
    return Membership.objects.filter(
        program=program, role__in=roles, status=Membership.Status.ACTIVE
    ).exclude(membership_blocked())


def staff_programs(user, roles=STAFF) -> QuerySet[Program]:
    """The programs `user` may act in with one of `roles`, in any state (all for a superuser)."""
    if user.is_superuser:
        return Program.objects.all()
    return Program.objects.filter(pk__in=staff_memberships(user, roles).values("program_id"))


def sees_every_program(user) -> bool:
    """Superusers act in every program: their console home is the whole platform's."""
    return user.is_superuser


def can_act_on_program(user, program_id: int, roles=STAFF) -> bool:
    """Whether `user` may act in the program with one of `roles` (any program state)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return staff_memberships(user, roles).filter(program_id=program_id).exists()


def acting_roles(user) -> dict[int, str]:
    """Program id -> the role `user` may act with there (active, no block in force)."""
    return dict(staff_memberships(user, roles=set(Role.values)).values_list("program_id", "role"))


@dataclass(frozen=True)
class ProgramPowers:
    """What one user may do in one program, for a page that links to many others (the health
    dashboards): which figures to show and which pages to link to."""

    manage: bool = False
    finance: bool = False
    review: bool = False
    money_totals: bool = False


# A superuser acts everywhere but in the review queue (a decision needs a named reviewer).
SUPERUSER_POWERS = ProgramPowers(manage=True, finance=True, review=False, money_totals=True)


def powers_in(user, program_ids) -> dict[int, ProgramPowers]:
    """ProgramPowers of `user` in each of `program_ids` (acting memberships): one query."""
    if user.is_superuser:
        return {pk: SUPERUSER_POWERS for pk in program_ids}
    roles = acting_roles(user)
    return {
        pk: ProgramPowers(
            manage=roles.get(pk) in MANAGER,
            finance=roles.get(pk) in FINANCE,
            review=roles.get(pk) in REVIEW,
            money_totals=roles.get(pk) in MONEY_TOTALS,
        )
        for pk in program_ids
    }


# --- Review and outputs -----------------------------------------------------------------------


def reviewable_program_ids(user, roles=REVIEW) -> set[int]:
    """Active programs in which `user` may do review work with one of `roles`."""
    if not user.is_authenticated:
        return set()
    return set(
        staff_memberships(user, roles, active_program=True).values_list("program_id", flat=True)
    )


def can_review(user, program_id: int) -> bool:
    """Whether `user` may claim and decide the program's share requests (and watch the outputs
    they are about): the same scope as CLAIM_SCOPE_SQL."""
    return program_id in reviewable_program_ids(user)


def can_review_output(user, generation) -> bool:
    """Whether `user` may watch the generation's preview as staff: review work, so an active
    program; a superuser always."""
    if generation.deleted_at is not None or not user.is_authenticated:
        return False
    return user.is_superuser or can_review(user, generation.program_id)


def can_take_down(user, program_id: int) -> bool:
    """Whether `user` may stop a publication of the program (revoke a share link or an
    approval): Django staff, or acting review staff of the program, in any program state."""
    if not user.is_authenticated:
        return False
    return user.is_staff or can_act_on_program(user, program_id, roles=REVIEW)


def can_mark_used(user, program_id: int) -> bool:
    """Whether `user` may mark an approved output used by the organisers (which pays the
    tester): the program's managers, while it is active."""
    return program_id in reviewable_program_ids(user, roles=MANAGER)


# --- The audit log ----------------------------------------------------------------------------


def reads_whole_audit_log(user) -> bool:
    """Superusers read every record, of every program and none, and may verify the chain."""
    return user.is_superuser


def may_read_audit_log(user) -> bool:
    """Managers and admins read their programs' records; superusers all of them (even before
    any program exists)."""
    return reads_whole_audit_log(user) or staff_programs(user, MANAGER).exists()


# --- Acting on people -------------------------------------------------------------------------


def may_grant(*, actor_role: str | None, role: str) -> bool:
    """Whether someone holding `actor_role` in a program may grant (or take away) `role`."""
    return actor_role in GRANTED_BY[role]


def may_change_role(*, actor_role: str | None, old_role: str, new_role: str) -> bool:
    """Whether someone holding `actor_role` in a program may change a member of that program
    from `old_role` to `new_role` (the same role: a cohort change, managers and admins)."""
    if old_role == new_role:
        return may_grant(actor_role=actor_role, role=Role.TESTER)
    return may_grant(actor_role=actor_role, role=old_role) and may_grant(
        actor_role=actor_role, role=new_role
    )


def may_change_member(user, member: Membership, new_role: str) -> bool:
    """may_change_role for `user` acting on `member` of its program; nobody changes their own
    membership."""
    if member.user_id == user.pk:
        return False
    actor_role = Role.ADMIN if user.is_superuser else acting_roles(user).get(member.program_id)
    return may_change_role(actor_role=actor_role, old_role=member.role, new_role=new_role)


def outranks_everywhere(*, actor_roles: dict[int, str], target_roles: dict[int, str]) -> bool:
    """Whether the actor holds a session-ending role of at least equal rank in every program
    where the target holds a staff role (a tester's memberships do not count). Both map program
    id to the role held there."""
    for program_id, role in target_roles.items():
        if role == Role.TESTER:
            continue
        actor_role = actor_roles.get(program_id)
        if actor_role not in SESSION_ENDERS or RANK[actor_role] < RANK[role]:
            return False
    return True


def may_end_sessions(user, target_user) -> bool:
    """Whether `user` may sign `target_user` out everywhere. Sessions belong to the person, not
    to one program, so the actor must outrank them wherever they are staff; Django staff and
    superusers reach the admin and are the superusers' to sign out."""
    if user.is_superuser:
        return True
    if target_user.is_staff or target_user.is_superuser:
        return False
    target_roles = dict(
        Membership.objects.filter(user=target_user)
        .exclude(status=Membership.Status.REMOVED)
        .values_list("program_id", "role")
    )
    return outranks_everywhere(actor_roles=acting_roles(user), target_roles=target_roles)


# --- Staff and the second factor --------------------------------------------------------------


def is_staff_user(user) -> bool:
    """Django staff, or an active staff membership anywhere (blocked or not: a blocked manager
    is still staff for the second factor, they just have no powers)."""
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.filter(
        user=user, role__in=STAFF, status=Membership.Status.ACTIVE
    ).exists()


def needs_mfa_setup(user) -> bool:
    """Staff without a TOTP authenticator (they must set it up before any staff view)."""
    if not user.is_authenticated or not is_staff_user(user):
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


# --- Who decided, as a tester is told it ------------------------------------------------------

_DECIDER_LABELS = {
    Role.PROGRAM_MANAGER: "A program manager",
    Role.ADMIN: "A program administrator",
    Role.REVIEWER: "A reviewer",
    Role.FINANCE: "The finance team",
}


def decider_label(*, user, program_id: int) -> str:
    """The role (never the name) of whoever took a decision about a tester, for notices."""
    role = (
        Membership.objects.filter(user=user, program_id=program_id)
        .values_list("role", flat=True)
        .first()
    )
    if role in _DECIDER_LABELS:
        return _DECIDER_LABELS[role]
    return "A platform administrator" if user.is_staff else "The organisers"


# --- Where one lands after signing in ----------------------------------------------------------

# The first of these a user's acting memberships match decides their landing page (URL names):
# who runs a program lands on its console, a reviewer on the queue, finance on the money.
LANDINGS = (
    (MANAGER, "console:dashboard"),
    (frozenset({Role.REVIEWER}), "review:queue"),
    (frozenset({Role.FINANCE}), "console:finance"),
)
TESTER_LANDING = "portal:home"


def landing_page(user) -> str:
    """The URL name `user` is sent to after signing in: by staff role, else the tester's
    Generate page. One query."""
    if user.is_superuser:
        return "console:dashboard"
    roles = set(staff_memberships(user).values_list("role", flat=True))
    for role_set, page in LANDINGS:
        if roles & role_set:
            return page
    return TESTER_LANDING
