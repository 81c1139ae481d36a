"""The hash chain: how a record's hash is computed and how a record joins the chain.

A record's hash is sha256 over sorted-key JSON of its sequence, time, actor id, action, target,
data and the previous record's hash. Appends take turns on the single AuditChainHead row.
"""

import datetime
import decimal
import hashlib
import json
import logging

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import GENESIS_HASH, AuditChainHead, AuditRecord

logger = logging.getLogger(__name__)


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


def canonical_bytes(
    *,
    sequence: int,
    occurred_at: datetime.datetime,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: str,
    data,
    prev_hash: str,
) -> bytes:
    payload = {
        "sequence": sequence,
        "occurred_at": occurred_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "data": _fold(data),
        "prev_hash": prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def compute_hash(**fields) -> str:
    return hashlib.sha256(canonical_bytes(**fields)).hexdigest()


def hash_of(entry: AuditRecord) -> str:
    """The hash `entry` should carry, given its stored fields."""
    return compute_hash(
        sequence=entry.sequence,
        occurred_at=entry.occurred_at,
        actor_id=entry.actor_id,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        data=entry.data,
        prev_hash=entry.prev_hash,
    )


def to_json_data(data: dict) -> dict:
    """Store exactly what reads back: dates, Decimals and UUIDs become strings, tuples lists."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, allow_nan=False))


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=AuditChainHead.SINGLETON_ID).first()
    if head is not None:
        return head
    # Missing after a database flush (empty chain), or removed by someone. Recreate it rather
    # than refuse: revocations write audit records, and a kill switch must never fail because
    # of the audit trail. Any break in the records themselves still shows in verify.
    last = AuditRecord.objects.order_by("-sequence").values_list("sequence", "hash").first()
    if last is not None:
        logger.error("Audit chain head was missing; recreated at record %s.", last[0])
    sequence, hash_ = last or (0, GENESIS_HASH)
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(id=AuditChainHead.SINGLETON_ID, sequence=sequence, hash=hash_)],
        ignore_conflicts=True,  # a concurrent first append may have created it: use theirs
    )
    return AuditChainHead.objects.select_for_update().get(pk=AuditChainHead.SINGLETON_ID)


@transaction.atomic
def append(*, action: str, target_type: str, target_id: str, actor=None, data: dict) -> AuditRecord:
    """Add one record at the end of the chain.

    The head row stays locked until the surrounding transaction ends, so appends are serialised
    and a rolled-back transaction leaves neither a record nor a gap. On SQLite the IMMEDIATE
    transactions this project uses already serialise writers (select_for_update is a no-op).
    """
    head = _locked_head()
    entry = AuditRecord(
        sequence=head.sequence + 1,
        occurred_at=timezone.now(),
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        data=to_json_data(data),
        prev_hash=head.hash,
    )
    entry.hash = hash_of(entry)
    entry.save(force_insert=True)
    AuditChainHead.objects.filter(pk=head.pk).update(sequence=entry.sequence, hash=entry.hash)
    return entry
