"""Trace a video found in the wild to the rendition, generation and tester it came from."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from generation.provenance.trace import trace_file


class Command(BaseCommand):
    help = "Read the forensic payload and C2PA manifest of FILE and report whose it is."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the report as JSON."
        )

    def handle(self, *args, file: Path, as_json: bool = False, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        report = trace_file(file)
        data = report.as_dict()
        if as_json:
            self.stdout.write(json.dumps(data, indent=2, sort_keys=True))
        else:
            self.stdout.write(_text(data))
        if not report.traced:
            raise SystemExit(1)


def _text(data: dict) -> str:
    lines = []
    forensic = data["forensic"]
    if forensic:
        lines.append(
            f"Forensic payload: {forensic['payload']} (confidence {forensic['confidence']}, "
            f"{forensic['frames_used']} frames)"
        )
    else:
        lines.append("Forensic payload: none found")
    if data["traced"]:
        rendition, generation = data["rendition"], data["generation"]
        lines += [
            f"TRACED (by {data['matched_by']})",
            f"  Tester:     {data['tester']['username']} <{data['tester']['email']}>",
            f"  Program:    {data['program']['name']} ({data['program']['slug']})",
            f"  Generation: {generation['id']} — {generation['prompt'][:80]}",
            f"  Rendition:  {rendition['kind']} #{rendition['id']}, forensic id "
            f"{rendition['forensic_id']}, made {rendition['ready_at'] or rendition['created_at']}",
            f"  Exact copy of what we served: {'yes' if rendition['exact_copy'] else 'no'}",
        ]
        approval = data["approval"]
        if approval:
            lines.append(
                f"  Approval:   share request {approval['share_request_id']} is "
                f"{approval['status']}; public link live: {approval.get('link_live', False)}"
            )
    else:
        lines.append("NOT TRACED: no rendition of ours matches this file.")
    manifest = data["manifest"]
    if manifest:
        lines.append(
            f"C2PA manifest: {manifest['validation_state']} ({manifest['label']}), "
            f"claim generator {manifest['claim_generator']}"
        )
    else:
        lines.append("C2PA manifest: none")
    lines += [f"Note: {note}" for note in data["notes"]]
    return "\n".join(lines)
