import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accessprogram.access.scanning import KIND, scan

EXIT_FOUND = 1
EXIT_ERROR = 2  # distinct from "found", so CI can tell a leak from a broken invocation


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "Scan files and directories for platform API tokens (checksum-verified, so no false "
        "positives). Prints where each one is, masked; exits 1 if any is found, 0 otherwise."
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
            self.stdout.write(
                f"{finding.path}:{finding.line}:{finding.column}: {finding.token_prefix}… ({KIND})"
            )
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
        if result.binary_files_skipped:
            scanned += f", {result.binary_files_skipped} binary skipped"
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
            "binary_files_skipped": result.binary_files_skipped,
            "unreadable": result.unreadable,
        }
        self.stdout.write(json.dumps(document, indent=2))
