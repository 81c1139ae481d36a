from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from accessprogram.programs.models import Membership, Program
from accessprogram.programs.selectors import tester_memberships

from . import tokens
from .models import AccessBlock, ApiToken

Level = AccessBlock.Level


class AccessDenied(Exception):
    """The token is valid in form but may not be used; the message says why.

    `forbidden` separates a good key whose holder is blocked (403) from a dead key (401)."""

    def __init__(self, message: str, *, forbidden: bool = False):
        super().__init__(message)
        self.forbidden = forbidden


_PROGRAM_CLOSED_MESSAGES = {
    Program.Status.DRAFT: "The program has not started yet.",
    Program.Status.PAUSED: "The program is paused by the organisers.",
    Program.Status.CLOSED: "The program has been closed by the organisers.",
}

# The broadest block explains the refusal best: a paused program matters more than one token.
_BREADTH = Case(
    When(level=Level.PROGRAM, then=Value(0)),
    When(level=Level.COHORT, then=Value(1)),
    When(level=Level.MEMBERSHIP, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def blocks_in_force(*, token_id, membership_id, cohort_id, program_id) -> QuerySet[AccessBlock]:
    """Blocks on any of the four levels; the arguments may be values or OuterRef()s."""
    return (
        AccessBlock.objects.in_force()
        .filter(
            Q(level=Level.TOKEN, target_id=token_id)
            | Q(level=Level.MEMBERSHIP, target_id=membership_id)
            | Q(level=Level.COHORT, target_id=cohort_id)
            | Q(level=Level.PROGRAM, target_id=program_id)
        )
        .order_by(_BREADTH, "-created_at")
    )


def token_for_secret(*, secret: str) -> ApiToken | None:
    """The token with its membership, program, user and any block in force: one query."""
    if not tokens.is_well_formed(secret):
        return None
    blocks = blocks_in_force(
        token_id=OuterRef("pk"),
        membership_id=OuterRef("membership_id"),
        cohort_id=OuterRef("membership__cohort_id"),
        program_id=OuterRef("membership__program_id"),
    )
    try:
        return (
            ApiToken.objects.select_related("membership__program", "membership__user")
            .annotate(
                block_level=Subquery(blocks.values("level")[:1]),
                block_message=Subquery(blocks.values("message")[:1]),
            )
            .get(digest=tokens.digest(secret))
        )
    except ApiToken.DoesNotExist:
        return None


def check_token_access(*, token: ApiToken) -> None:
    """Raise AccessDenied unless the token, its tester and its program all allow access.

    Expects a token from token_for_secret (block annotations present)."""
    membership = token.membership
    if token.revoked_at is not None:
        raise AccessDenied("This API token has been revoked.")
    if not token.is_usable():
        raise AccessDenied("This API token has expired.")
    if token.block_message:
        raise AccessDenied(token.block_message, forbidden=token.block_level != Level.TOKEN)
    if not membership.user.is_active or not membership.is_active:
        raise AccessDenied("Your access to this program is suspended.", forbidden=True)
    if membership.role != Membership.Role.TESTER:
        raise AccessDenied(
            "API tokens work for testers only; your role in this program changed.",
            forbidden=True,
        )
    if membership.program.status != Program.Status.ACTIVE:
        raise AccessDenied(
            _PROGRAM_CLOSED_MESSAGES.get(membership.program.status, "The program is not open."),
            forbidden=True,
        )


def membership_block(*, membership: Membership) -> AccessBlock | None:
    """The broadest block in force on a tester's membership, cohort or program (not tokens)."""
    return blocks_in_force(
        token_id=None,
        membership_id=membership.pk,
        cohort_id=membership.cohort_id,
        program_id=membership.program_id,
    ).first()


def tokens_of(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(
        membership__user=user, membership__role=Membership.Role.TESTER
    ).select_related("membership__program")


def tester_blocks(*, user) -> list[tuple[Membership, AccessBlock]]:
    """The user's tester memberships that are blocked, each with its broadest block."""
    memberships = Membership.objects.filter(user=user, role=Membership.Role.TESTER).select_related(
        "program"
    )
    blocked = []
    for membership in memberships:
        block = membership_block(membership=membership)
        if block is not None:
            blocked.append((membership, block))
    return blocked


def block_for_tester(*, user, program_id) -> AccessBlock | None:
    membership = Membership.objects.filter(user=user, program_id=program_id).first()
    return membership_block(membership=membership) if membership else None


def usable_tester_memberships(*, user) -> list[Membership]:
    """Active tester memberships in active programs with no block in force."""
    blocked = {membership.pk for membership, _ in tester_blocks(user=user)}
    return [m for m in tester_memberships(user=user) if m.pk not in blocked]
