"""Unusual use of one token — many client addresses, a burst, many user agents — suspends it.

Called by the authentication class after a token passed its checks. Use is counted per token and
per membership (all of one tester's tokens together, so a workload spread over several tokens
is seen whole) in Django's cache (Redis in production, so every web process sees the same
counts), never in the database: a request costs one get_many and one set. Counts live in
minute buckets; the window slides over them, the oldest bucket counting only for the part of it
still inside the window.

Past a threshold the token alone is suspended (its owner's other tokens and everyone else keep
working), a LeakAlert with the evidence is raised for staff, and the request is refused. While
that alert is unresolved nothing is raised or suspended again for the token.
"""

import ipaddress
import logging
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction

from accessprogram.audit.services import record
from accessprogram.client_address import client_ip

from . import held_counts, leak_evidence, notifications
from .blocks import blocks_on
from .models import AccessBlock, ApiToken, LeakAlert
from .revocation import block_access

logger = logging.getLogger(__name__)

BUCKET_SECONDS = 60
SHARDS = 2  # per minute bucket; see record_use
MAX_WINDOW_SECONDS = 600  # AnomalyPolicy's check constraint keeps windows at most this long
ALERTED_SECONDS = 600  # how long "an alert is unresolved" is remembered without a DB look-up
USER_AGENT_LENGTH = 200
SUSPENDED_MESSAGE = (
    "This API token was suspended automatically after unusual use; contact the program team."
)
NO_USER_AGENT = "(none)"

clock = time.time  # tests move time by replacing this


class TokenSuspended(Exception):
    """This request tripped the detector: the token is now suspended; refuse it (403)."""


@dataclass(frozen=True)
class Thresholds:
    enabled: bool
    window_seconds: int
    max_addresses: int
    max_requests: int
    max_user_agents: int


def thresholds_for(program) -> Thresholds:
    """The program's AnomalyPolicy over the settings; fetched with the token (select_related)."""
    try:
        policy = program.anomaly_policy
    except ObjectDoesNotExist:
        policy = None

    def pick(field: str, setting: str) -> int:
        value = getattr(policy, field, None)
        return value if value is not None else getattr(settings, setting)

    return Thresholds(
        enabled=policy.enabled if policy is not None else True,
        window_seconds=min(pick("window_seconds", "ANOMALY_WINDOW_SECONDS"), MAX_WINDOW_SECONDS),
        max_addresses=pick("max_addresses", "ANOMALY_MAX_ADDRESSES"),
        max_requests=pick("max_requests", "ANOMALY_MAX_REQUESTS"),
        max_user_agents=pick("max_user_agents", "ANOMALY_MAX_USER_AGENTS"),
    )


def client_address(request) -> str:
    """The client as counted here: accessprogram.client_address's rule (the one every part
    uses), with IPv6 counted per /64, one subscriber's usual allocation."""
    address = client_ip(request) or ""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if parsed.version == 6:
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


# --- Counting ---------------------------------------------------------------------------------


def _base_key(token: ApiToken) -> str:
    # The digest part keeps keys distinct when a database reuses ids (tests, restored backups).
    return f"tokenuse:{token.pk}:{token.digest[:12]}"


def _membership_key(token: ApiToken) -> str:
    # The join time does for a membership what the digest does for a token.
    membership = token.membership
    return f"memberuse:{membership.pk}:{membership.joined_at.timestamp():.6f}"


