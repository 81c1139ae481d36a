import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accessprogram.access.scanning import KIND, SKIPPED_DIRECTORIES, scan

EXIT_FOUND = 1
DIRECTORY_REASONS = set(SKIPPED_DIRECTORIES.values())
EXIT_ERROR = 2  # distinct from "found", so CI can tell a leak from a broken invocation


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "Scan files and directories for platform API tokens (checksum-verified, so no false "
        "positives), in text, binaries, UTF-16 and base64. Prints where each one is, masked, and "
        "what was not scanned; exits 1 if any is found, 0 otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print one JSON document."
        )

    def handle(self, *args, paths, as_json=False, **options):
        missing = [path for path in paths if not Path(path).exists()]
        if missing:
            raise CommandError(
                f"No such file or directory: {', '.join(missing)}", returncode=EXIT_ERROR
            )
        result = scan(Path(path) for path in paths)
        if as_json:
            self._print_json(result)
        else:
            self._print_text(result)
        if result.findings:
            raise SystemExit(EXIT_FOUND)

    def _print_text(self, result):
        for finding in result.findings:
            how = "" if finding.encoding == "text" else f", {finding.encoding}"
            self.stdout.write(
                f"{finding.path}:{finding.line}:{finding.column}: "
                f"{finding.token_prefix}… ({KIND}{how})"
            )
        for skipped in result.skipped:
            self.stdout.write(f"skipped {skipped['path']}: {skipped['reason']}")
        for problem in result.unreadable:
            self.stderr.write(f"could not read {problem}")
        count = len(result.findings)
        files = len({finding.path for finding in result.findings})
        summary = (
            f"{_plural(count, 'platform API token')} found in {_plural(files, 'file')}"
            if count
            else "No platform API tokens found"
        )
        scanned = _plural(result.files_scanned, "file") + " scanned"
        if result.skipped:
            scanned += f", {len(result.skipped)} skipped"
        self.stdout.write(f"{summary} ({scanned}).")
        if count:
            self.stdout.write(
                "Revoke each one now (API tokens page, or the console) and remove it from the "
                "file and its history."
            )

    def _print_json(self, result):
        document = {
            "findings": [finding.as_dict() for finding in result.findings],
            "count": len(result.findings),
            "files_scanned": result.files_scanned,
            "skipped_directories": [s for s in result.skipped if s["reason"] in DIRECTORY_REASONS],
            "skipped": result.skipped,
            "unreadable": result.unreadable,
        }
        self.stdout.write(json.dumps(document, indent=2))
