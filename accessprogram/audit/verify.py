"""Walk the audit chain and report the first broken link.

Reads records in sequence order through a chunked iterator, so memory stays flat however long
the chain is. Records appended while the walk runs are fine: the head is read before and after.
"""

from dataclasses import dataclass

from .chain import hash_of
from .models import GENESIS_HASH, AuditChainHead, AuditRecord

FIELDS = [
    "sequence",
    "occurred_at",
    "actor_id",
    "action",
    "target_type",
    "target_id",
    "data",
    "prev_hash",
    "hash",
]


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int  # how many records were checked
    head_sequence: int
    head_hash: str
    broken_at: int | None = None  # sequence number of the first broken link
    problem: str = ""

    @property
    def message(self) -> str:
        if self.ok:
            return f"Audit chain intact: {self.records} records, head {self.head_hash[:16]}"
        return f"Audit chain broken at record {self.broken_at}: {self.problem}"


def _head() -> tuple[int, str] | None:
    return (
        AuditChainHead.objects.filter(pk=AuditChainHead.SINGLETON_ID)
        .values_list("sequence", "hash")
        .first()
    )


def verify_chain(*, chunk_size: int = 2000) -> VerifyResult:
    head_before = _head()
    expected_sequence, prev_hash, checked = 1, GENESIS_HASH, 0

    def broken(sequence: int, problem: str) -> VerifyResult:
        head_sequence, head_hash = head_before or (0, GENESIS_HASH)
        return VerifyResult(
            ok=False,
            records=checked,
            head_sequence=head_sequence,
            head_hash=head_hash,
            broken_at=sequence,
            problem=problem,
        )

    rows = AuditRecord.objects.order_by("sequence").values_list(*FIELDS, named=True)
    for row in rows.iterator(chunk_size=chunk_size):
        sequence = row.sequence
        if sequence > expected_sequence:
            missing = (
                f"record {expected_sequence} is"
                if sequence == expected_sequence + 1
                else f"records {expected_sequence} to {sequence - 1} are"
            )
            return broken(expected_sequence, f"{missing} missing (deleted).")
        if sequence < expected_sequence:  # only if the unique constraint was dropped
            return broken(sequence, f"sequence number {sequence} appears more than once.")
        if row.prev_hash != prev_hash:
            before = f"record {sequence - 1}" if sequence > 1 else "the start of the chain"
            return broken(
                sequence,
                f"its prev_hash does not match the hash of {before} "
                "(records reordered, replaced or removed).",
            )
        if hash_of(row) != row.hash:
            return broken(sequence, "its contents do not match its hash (record edited).")
        if head_before is not None and sequence == head_before[0] and row.hash != head_before[1]:
            return broken(sequence, "the chain head names a different hash for this record.")
        expected_sequence, prev_hash, checked = sequence + 1, row.hash, checked + 1

    last_sequence, last_hash = expected_sequence - 1, prev_hash
    head_after = _head()
    if head_after is None:
        if checked:
            return broken(last_sequence, "the chain head is missing.")
        head_after = (0, GENESIS_HASH)  # an empty chain after a database flush
    if head_before is not None and last_sequence < head_before[0]:
        return broken(
            last_sequence + 1,
            f"the chain head says the chain ends at record {head_before[0]}, but the last "
            f"record is {last_sequence} (records cut off the end).",
        )
    if last_sequence > head_after[0]:
        return broken(
            head_after[0] + 1,
            f"records {head_after[0] + 1} to {last_sequence} lie beyond the chain head "
            "(added without record()).",
        )
    if last_sequence == head_after[0] and last_hash != head_after[1]:
        return broken(last_sequence, "the chain head names a different hash for this record.")
    return VerifyResult(ok=True, records=checked, head_sequence=last_sequence, head_hash=last_hash)
