from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accessprogram.audit.services import record
from accessprogram.programs.models import Membership

from . import tokens
from .models import AccessBlock, ApiToken
from .revocation import block_access


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the only time the full token exists outside the caller's hands


class TokenError(Exception):
    pass


@transaction.atomic
def issue_token(
    *, membership: Membership, name: str, expires_at: datetime | None = None, actor=None
) -> IssuedToken:
    if membership.role != Membership.Role.TESTER or not membership.is_active:
        raise TokenError("API tokens are issued to active testers only.")
    if expires_at is not None and expires_at <= timezone.now():
        raise TokenError("The expiry must lie in the future.")
    secret = tokens.generate()
    token = ApiToken.objects.create(
        membership=membership,
        name=name.strip() or "API token",
        display_prefix=tokens.display_prefix(secret),
        digest=tokens.digest(secret),
        expires_at=expires_at,
    )
    record(action="token.issued", target=token, actor=actor or membership.user, name=token.name)
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def revoke_token(*, token: ApiToken, reason: str, actor=None) -> bool:
    """Revoke one token for good (its jobs stop too). False if it was already revoked."""
    # Lock the token row only: not its membership or program, which a long program-wide
    # transaction (a period close, a settings change) may hold.
    token = (
        ApiToken.objects.select_for_update(of=("self",))
        .select_related("membership__program")
        .get(pk=token.pk)
    )
    if token.revoked_at is not None:
        return False
    block_access(target=token, kind=AccessBlock.Kind.REVOCATION, reason=reason, actor=actor)
    return True


def touch_last_used(*, token: ApiToken) -> None:
    """Record use at most once per resolution window, so most requests write nothing."""
    now = timezone.now()
    window = timedelta(seconds=settings.API_TOKEN_LAST_USED_RESOLUTION_SECONDS)
    if token.last_used_at is not None and now - token.last_used_at < window:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