def _buckets(now: float, window: int) -> range:
    return range(int((now - window) // BUCKET_SECONDS), int(now // BUCKET_SECONDS) + 1)


def _keys(base: str, buckets: range) -> dict[tuple[int, int], str]:
    return {(b, s): f"{base}:{b}:{s}" for b in buckets for s in range(SHARDS)}


def _merge(into: dict, entries: dict, *, since: float) -> None:
    for name, (count, first, last) in entries.items():
        if last < since:
            continue
        if name in into:
            seen = into[name]
            into[name] = [seen[0] + count, min(seen[1], first), max(seen[2], last)]
        else:
            into[name] = [count, first, last]


def _count_in(entries: dict, name: str, now: float, *, limit: int) -> None:
    if name in entries:
        entries[name][0] += 1
        entries[name][2] = now
    elif len(entries) < limit:  # past the limit the token trips anyway; keep memory bounded
        entries[name] = [1, now, now]


@dataclass
class Usage:
    """What one token (or one tester) did within the window, this request included."""

    requests: int
    addresses: dict  # address -> [requests, first seen, last seen] (unix seconds)
    user_agents: dict  # user agent -> [requests, first seen, last seen]


def record_use(
    *, token: ApiToken, address: str, user_agent: str, thresholds: Thresholds, now: float
) -> Usage:
    """Count this request and return the token's usage in the window."""
    token_usage, _ = _record_use(
        token=token, address=address, user_agent=user_agent, thresholds=thresholds, now=now
    )
    return token_usage


def _record_use(
    *, token: ApiToken, address: str, user_agent: str, thresholds: Thresholds, now: float
) -> tuple[Usage, Usage]:
    """Count this request; return the token's and its tester's usage in the window.

    One set of keys per membership (minute buckets, each split into shards): a shard holds the
    tester's counts and, under "t", each token's, so a read costs one get_many and one set,
    whatever the number of tokens. (Keys per token and per membership cost twice that, and a
    write is the expensive part.) A process reads and writes about once a second per tester
    while nothing new shows up (held_counts says when it must). Each write updates one shard
    picked at random, so two concurrent writes rarely read-modify-write the same value; when
    they do, one goes uncounted (an undercount never suspends a token wrongly)."""
    window = thresholds.window_seconds
    membership_key = _membership_key(token)
    keys = _keys(membership_key, _buckets(now, window))
    name, bucket = _base_key(token), int(now // BUCKET_SECONDS)
    state = held_counts.held(membership_key)
    with state.lock:
        held, held_bucket = state.pending, state.bucket
        state.pending = None
        if state.may_skip_read(now=now, bucket=bucket, address=address, user_agent=user_agent):
            counted = _counted(
                held,
                token=name,
                address=address,
                user_agent=user_agent,
                thresholds=thresholds,
                now=now,
            )
            usages = _usages(state.found, keys, name, now, window, counted)
            if not any(tripped(usage, thresholds) for usage in usages):
                state.pending = counted
                return usages
            to_send = {bucket: counted}  # judged on fresh shared counts below
        else:
            # A new minute leaves the counts held for the last one in their own bucket.
            carried = held if held_bucket == bucket else None
            to_send = {
                bucket: _counted(
                    carried,
                    token=name,
                    address=address,
                    user_agent=user_agent,
                    thresholds=thresholds,
                    now=now,
                )
            }
            if held is not None and carried is None:
                to_send[held_bucket] = held

    found = cache.get_many(list(keys.values()))
    shard = random.randrange(SHARDS)
    for counted_bucket, counted in to_send.items():
        key = keys.get((counted_bucket, shard))
        if key is None:
            continue  # its minute has left the window
        entry = found.get(key) or _entry()
        held_counts.fold(
            entry,
            counted,
            address_limit=thresholds.max_addresses + 1,
            agent_limit=thresholds.max_user_agents + 1,
        )
        cache.set(key, entry, window + 2 * BUCKET_SECONDS)
        found[key] = entry
    usages = _usages(found, keys, name, now, window, None)
    with state.lock:
        state.found, state.synced_at, state.bucket = found, now, bucket
        state.addresses = frozenset(usages[1].addresses)
        state.user_agents = frozenset(usages[1].user_agents)
    return usages


def _counted(held, *, token, address, user_agent, thresholds, now) -> dict:
    """`held` (or a new entry) with this request counted, for the tester and under "t" the
    token."""
    entry = held or _entry()
    _count(entry, address, user_agent, thresholds, now)
    _count(
        entry.setdefault("t", {}).setdefault(token, _entry()), address, user_agent, thresholds, now
    )
    return entry


def _usages(found, keys, name, now, window, pending) -> tuple[Usage, Usage]:
    """The token's and its tester's usage from the entries read and, if any, counts not yet
    written (this minute's, so counted in full)."""
    since = now - window
    token_usage, membership_usage = _empty_usage(), _empty_usage()
    entries = [
        # The oldest bucket reaches back before the window: count the part inside it.
        (found.get(key), min(1.0, ((bucket + 1) * BUCKET_SECONDS - since) / BUCKET_SECONDS))
        for (bucket, _), key in keys.items()
    ]
    for entry, inside in [*entries, (pending, 1.0)]:
        if entry is None:
            continue
        _add(membership_usage, entry, inside, since)
        token_entry = (entry.get("t") or {}).get(name)
        if token_entry is not None:
            _add(token_usage, token_entry, inside, since)
    return _finish(token_usage), _finish(membership_usage)


def _entry() -> dict:
    return {"n": 0, "a": {}, "u": {}}


def _count(entry: dict, address: str, user_agent: str, thresholds: Thresholds, now: float):
    entry["n"] += 1
    _count_in(entry["a"], address, now, limit=thresholds.max_addresses + 1)
    _count_in(entry["u"], user_agent, now, limit=thresholds.max_user_agents + 1)


def _empty_usage() -> Usage:
    return Usage(requests=0.0, addresses={}, user_agents={})


def _add(usage: Usage, entry: dict, inside: float, since: float) -> None:
    usage.requests += entry["n"] * inside
    _merge(usage.addresses, entry["a"], since=since)
    _merge(usage.user_agents, entry["u"], since=since)


def _finish(usage: Usage) -> Usage:
    # This request sits in the newest bucket, counted in full: at least one request.
    usage.requests = max(1, round(usage.requests))
    return usage


def forget_use(*, token: ApiToken) -> None:
    """Start counting afresh, e.g. after staff reinstate the token (its tester's counts too)."""
    cache.delete(f"{_base_key(token)}:alerted")
    _forget_membership_use(token)


def _forget_membership_use(token: ApiToken) -> None:
    keys = _keys(_membership_key(token), _buckets(clock(), MAX_WINDOW_SECONDS))
    cache.delete_many(list(keys.values()))
    held_counts.drop(_membership_key(token))


# --- Judging ----------------------------------------------------------------------------------


def tripped(usage: Usage, thresholds: Thresholds) -> list[str]:
    """The kinds of anomaly present, the most telling first."""
    kinds = []
    if len(usage.addresses) > thresholds.max_addresses:
        kinds.append(LeakAlert.Kind.ADDRESS_SPREAD)
    if len(usage.user_agents) > thresholds.max_user_agents:
        kinds.append(LeakAlert.Kind.USER_AGENTS)
    if usage.requests > thresholds.max_requests:
        kinds.append(LeakAlert.Kind.BURST)
    return kinds


def check_token_use(*, token: ApiToken, request) -> None:
    """Count this use of `token`; raise TokenSuspended if it crossed a threshold just now."""
    thresholds = thresholds_for(token.membership.program)
    if not thresholds.enabled:
        return
    now = clock()
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH] or NO_USER_AGENT
    token_usage, membership_usage = _record_use(
        token=token,
        address=client_address(request),
        user_agent=user_agent,
        thresholds=thresholds,
        now=now,
    )
    usage, scope, kinds = token_usage, "token", tripped(token_usage, thresholds)
    if not kinds:
        # Spread over several tokens, the same use trips for the tester: the token in hand is
        # suspended (and each other token of theirs used while the counts stay high).
        usage, scope, kinds = membership_usage, "membership", tripped(membership_usage, thresholds)
    if not kinds:
        return
    alerted_key = f"{_base_key(token)}:alerted"
    if cache.get(alerted_key):
        return  # an alert is unresolved: raised, and suspended, once is enough
    evidence = leak_evidence.build(usage, thresholds, kinds=kinds, now=now, scope=scope)
    alert = raise_alert(token=token, kind=kinds[0], evidence=evidence)
    cache.set(alerted_key, True, ALERTED_SECONDS)
    if alert is not None:
        # The use that tripped is dealt with (its token is suspended and refused before any
        # counting): the tester's other tokens start from fresh counts, and if the spread goes
        # on through them, they trip in turn.
        _forget_membership_use(token)
    if alert is None and not _suspended(token):
        # An alert is still unresolved but staff let the token work again: their call stands.
        return
    raise TokenSuspended(SUSPENDED_MESSAGE)


def _suspended(token: ApiToken) -> bool:
    return blocks_on(token_id=token.pk).exists()


@transaction.atomic
def raise_alert(*, token: ApiToken, kind: str, evidence: dict) -> LeakAlert | None:
    """Suspend the token and raise an alert, once: None if an unresolved alert already exists."""
    program = token.membership.program
    try:
        with transaction.atomic():
            alert = LeakAlert.objects.create(
                token=token, program=program, kind=kind, evidence=evidence
            )
    except IntegrityError:
        return None
    alert.suspension = block_access(
        target=token,
        kind=AccessBlock.Kind.SUSPENSION,
        reason=(
            f"Automatic: {alert.get_kind_display().lower()} within "
            f"{evidence['window_seconds']} s (leak alert #{alert.pk})."
        ),
        message=SUSPENDED_MESSAGE,
    )
    alert.save(update_fields=["suspension"])
    record(
        action="leak.alert_raised",
        target=alert,
        token=token.display_prefix,
        program=program.slug,
        kind=kind,
        request_count=evidence["request_count"],
        address_count=evidence["address_count"],
        user_agent_count=evidence["user_agent_count"],
    )
    transaction.on_commit(lambda: notifications.alert_raised(alert=alert))
    logger.warning(
        "Token %s… suspended automatically: %s (alert #%s)", token.display_prefix, kind, alert.pk
    )
    return alert
