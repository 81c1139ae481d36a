from datetime import UTC, datetime

from django.db.models import OuterRef, QuerySet
from django.utils import timezone

from accessprogram.prepared_lookup import PreparedLookup
from accessprogram.programs.models import Membership, Program
from accessprogram.programs.selectors import pending_agreement_version, tester_memberships

from . import tokens
from .blocks import block_message_annotations, broadest_message, tester_blocks
from .models import AccessBlock, ApiToken, BlockAppeal, BlockNotice

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


def _token_with_access_facts(*, digest: str, now: datetime) -> QuerySet[ApiToken]:
    """The token with its membership, program, user and the blocks in force at `now`."""
    return (
        ApiToken.objects.select_related(
            # the anomaly policy rides along for anomalies.check_token_use
            "membership__program__anomaly_policy",
            "membership__user",
        )
        .annotate(
            **block_message_annotations(
                now=now,
                program=OuterRef("membership__program_id"),
                cohort=OuterRef("membership__cohort_id"),
                membership=OuterRef("membership_id"),
                token=OuterRef("pk"),
            ),
            pending_agreement_version=pending_agreement_version(
                program_id=OuterRef("membership__program_id"),
                user_id=OuterRef("membership__user_id"),
                now=now,
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
        token.block_level, token.block_message = broadest_message(token)
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


def tokens_of(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(
        membership__user=user, membership__role=Membership.Role.TESTER
    ).select_related("membership__program")


def usable_tester_memberships(*, user) -> list[Membership]:
    """Active tester memberships in active programs with no block in force."""
    blocked = {membership.pk for membership, _ in tester_blocks(user=user)}
    return [m for m in tester_memberships(user=user) if m.pk not in blocked]


def notices_of(*, user) -> QuerySet[BlockNotice]:
    """A user's block notices, newest first, each with its block, program and any appeal."""
    return BlockNotice.objects.filter(user=user).select_related("block", "program", "appeal")


def appeal_queue(*, programs, open_only: bool = True) -> QuerySet[BlockAppeal]:
    """Appeals in `programs`, the one due soonest first (open ones only, by default)."""
    appeals = BlockAppeal.objects.filter(program__in=programs).select_related(
        "program", "notice__block", "notice__user", "decided_by"
    )
    return appeals.filter(status=BlockAppeal.Status.OPEN) if open_only else appeals
