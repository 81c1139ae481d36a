from datetime import UTC, datetime

from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from accessprogram.prepared_lookup import PreparedLookup
from accessprogram.programs.models import Membership, Program
from accessprogram.programs.selectors import pending_agreement_version, tester_memberships

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


_LEVELS_BROADEST_FIRST = (Level.PROGRAM, Level.COHORT, Level.MEMBERSHIP, Level.TOKEN)


def _newest_block_message(*, level: str, target_id, now: datetime) -> Subquery:
    """The message of the newest block in force on one target: a search of the in-force index.
    (One subquery per level, not one over all four: SQLite scans the whole index for an OR of
    four (level, target) pairs, so the lookup would slow down as revocations pile up.)"""
    return Subquery(
        AccessBlock.objects.in_force(now=now)
        .filter(level=level, target_id=target_id)
        .order_by("-created_at")
        .values("message")[:1]
    )


def _token_with_access_facts(*, digest: str, now: datetime) -> QuerySet[ApiToken]:
    """The token with its membership, program, user and the blocks in force at `now`."""
    targets = {
        Level.PROGRAM: OuterRef("membership__program_id"),
        Level.COHORT: OuterRef("membership__cohort_id"),
        Level.MEMBERSHIP: OuterRef("membership_id"),
        Level.TOKEN: OuterRef("pk"),
    }
    return (
        ApiToken.objects.select_related(
            # the anomaly policy rides along for anomalies.check_token_use
            "membership__program__anomaly_policy",
            "membership__user",
        )
        .annotate(
            **{
                f"{level}_block_message": _newest_block_message(
                    level=level, target_id=target_id, now=now
                )
                for level, target_id in targets.items()
            },
            pending_agreement_version=pending_agreement_version(
                program_id=OuterRef("membership__program_id"),
                user_id=OuterRef("membership__user_id"),
            ),
        )
        .filter(digest=digest)
    )


_token_lookup = PreparedLookup(
    ApiToken,
    _token_with_access_facts,
    markers={
        "digest": "prepared-lookup:digest",
        "now": datetime(2000, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    },
)


def token_for_secret(*, secret: str) -> ApiToken | None:
    """The token with its membership, program, user and any block in force: one query.

    Runs on every API request, so its SQL is compiled once (accessprogram.prepared_lookup)."""
    if not tokens.is_well_formed(secret):
        return None
    token = _token_lookup.first(digest=tokens.digest(secret), now=timezone.now())
    if token is not None:
        # The broadest block explains the refusal best: a paused program, not one token.
        token.block_level, token.block_message = next(
            (
                (level, message)
                for level in _LEVELS_BROADEST_FIRST
                if (message := getattr(token, f"{level}_block_message")) is not None
            ),
            (None, None),
        )
    return token


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
    if token.pending_agreement_version is not None:
        raise AccessDenied(
            f"Accept the program agreement (version {token.pending_agreement_version}) "
            "in the portal before using the API.",
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


def affected_user_ids(*, level: str, target_id: int):
    """Users whose web sessions a block on this target ends (a token's block ends none)."""
    if level == Level.MEMBERSHIP:
        return Membership.objects.filter(pk=target_id).values("user_id")
    if level == Level.COHORT:
        return Membership.objects.filter(cohort_id=target_id).values("user_id")
    if level == Level.PROGRAM:
        return Membership.objects.filter(program_id=target_id, role=Membership.Role.TESTER).values(
            "user_id"
        )
    return Membership.objects.none().values("user_id")
