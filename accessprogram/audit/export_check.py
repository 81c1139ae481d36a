"""What the latest head export says about the database's chains (audit_verify's last step).

The walk (audit.verify) proves each chain consistent with itself and its head row. Someone
holding the key, or a restored backup, can make both consistent again after cutting records
or rewriting and re-hashing them. The export, outside the database, still names a head the
chain once had: the chain must still reach it, with the same hash.
"""

from dataclasses import dataclass

from .head_export import LatestExport
from .models import AuditRecord

RESET_HINT = (
    "in development this also happens when the database is recreated without clearing "
    "AUDIT_HEAD_EXPORT_DIR (see docs/audit.md)"
)


@dataclass(frozen=True)
class Finding:
    chain: str
    broken_at: int | None
    problem: str


def _hash_at(chain: str, sequence: int) -> str | None:
    return (
        AuditRecord.objects.filter(chain=chain, sequence=sequence)
        .values_list("hash", flat=True)
        .first()
    )


def compare(
    export: LatestExport, *, verified: dict[str, tuple[int, str]], walked: set[str]
) -> list[Finding]:
    """Findings for the exported chains among `walked`.

    `verified` maps each chain whose walk passed to its last record's (sequence, hash); a
    broken chain already has its own report and is not compared again.
    """
    findings = []
    for chain, exported in sorted(export.heads.items()):
        if chain not in walked or chain not in verified or exported.sequence == 0:
            continue
        seen = f"the head export of {exported.exported_at} names record {exported.sequence}"
        last_sequence, last_hash = verified[chain]
        if last_sequence < exported.sequence:
            where = f"record {last_sequence}" if last_sequence else "no record (chain emptied)"
            findings.append(
                Finding(
                    chain,
                    last_sequence + 1,
                    f"{seen}, but the chain ends at {where}: records cut off the end and the "
                    f"head wound back ({RESET_HINT}).",
                )
            )
            continue
        if last_sequence == exported.sequence:
            found = last_hash
        else:
            found = _hash_at(chain, exported.sequence)
        if found != exported.hash:
            findings.append(
                Finding(
                    chain,
                    exported.sequence,
                    f"{seen} with hash {exported.hash[:16]}, but the record now has "
                    f"{str(found)[:16]}: the chain was rewritten and re-hashed.",
                )
            )
    return findings


def missing_chains(export: LatestExport, *, present: set[str]) -> list[Finding]:
    """Exported chains of which the database holds nothing at all (records and head removed)."""
    return [
        Finding(
            chain,
            1,
            f"the head export of {exported.exported_at} names record {exported.sequence}, but "
            f"the chain is not in the database: its records and head were removed ({RESET_HINT}).",
        )
        for chain, exported in sorted(export.heads.items())
        if chain not in present and exported.sequence > 0
    ]
