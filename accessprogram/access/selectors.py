from django.db.models import QuerySet

from accessprogram.programs.models import Membership, Program

from . import tokens
from .models import ApiToken


class AccessDenied(Exception):
    """The token is valid in form but may not be used; the message says why."""


_PROGRAM_CLOSED_MESSAGES = {
    Program.Status.DRAFT: "The program has not started yet.",
    Program.Status.PAUSED: "The program is paused by the organisers.",
    Program.Status.CLOSED: "The program has been closed by the organisers.",
}


def token_for_secret(*, secret: str) -> ApiToken | None:
    """The token with this secret, with its membership, program and user, in one query."""
    if not tokens.is_well_formed(secret):
        return None
    return (
        ApiToken.objects.select_related("membership__program", "membership__user")
        .filter(digest=tokens.digest(secret))
        .first()
    )


def check_token_access(*, token: ApiToken) -> None:
    """Raise AccessDenied unless the token, its tester and its program all allow access."""
    membership = token.membership
    if token.revoked_at is not None:
        raise AccessDenied("This API token has been revoked.")
    if not token.is_usable():
        raise AccessDenied("This API token has expired.")
    if not membership.user.is_active or not membership.is_active:
        raise AccessDenied("Your access to this program is suspended.")
    if membership.role != Membership.Role.TESTER:
        raise AccessDenied("API tokens work for testers only; your role in this program changed.")
    if membership.program.status != Program.Status.ACTIVE:
        raise AccessDenied(
            _PROGRAM_CLOSED_MESSAGES.get(membership.program.status, "The program is not open.")
        )


def tokens_of(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(
        membership__user=user, membership__role=Membership.Role.TESTER
    ).select_related("membership__program")
