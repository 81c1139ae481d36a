"""Find platform API tokens in files, the way a secret scanner does.

The shape (`eap_` + 36 base62 characters) finds candidates; the checksum keeps only real tokens,
so look-alikes, typos and truncated copies are not reported. Findings never carry the secret.

A careless copy is not always plain text: every file is read as bytes and searched as UTF-8
(binaries too: tokens are ASCII, so they survive among undecodable bytes), as UTF-16 when it
has a byte-order mark or UTF-16-looking text, and inside base64 runs (a config blob, a data URL).
Dependency trees (node_modules, virtualenvs) are searched like anything else: a demo bundle is
exactly where a key gets left. Only version-control data and caches are passed over, and every
directory passed over is reported.
"""

import base64
import binascii
import codecs
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import tokens

TOKEN_PATTERN = re.compile(
    rf"(?<![0-9A-Za-z]){re.escape(tokens.PREFIX)}"
    rf"[0-9A-Za-z]{{{tokens.RANDOM_LENGTH + tokens.CHECKSUM_LENGTH}}}(?![0-9A-Za-z])"
)
# A base64 run long enough to hold a whole token (40 bytes -> 54 characters), standard or
# URL-safe alphabet, optional padding.
BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{54,}={0,2}")
SKIPPED_DIRECTORIES = {
    ".git": "version control data",
    ".hg": "version control data",
    ".svn": "version control data",
    "__pycache__": "bytecode cache",
    ".mypy_cache": "tool cache",
    ".pytest_cache": "tool cache",
    ".ruff_cache": "tool cache",
}
MAX_FILE_BYTES = 256 * 1024 * 1024  # larger files are reported as not scanned
UTF16_PREFIXES = (
    tokens.PREFIX.encode("utf-16-le"),
    tokens.PREFIX.encode("utf-16-be"),
)
KIND = "platform API token"


@dataclass(frozen=True)
class Finding:
    path: str
    line: int  # 1-based
    column: int  # 1-based, in characters of the encoding it was found in
    token_prefix: str  # what may be shown: tokens.display_prefix, never the whole secret
    encoding: str = "text"  # text, binary, utf-16 or base64 (where the token was seen)

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "token_prefix": self.token_prefix,
            "kind": KIND,
            "encoding": self.encoding,
        }


def find_in_text(text: str) -> Iterator[tuple[int, str]]:
    """(offset, secret) of each checksum-valid token in one line or blob of text."""
    if tokens.PREFIX not in text:
        return
    for match in TOKEN_PATTERN.finditer(text):
        if tokens.is_well_formed(match.group()):
            yield match.start(), match.group()


def _decoded_base64(run: str) -> str | None:
    run = run.rstrip("=")
    padded = run + "=" * (-len(run) % 4)
    decode = base64.urlsafe_b64decode if ("-" in run or "_" in run) else base64.b64decode
    try:
        return decode(padded).decode("latin-1")
    except (binascii.Error, ValueError):
        return None


def find_in_base64(text: str) -> Iterator[tuple[int, str]]:
    """(offset of the base64 run, secret) of each token encoded in a base64 run of `text`."""
    for match in BASE64_RUN.finditer(text):
        decoded = _decoded_base64(match.group())
        if decoded is not None:
            for _, secret in find_in_text(decoded):
                yield match.start(), secret


def _views(data: bytes) -> Iterator[tuple[str, str]]:
    """(encoding label, text) renderings of a file's bytes worth searching."""
    yield ("binary" if b"\0" in data[:8192] else "text"), data.decode("utf-8", errors="replace")
    bom = codecs.BOM_UTF16_LE if data.startswith(codecs.BOM_UTF16_LE) else None
    bom = codecs.BOM_UTF16_BE if data.startswith(codecs.BOM_UTF16_BE) else bom
    if bom is not None:
        codec = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
        yield "utf-16", data[len(bom) :].decode(codec, errors="replace")
    elif any(prefix in data for prefix in UTF16_PREFIXES):
        # UTF-16 without a mark (e.g. strings inside a Windows binary): both byte orders, both
        # alignments, since the text may start at an odd offset.
        for codec in ("utf-16-le", "utf-16-be"):
            for start in (0, 1):
                yield "utf-16", data[start:].decode(codec, errors="replace")


def _position(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def scan_bytes(data: bytes, *, path: str) -> list[Finding]:
    findings: dict[tuple, Finding] = {}
    for label, text in _views(data):
        found = [(offset, secret, label) for offset, secret in find_in_text(text)]
        found += [(offset, secret, "base64") for offset, secret in find_in_base64(text)]
        for offset, secret, encoding in found:
            line, column = _position(text, offset)
            finding = Finding(path, line, column, tokens.display_prefix(secret), encoding)
            findings.setdefault((secret, encoding, line, column), finding)
    return sorted(findings.values(), key=lambda f: (f.line, f.column, f.encoding))


def scan_file(path: Path) -> list[Finding]:
    return scan_bytes(path.read_bytes(), path=str(path))


@dataclass
class ScanResult:
    findings: list[Finding]
    files_scanned: int = 0
    unreadable: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"path", "reason"}, directories and files


def files_under(paths: Iterable[Path], result: ScanResult) -> Iterator[Path]:
    """Regular files named or found below the given paths. Version-control data and caches are
    passed over (and recorded in `result.skipped`); a file named explicitly is scanned wherever
    it is; symlinked directories are not followed."""
    for path in paths:
        if path.is_file():
            yield path
            continue
        for root, directories, files in os.walk(path):
            kept = []
            for name in sorted(directories):
                if name in SKIPPED_DIRECTORIES:
                    result.skipped.append(
                        {"path": str(Path(root, name)), "reason": SKIPPED_DIRECTORIES[name]}
                    )
                else:
                    kept.append(name)
            directories[:] = kept
            for name in sorted(files):
                candidate = Path(root, name)
                if candidate.is_file():  # not sockets, fifos or dangling links
                    yield candidate


def scan(paths: Iterable[Path]) -> ScanResult:
    result = ScanResult(findings=[])
    for path in files_under(paths, result):
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                result.skipped.append({"path": str(path), "reason": "file too large to scan"})
                continue
            result.findings.extend(scan_file(path))
        except OSError as error:
            result.unreadable.append(f"{path}: {error.strerror or error}")
            continue
        result.files_scanned += 1
    return result
