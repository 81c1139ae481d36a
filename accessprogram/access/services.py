import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accessprogram.audit.services import record
from accessprogram.programs.models import Membership

from . import tokens
from .models import AccessBlock, ApiToken, LeakAlert
from .revocation import block_access
from .scopes import ALL_SCOPES, all_scopes, parse_networks


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the only time the full token exists outside the caller's hands


class TokenError(Exception):
    pass


@transaction.atomic
def issue_token(
    *,
    membership: Membership,
    name: str,
    expires_at: datetime | None = None,
    scopes: list[str] | None = None,
    allowed_networks: list[str] | str = (),
    daily_generation_limit: int | None = None,
    actor=None,
    via: str = "",
) -> IssuedToken:
    """A new token for an active tester. `scopes` defaults to every scope; networks (CIDR) and
    the daily generation limit are optional restrictions (see access.scopes). `actor` is whoever
    made it (the tester on the portal, the operator of a command); None records the system.
    `via` says through what."""
    if membership.role != Membership.Role.TESTER or not membership.is_active:
        raise TokenError("API tokens are issued to active testers only.")
    if expires_at is not None and expires_at <= timezone.now():
        raise TokenError("The expiry must lie in the future.")
    # Lock the membership: two concurrent requests cannot both take the last place.
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=membership.pk)
    )
    _refuse_while_suspended_by_alert(membership)
    limit = membership.program.max_live_tokens
    if ApiToken.objects.live().filter(membership=membership).count() >= limit:
        raise TokenError(
            f"You may hold at most {limit} live API tokens in this program. "
            "Revoke one you no longer use first."
        )
    scopes = all_scopes() if scopes is None else [str(scope) for scope in scopes]
    if not scopes or not set(scopes) <= set(ALL_SCOPES):
        raise TokenError(f"Choose at least one permission among {', '.join(ALL_SCOPES)}.")
    try:
        networks = parse_networks(allowed_networks)
    except ValidationError as invalid:
        raise TokenError(invalid.messages[0]) from invalid
    if daily_generation_limit is not None and daily_generation_limit < 1:
        raise TokenError("A daily generation limit must be at least 1 (or none).")
    secret = tokens.generate()
    token = ApiToken.objects.create(
        membership=membership,
        name=name.strip() or "API token",
        display_prefix=tokens.display_prefix(secret),
        digest=tokens.digest(secret),
        expires_at=expires_at,
        scopes=[scope for scope in ALL_SCOPES if scope in scopes],
        allowed_networks=networks,
        daily_generation_limit=daily_generation_limit,
    )
    record(
        action="token.issued",
        target=token,
        actor=actor,
        name=token.name,
        scopes=token.scopes,
        allowed_networks=networks,
        daily_generation_limit=daily_generation_limit,
        **({"via": via} if via else {}),
    )
    return IssuedToken(token=token, secret=secret)


def _refuse_while_suspended_by_alert(membership: Membership) -> None:
    """A token suspended for unusual use is not replaced while staff have yet to judge it."""
    unresolved = LeakAlert.objects.filter(token__membership=membership).exclude(
        status=LeakAlert.Status.RESOLVED
    )
    if unresolved.exists():
        raise TokenError(
            "One of your tokens is suspended after unusual use; no new token can be made until "
            "the program team has looked into it."
        )


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


def touch_last_used(*, token: ApiToken, address: str = "", client: str = "") -> None:
    """Record when, from where and with what a token was last used, at most once per resolution
    window: most requests write nothing, even when a leaked token hops between addresses."""
    now = timezone.now()
    window = timedelta(seconds=settings.API_TOKEN_LAST_USED_RESOLUTION_SECONDS)
    if token.last_used_at is not None and now - token.last_used_at < window:
        return
    address, client = _plain_address(address), client[:CLIENT_LENGTH]
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=now, last_used_address=address, last_used_client=client
    )
    token.last_used_at, token.last_used_address, token.last_used_client = now, address, client


CLIENT_LENGTH = ApiToken._meta.get_field("last_used_client").max_length


def _plain_address(address: str) -> str | None:
    """The address if the column takes it, else None."""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
