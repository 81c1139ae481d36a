"""Chain heads copied outside the database, so that rewriting the table shows.

Every AUDIT_HEAD_EXPORT_SECONDS (beat, `audit.export_heads`) or on `manage.py
audit_export_heads`, one JSON line per chain is appended to the day's file
`heads-YYYY-MM-DD.jsonl` (UTC) under AUDIT_HEAD_EXPORT_DIR: chain, sequence, hash, exported_at
and an HMAC over them. Files are only ever appended to, one write per export (O_APPEND, then
fsync), so a crash leaves whole lines and older lines are never rewritten.

An export never moves a chain's exported head backwards: if the database no longer holds the
record the latest export named (records cut, or rewritten and re-hashed), that chain's previous
line is written again, marked `held`, and an error is logged. So the newest file always names
the furthest head ever seen for every chain, and `audit_verify` compares the database with it.
"""

import datetime
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .hashing import export_mac, head_mac
from .models import AuditChain, AuditRecord

logger = logging.getLogger(__name__)

FILE_PREFIX, FILE_SUFFIX = "heads-", ".jsonl"


@dataclass(frozen=True)
class ExportedHead:
    chain: str
    sequence: int
    hash: str
    exported_at: str
    held: str = ""  # why the export kept this head instead of the database's (empty if it did not)

    def line(self) -> dict:
        line = {
            "chain": self.chain,
            "sequence": self.sequence,
            "hash": self.hash,
            "exported_at": self.exported_at,
        }
        if self.held:
            line["held"] = self.held
        return {**line, "mac": export_mac(line)}


@dataclass(frozen=True)
class BadLine:
    file: str
    number: int
    chain: str
    problem: str


@dataclass(frozen=True)
class LatestExport:
    """The newest export file: the last good line of each chain, and every line that is not."""

    file: Path | None
    heads: dict[str, ExportedHead]
    bad_lines: tuple[BadLine, ...]

    @property
    def exported_at(self) -> str:
        return max((head.exported_at for head in self.heads.values()), default="")


def export_dir() -> Path:
    return Path(settings.AUDIT_HEAD_EXPORT_DIR)


def day_file(moment: datetime.datetime, directory: Path | None = None) -> Path:
    day = moment.astimezone(datetime.UTC).date()
    return (directory or export_dir()) / f"{FILE_PREFIX}{day.isoformat()}{FILE_SUFFIX}"


def _newest_file(directory: Path) -> Path | None:
    if not directory.is_dir():
        return None
    files = sorted(directory.glob(f"{FILE_PREFIX}*{FILE_SUFFIX}"))  # ISO dates sort by day
    return files[-1] if files else None


def _parse(text: str) -> tuple[ExportedHead | None, str, str]:
    """(head, chain, problem): a head if the line is well formed and its MAC matches."""
    try:
        line = json.loads(text)
        head = ExportedHead(
            chain=line["chain"],
            sequence=line["sequence"],
            hash=line["hash"],
            exported_at=line["exported_at"],
            held=line.get("held", ""),
        )
        mac = line["mac"]
    except (ValueError, KeyError, TypeError):
        return None, "", "unreadable (not a head export line)."
    kinds = (str, int, str, str, str)
    values = (head.chain, head.sequence, head.hash, head.exported_at, head.held)
    if not all(type(value) is kind for value, kind in zip(values, kinds, strict=True)):
        return None, "", "unreadable (a field has the wrong type)."
    if not isinstance(mac, str) or mac != export_mac(line):
        return None, head.chain, "its MAC does not match (export line altered or forged)."
    return head, head.chain, ""


def read_latest(directory: Path | None = None) -> LatestExport:
    """Read the newest day file, checking every line's MAC."""
    newest = _newest_file(directory or export_dir())
    if newest is None:
        return LatestExport(None, {}, ())
    heads, bad = {}, []
    with newest.open(encoding="utf-8", errors="replace") as lines:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            head, chain, problem = _parse(text)
            if head is None:
                bad.append(BadLine(newest.name, number, chain, problem))
            else:
                heads[head.chain] = head  # later lines are later exports
    return LatestExport(newest, heads, tuple(bad))


def _record_hash(chain: str, sequence: int) -> str | None:
    if sequence == 0:
        return None
    return (
        AuditRecord.objects.filter(chain=chain, sequence=sequence)
        .values_list("hash", flat=True)
        .first()
    )


def _why_hold(previous: ExportedHead | None, head: AuditChain | None) -> str:
    """Why the database's head must not replace the exported one ("" when it may)."""
    if head is None:
        return "the chain's head is gone from the database."
    if head.mac != head_mac(chain=head.key, sequence=head.sequence, hash_=head.hash):
        return f"the database head (record {head.sequence}) fails its MAC."
    if previous is None or previous.sequence == 0:
        return ""
    if head.sequence < previous.sequence:
        return f"the database head is at record {head.sequence}, behind the exported one."
    if head.sequence == previous.sequence:
        found = head.hash
    else:
        found = _record_hash(head.key, previous.sequence)
    if found != previous.hash:
        return f"record {previous.sequence} no longer has the exported hash."
    return ""


def _heads_to_export(previous: dict[str, ExportedHead], now: str) -> list[ExportedHead]:
    in_database = {head.key: head for head in AuditChain.objects.order_by("key")}
    exported = []
    for chain in sorted(set(in_database) | set(previous)):
        before, head = previous.get(chain), in_database.get(chain)
        reason = _why_hold(before, head)
        if not reason:
            exported.append(ExportedHead(chain, head.sequence, head.hash, now))
        elif before is not None:
            logger.error("Audit head export holds chain %s at record %s: %s",
                         chain, before.sequence, reason)  # fmt: skip
            exported.append(ExportedHead(chain, before.sequence, before.hash, now, held=reason))
        else:
            logger.error("Audit head export skips chain %s: %s", chain, reason)
    return exported


def _append(path: Path, data: bytes) -> None:
    """One O_APPEND write then fsync: whole lines after any crash, older lines untouched."""
    created = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        written = os.write(descriptor, data)
        if written != len(data):  # a full disk: say so rather than leave half a line unnoticed
            raise OSError(f"short write to {path}: {written} of {len(data)} bytes")
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if created:  # the new file's directory entry must survive a crash too
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


@dataclass(frozen=True)
class ExportRun:
    file: Path
    heads: tuple[ExportedHead, ...]

    @property
    def held(self) -> tuple[ExportedHead, ...]:
        return tuple(head for head in self.heads if head.held)


def export_heads(*, now: datetime.datetime | None = None) -> ExportRun:
    """Append every chain's head to today's file (see the module docstring)."""
    moment = now or timezone.now()
    stamp = moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    heads = _heads_to_export(read_latest().heads, stamp)
    path = day_file(moment)
    if heads:
        lines = (json.dumps(head.line(), sort_keys=True) + "\n" for head in heads)
        _append(path, "".join(lines).encode())
    return ExportRun(path, tuple(heads))
