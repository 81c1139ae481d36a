"""What a record's seal and hash are computed over. Formats only: no database access.

Two formats live side by side:
- keyed chains (one per program, one for the platform): `seal` is HMAC-SHA256 under
  AUDIT_HMAC_KEY over the record's chain and contents, written with the record; `hash` is
  HMAC-SHA256 over its chain, sequence, seal and the previous record's hash, written when it
  is linked. Without the key nobody can recompute either, so rewriting rows and re-hashing
  them shows.
- the legacy chain (records written before chains were split): sha256 over sorted-key JSON of
  sequence, time, actor id, action, target, data and prev_hash, exactly as they were written.
"""

import datetime
import decimal
import hashlib
import hmac
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from .models import LEGACY_CHAIN


def _fold(value):
    """What the database hands back: PostgreSQL's jsonb turns 1e16 or -0.0 into an integer.

    It keeps the decimal digits of the float's shortest form, hence int(Decimal(repr(value))).
    """
    if isinstance(value, float) and value.is_integer():
        return int(decimal.Decimal(repr(value)))
    if isinstance(value, dict):
        return {key: _fold(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fold(item) for item in value]
    return value


def to_json_data(data: dict) -> dict:
    """Store exactly what reads back: dates, Decimals and UUIDs become strings, tuples lists."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, allow_nan=False))


def _canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def _mac(purpose: bytes, payload: dict) -> str:
    key = settings.AUDIT_HMAC_KEY.encode()
    # The purpose prefix keeps a seal from ever passing as a link hash, and the other way round.
    return hmac.new(key, purpose + _canonical(payload), hashlib.sha256).hexdigest()


def seal_of(entry) -> str:
    """The seal `entry` should carry, given its stored chain and contents."""
    return _mac(
        b"audit-seal\n",
        {
            "chain": entry.chain,
            "occurred_at": _utc(entry.occurred_at),
            "actor_id": entry.actor_id,
            "action": entry.action,
            "target_type": entry.target_type,
            "target_id": entry.target_id,
            "data": _fold(entry.data),
        },
    )


def link_hash(*, chain: str, sequence: int, seal: str, prev_hash: str) -> str:
    """A keyed chain's link: covers the seal (so the contents) and the link before it."""
    return _mac(
        b"audit-link\n",
        {"chain": chain, "sequence": sequence, "seal": seal, "prev_hash": prev_hash},
    )


def head_mac(*, chain: str, sequence: int, hash_: str) -> str:
    """A chain head's MAC: only the key holder can move a head, forwards or back."""
    return _mac(b"audit-head\n", {"chain": chain, "sequence": sequence, "hash": hash_})


def export_mac(line: dict) -> str:
    """The MAC of one exported head line (every field but the MAC): a forged line shows."""
    return _mac(
        b"audit-head-export\n", {name: value for name, value in line.items() if name != "mac"}
    )


def legacy_hash_of(entry) -> str:
    """The pre-split format: plain sha256, no key (kept so those records verify unchanged)."""
    payload = {
        "sequence": entry.sequence,
        "occurred_at": _utc(entry.occurred_at),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "data": _fold(entry.data),
        "prev_hash": entry.prev_hash,
    }
    return hashlib.sha256(_canonical(payload)).hexdigest()


def hash_of(entry) -> str:
    """The hash a linked `entry` should carry, given its stored fields."""
    if entry.chain == LEGACY_CHAIN:
        return legacy_hash_of(entry)
    return link_hash(
        chain=entry.chain, sequence=entry.sequence, seal=entry.seal, prev_hash=entry.prev_hash
    )
