"""Find platform API tokens in files, the way a secret scanner does.

The shape (`eap_` + 36 base62 characters) finds candidates; the checksum keeps only real tokens,
so look-alikes, typos and truncated copies are not reported. Findings never carry the secret.
"""

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import tokens

TOKEN_PATTERN = re.compile(
    rf"(?<![0-9A-Za-z]){re.escape(tokens.PREFIX)}"
    rf"[0-9A-Za-z]{{{tokens.RANDOM_LENGTH + tokens.CHECKSUM_LENGTH}}}(?![0-9A-Za-z])"
)
SKIPPED_DIRECTORIES = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".mypy_cache"}
)
BINARY_SNIFF_BYTES = 8192
KIND = "platform API token"


@dataclass(frozen=True)
class Finding:
    path: str
    line: int  # 1-based
    column: int  # 1-based, in characters
    token_prefix: str  # what may be shown: tokens.display_prefix, never the whole secret

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "token_prefix": self.token_prefix,
            "kind": KIND,
        }


def find_in_text(text: str) -> Iterator[tuple[int, str]]:
    """(offset, secret) of each checksum-valid token in one line or blob of text."""
    for match in TOKEN_PATTERN.finditer(text):
        if tokens.is_well_formed(match.group()):
            yield match.start(), match.group()


def is_binary(path: Path) -> bool:
    with path.open("rb") as handle:
        return b"\0" in handle.read(BINARY_SNIFF_BYTES)


def scan_file(path: Path) -> list[Finding]:
    findings = []
    # Tokens are ASCII, so undecodable bytes elsewhere may be replaced without missing one.
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            if tokens.PREFIX not in line:
                continue
            findings.extend(
                Finding(str(path), number, offset + 1, tokens.display_prefix(secret))
                for offset, secret in find_in_text(line)
            )
    return findings


def files_under(paths: Iterable[Path]) -> Iterator[Path]:
    """Regular files named or found below the given paths, skipping VCS and dependency trees.

    A file named explicitly is scanned wherever it is; symlinked directories are not followed."""
    for path in paths:
        if path.is_file():
            yield path
            continue
        for root, directories, files in os.walk(path):
            directories[:] = sorted(d for d in directories if d not in SKIPPED_DIRECTORIES)
            for name in sorted(files):
                candidate = Path(root, name)
                if candidate.is_file():  # not sockets, fifos or dangling links
                    yield candidate


@dataclass
class ScanResult:
    findings: list[Finding]
    files_scanned: int = 0
    binary_files_skipped: int = 0
    unreadable: list[str] | None = None


def scan(paths: Iterable[Path]) -> ScanResult:
    result = ScanResult(findings=[], unreadable=[])
    for path in files_under(paths):
        try:
            if is_binary(path):
                result.binary_files_skipped += 1
                continue
            result.findings.extend(scan_file(path))
        except OSError as error:
            result.unreadable.append(f"{path}: {error.strerror or error}")
            continue
        result.files_scanned += 1
    return result
