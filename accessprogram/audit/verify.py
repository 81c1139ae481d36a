"""Walk every audit chain and report, per chain, the first broken link.

Reads each chain's records in sequence order through a chunked iterator, so memory stays flat
however long a chain is. Records linked while the walk runs are fine: each head is read before
and after its walk. Pending records (written, not linked yet) are checked against their seal.
"""

from dataclasses import dataclass

from .export_check import compare, missing_chains
from .hashing import hash_of, head_mac, seal_of
from .head_export import LatestExport, export_dir, read_latest
from .models import (
    GENESIS_HASH,
    LEGACY_ANCHOR_ACTION,
    LEGACY_CHAIN,
    PLATFORM_CHAIN,
    AuditChain,
    AuditRecord,
)

FIELDS = [
    "pk",
    "chain",
    "sequence",
    "occurred_at",
    "actor_id",
    "action",
    "target_type",
    "target_id",
    "data",
    "seal",
    "prev_hash",
    "hash",
]


@dataclass(frozen=True)
class ChainResult:
    chain: str
    ok: bool
    records: int  # how many linked records were checked
    head_sequence: int
    head_hash: str
    broken_at: int | None = None  # sequence number of the first broken link
    problem: str = ""

    @property
    def message(self) -> str:
        if self.ok:
            return f"{self.chain}: {self.records} records, head {self.head_hash[:16]}"
        where = f"record {self.broken_at}" if self.broken_at else "a pending record"
        return f"Audit chain {self.chain} broken at {where}: {self.problem}"


@dataclass(frozen=True)
class ExportLineProblem(ChainResult):
    """A line of the head export that is unreadable or fails its MAC."""

    file: str = ""
    line: int = 0

    @property
    def message(self) -> str:
        return f"Audit head export {self.file} line {self.line} ({self.chain}): {self.problem}"


@dataclass(frozen=True)
class VerifyResult:
    chains: tuple[ChainResult, ...]
    pending: int  # records written but not linked yet (normally linked within a second)
    export: str = ""  # which head export the chains were compared with

    @property
    def ok(self) -> bool:
        return all(chain.ok for chain in self.chains)

    @property
    def records(self) -> int:
        return sum(chain.records for chain in self.chains)

    @property
    def broken(self) -> tuple[ChainResult, ...]:
        return tuple(chain for chain in self.chains if not chain.ok)

    @property
    def first_broken(self) -> ChainResult | None:
        return next(iter(self.broken), None)

    @property
    def chain(self) -> str | None:
        return self.first_broken.chain if self.first_broken else None

    @property
    def broken_at(self) -> int | None:
        return self.first_broken.broken_at if self.first_broken else None

    @property
    def problem(self) -> str:
        return self.first_broken.problem if self.first_broken else ""

    @property
    def message(self) -> str:
        if not self.ok:
            return "\n".join(chain.message for chain in self.broken)
        chains = len(self.chains)
        summary = (
            f"Audit chains intact: {self.records} records in {chains} "
            f"chain{'s' if chains != 1 else ''}, {self.pending} awaiting linking"
        )
        lines = [summary, *(f"  {chain.message}" for chain in self.chains)]
        return "\n".join([*lines, self.export] if self.export else lines)


def _head(chain: str) -> tuple[int, str, str] | None:
    return AuditChain.objects.filter(pk=chain).values_list("sequence", "hash", "mac").first()


def _edited(row) -> str:
    """Why a keyed record's contents fail its seal, or "" if they match."""
    if seal_of(row) != row.seal:
        return "its contents do not match its seal (record edited, or written without the key)."
    return ""


def _walk(chain: str, *, chunk_size: int) -> ChainResult:
    head_before = _head(chain)
    expected_sequence, prev_hash, checked = 1, GENESIS_HASH, 0

    def broken(sequence: int | None, problem: str) -> ChainResult:
        head_sequence, head_hash, _mac = head_before or (0, GENESIS_HASH, "")
        return ChainResult(chain, False, checked, head_sequence, head_hash, sequence, problem)

    rows = (
        AuditRecord.objects.filter(chain=chain, sequence__isnull=False)
        .order_by("sequence")
        .values_list(*FIELDS, named=True)
    )
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
        if row.chain != LEGACY_CHAIN and (problem := _edited(row)):
            return broken(sequence, problem)
        if hash_of(row) != row.hash:
            if row.chain == LEGACY_CHAIN:
                return broken(sequence, "its contents do not match its hash (record edited).")
            return broken(sequence, "its hash does not match its link (hash edited).")
        if head_before is not None and sequence == head_before[0] and row.hash != head_before[1]:
            return broken(sequence, "the chain head names a different hash for this record.")
        expected_sequence, prev_hash, checked = sequence + 1, row.hash, checked + 1

    last_sequence, last_hash = expected_sequence - 1, prev_hash
    head_after = _head(chain)
    if head_after is None:
        if checked:
            return broken(last_sequence, "the chain head is missing.")
        head_after = (0, GENESIS_HASH, None)  # nothing linked yet, or an empty log after a flush
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
    sequence, hash_, mac = head_after
    if mac is not None and mac != head_mac(chain=chain, sequence=sequence, hash_=hash_):
        return broken(
            max(last_sequence, 1),
            "the chain head's MAC does not match it (head rewritten, e.g. wound back to hide "
            "records cut off the end).",
        )
    return ChainResult(chain, True, checked, last_sequence, last_hash)


