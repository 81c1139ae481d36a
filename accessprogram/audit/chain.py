"""How a record joins its chain: written sealed inside the caller's transaction, linked after.

Appending never touches a chain head, so a business transaction, however long, holds no audit
lock: a revocation in the same program (or any other) never waits for it. Right after commit a
short transaction locks the chain's head row, numbers and hashes that chain's committed pending
records and moves the head (three statements a batch). If another link of the same chain holds
the head at that moment, the caller does not wait either: a Celery task links the chain a moment
later. A record whose process died between commit and link stays pending until the next link of
its chain or the periodic sweep (audit.tasks.link_pending_records); its seal shows any edit
meanwhile.

A caller that must not spend even that link on its own path (a revocation: its latency is the
platform's promise) names a Celery queue instead (`link_queue`): after commit one message asks
a worker of that queue to link the chain, and the call returns. The record is committed and
sealed with the business change either way; only its place in the chain comes a moment later.
"""

import logging

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .hashing import head_mac, link_hash, seal_of, to_json_data
from .models import GENESIS_HASH, PLATFORM_CHAIN, AuditChain, AuditRecord

logger = logging.getLogger(__name__)

# Records linked per transaction: keeps each hold on a head short after a bulk import.
LINK_BATCH = 100


def _rows() -> QuerySet:
    """Audit rows without the append-only guards: linking fills in sequence and hashes once."""
    return QuerySet(model=AuditRecord)


def append(
    *,
    chain: str,
    action: str,
    target_type: str,
    target_id: str,
    actor=None,
    data: dict,
    link_queue: str | None = None,
) -> AuditRecord:
    """Write one sealed, pending record in the caller's transaction; link it after commit, in
    this call or (`link_queue`) by a task on that queue.

    Rolls back with the caller's transaction, leaving neither a record nor a gap: the sequence
    is only given at link time, to committed records.
    """
    entry = AuditRecord(
        chain=chain,
        occurred_at=timezone.now(),
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        data=to_json_data(data),
    )
    entry.seal = seal_of(entry)
    entry.save(force_insert=True)
    _link_after_commit(chain, queue=link_queue)
    return entry


class LinkAfterCommit:
    """The on-commit callback linking one chain; queued once per chain per transaction. With a
    `queue` it only asks a worker of that queue to link (one broker message)."""

    def __init__(self, chain: str, *, queue: str | None = None):
        self.chain, self.queue, self.done = chain, queue, False
        # Django names a failed robust callback by its __qualname__, which instances lack.
        self.__qualname__ = f"{type(self).__qualname__}({chain})"

    def __call__(self) -> None:
        self.done = True
        if self.queue is None:
            link_pending(chain=self.chain, wait=False)
        else:
            from .tasks import link_pending_records  # the task module imports this one

            link_pending_records.apply_async(kwargs={"chain": self.chain}, queue=self.queue)


def _link_after_commit(chain: str, *, queue: str | None) -> None:
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        # A bulk import writes thousands of records: one link after commit covers them all.
        for _savepoints, queued, _robust in connection.run_on_commit:
            if isinstance(queued, LinkAfterCommit) and queued.chain == chain and not queued.done:
                if queue is None:
                    queued.queue = None  # someone in the transaction links at once: all of it
                return
    # robust: the business change is committed by then; a failed link is retried by the sweep.
    transaction.on_commit(LinkAfterCommit(chain, queue=queue), robust=True)


def _locked_head(chain: str, *, nowait: bool) -> AuditChain:
    head = AuditChain.objects.select_for_update(nowait=nowait).filter(pk=chain).first()
    if head is not None:
        return head
    # A chain's first link, or its head was removed (a database flush, or someone). Recreate it
    # rather than refuse: a kill switch must never fail because of the audit trail. Any break in
    # the records themselves still shows in verify.
    last = (
        _rows()
        .filter(chain=chain, sequence__isnull=False)
        .order_by("-sequence")
        .values_list("sequence", "hash")
        .first()
    )
    sequence, hash_ = last or (0, GENESIS_HASH)
    try:
        with transaction.atomic():  # a savepoint: a lost race must not abort the caller's work
            AuditChain.objects.create(
                key=chain,
                sequence=sequence,
                hash=hash_,
                mac=head_mac(chain=chain, sequence=sequence, hash_=hash_),
            )
    except IntegrityError:
        # A concurrent first link created the head (and may have linked records since we read
        # `last`): nothing was missing, so use theirs and say nothing.
        return AuditChain.objects.select_for_update().get(pk=chain)
    if last is not None:
        # Rebuilding from the last record would also bless records cut off the end: say so in
        # the keyed platform chain, where removing the note shows.
        logger.error("Audit chain head %s was missing; recreated at record %s.", chain, last[0])
        append(
            chain=PLATFORM_CHAIN,
            action="audit.chain_head_rebuilt",
            target_type="audit.auditchain",
            target_id=chain[:64],
            data={"chain": chain, "sequence": sequence, "hash": hash_},
        )
    return AuditChain.objects.select_for_update().get(pk=chain)


@transaction.atomic
def _link_batch(chain: str, *, nowait: bool) -> int:
    head = _locked_head(chain, nowait=nowait)
    # Committed records only (the others are invisible to this transaction), oldest first.
    pending = list(
        _rows()
        .filter(chain=chain, sequence__isnull=True)
        .order_by("id")
        .only("pk", "seal")[:LINK_BATCH]
    )
    sequence, prev_hash = head.sequence, head.hash
    for entry in pending:
        sequence += 1
        entry.sequence, entry.prev_hash = sequence, prev_hash
        entry.hash = link_hash(chain=chain, sequence=sequence, seal=entry.seal, prev_hash=prev_hash)
        prev_hash = entry.hash
    if pending:  # one statement for the batch, one for the head: the head is held that long
        _rows().bulk_update(pending, ["sequence", "prev_hash", "hash"])
        AuditChain.objects.filter(pk=chain).update(
            sequence=sequence,
            hash=prev_hash,
            mac=head_mac(chain=chain, sequence=sequence, hash_=prev_hash),
        )
    return len(pending)


def link_pending(*, chain: str, wait: bool = True) -> int:
    """Link `chain`'s committed pending records in order; returns how many were linked.

    Waits at most for another link of the same chain (one batch), never for a business
    transaction: none of them touches the head. With wait=False it does not wait even for that:
    if the head is held, a Celery task links the chain as soon as a worker takes it.
    """
    linked = 0
    while True:
        try:
            count = _link_batch(chain, nowait=not wait)
        except DatabaseError:
            if wait:
                raise
            from .tasks import link_pending_records  # the task module imports this one

            link_pending_records.delay(chain=chain)
            return linked
        linked += count
        if count < LINK_BATCH:
            return linked


def chains_with_pending_records() -> list[str]:
    return list(
        AuditRecord.objects.filter(sequence__isnull=True)
        .order_by("chain")
        .values_list("chain", flat=True)
        .distinct()
    )


def link_all_pending() -> int:
    """The sweep: link whatever an interrupted process left pending, in every chain."""
    return sum(link_pending(chain=chain) for chain in chains_with_pending_records())