def _check_legacy_anchor(legacy: ChainResult) -> ChainResult:
    """The legacy chain is unkeyed: its last link is fixed by a keyed platform record."""
    if not legacy.ok:
        return legacy
    anchor = (
        AuditRecord.objects.filter(
            chain=PLATFORM_CHAIN, action=LEGACY_ANCHOR_ACTION, sequence__isnull=False
        )
        .values_list("data", flat=True)
        .first()
    )
    if anchor is None:
        if legacy.records == 0:
            return legacy
        problem = "no platform record anchors it (legacy chain rewritten or anchor removed)."
    elif (anchor.get("sequence"), anchor.get("hash")) != (legacy.head_sequence, legacy.head_hash):
        problem = (
            f"its last link differs from the one anchored in the platform chain "
            f"(record {anchor.get('sequence')}, {str(anchor.get('hash'))[:16]}): rewritten."
        )
    else:
        return legacy
    return ChainResult(
        legacy.chain, False, legacy.records, legacy.head_sequence, legacy.head_hash,
        legacy.head_sequence, problem,
    )  # fmt: skip


def _check_pending(chain: str, *, chunk_size: int) -> tuple[int, ChainResult | None]:
    rows = (
        AuditRecord.objects.filter(chain=chain, sequence__isnull=True)
        .order_by("id")
        .values_list(*FIELDS, named=True)
    )
    count = 0
    for row in rows.iterator(chunk_size=chunk_size):
        count += 1
        problem = (
            "a record was added to the frozen legacy chain."
            if row.chain == LEGACY_CHAIN
            else _edited(row)
        )
        if problem:
            result = ChainResult(chain, False, 0, 0, GENESIS_HASH, None, f"id {row.pk}: {problem}")
            return count, result
    return count, None


def chain_keys() -> list[str]:
    in_records = AuditRecord.objects.order_by().values_list("chain", flat=True).distinct()
    keys = set(AuditChain.objects.values_list("key", flat=True)) | set(in_records)
    # An anchored legacy chain is checked even if every trace of it is gone.
    if AuditRecord.objects.filter(chain=PLATFORM_CHAIN, action=LEGACY_ANCHOR_ACTION).exists():
        keys.add(LEGACY_CHAIN)
    return sorted(keys)


def _with_export(
    results: list[ChainResult], export: LatestExport, *, every_chain: bool
) -> list[ChainResult]:
    """Mark the chains that fall short of the latest head export; add its bad lines."""
    walked = {result.chain for result in results}
    verified = {r.chain: (r.head_sequence, r.head_hash) for r in results if r.ok}
    findings = compare(export, verified=verified, walked=walked)
    if every_chain:
        findings += missing_chains(export, present=walked)
    found = {finding.chain: finding for finding in findings}
    merged = [
        ChainResult(r.chain, False, r.records, r.head_sequence, r.head_hash, f.broken_at, f.problem)
        if (f := found.get(r.chain))
        else r
        for r in results
    ]
    merged += [
        ChainResult(f.chain, False, 0, 0, GENESIS_HASH, f.broken_at, f.problem)
        for f in findings
        if f.chain not in walked
    ]
    merged += [
        ExportLineProblem(bad.chain or "unknown chain", False, 0, 0, GENESIS_HASH, None,
                          bad.problem, file=bad.file, line=bad.number)
        for bad in export.bad_lines
        if every_chain or bad.chain in walked
    ]  # fmt: skip
    return merged


def _export_summary(export: LatestExport) -> str:
    if export.file is None:
        return f"No head export yet in {export_dir()}: nothing outside the database to compare."
    return (
        f"Compared with the head export of {export.exported_at} "
        f"({len(export.heads)} chains, {export.file.name})."
    )


def verify_chain(*, chunk_size: int = 2000, chains: list[str] | None = None) -> VerifyResult:
    """Check every chain (or the named ones): links, seals, heads and pending records, then
    each chain against the latest head export outside the database."""
    # Read first: every head the walk reads afterwards is at least as new as any exported.
    export = read_latest()
    results, pending = [], 0
    for chain in chains if chains is not None else chain_keys():
        result = _walk(chain, chunk_size=chunk_size)
        if chain == LEGACY_CHAIN:
            result = _check_legacy_anchor(result)
        count, pending_problem = _check_pending(chain, chunk_size=chunk_size)
        pending += count
        results.append(result if not result.ok or pending_problem is None else pending_problem)
    results = _with_export(results, export, every_chain=chains is None)
    return VerifyResult(chains=tuple(results), pending=pending, export=_export_summary(export))
