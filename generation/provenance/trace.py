"""Tracing a video found in the wild back to its rendition, generation and tester.

Two independent witnesses: the invisible forensic payload (survives re-encoding, scaling and
stripping of metadata) and the C2PA manifest (present only on an untouched or carefully edited
copy, but signed). The forensic payload is read first; a valid manifest naming a forensic id is
used when the payload cannot be read.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings

from ..models import Rendition
from . import credentials
from .selectors import rendition_by_forensic_id


@dataclass
class TraceReport:
    file_sha256: str
    payload: int | None = None
    confidence: float | None = None
    frames_used: int = 0
    manifest: dict | None = None
    matched_by: str | None = None  # "forensic" or "manifest"
    rendition: Rendition | None = None
    approval: dict | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def traced(self) -> bool:
        return self.rendition is not None

    @property
    def exact_copy(self) -> bool:
        """Byte for byte the file we served."""
        return self.traced and self.rendition.sha256 == self.file_sha256

    def as_dict(self) -> dict:
        data = {
            "traced": self.traced,
            "matched_by": self.matched_by,
            "file_sha256": self.file_sha256,
            "forensic": None
            if self.payload is None
            else {
                "payload": self.payload,
                "confidence": self.confidence,
                "frames_used": self.frames_used,
            },
            "manifest": self.manifest,
            "notes": self.notes,
        }
        if self.traced:
            rendition = self.rendition
            generation = rendition.generation
            tester = generation.tester
            data.update(
                rendition={
                    "id": rendition.pk,
                    "kind": rendition.kind,
                    "forensic_id": rendition.forensic_id,
                    "status": rendition.status,
                    "created_at": rendition.created_at.isoformat(),
                    "ready_at": rendition.ready_at.isoformat() if rendition.ready_at else None,
                    "exact_copy": self.exact_copy,
                    "approval_ref": rendition.approval_ref or None,
                },
                generation={
                    "id": generation.public_id,
                    "prompt": generation.prompt,
                    "model": generation.model,
                    "created_at": generation.created_at.isoformat(),
                    "deleted": generation.deleted_at is not None,
                },
                tester={"username": tester.get_username(), "email": tester.email},
                program={"slug": generation.program.slug, "name": generation.program.name},
                approval=self.approval,
            )
        return data


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _trust_anchors() -> bytes | None:
    path = settings.C2PA_TRUST_ANCHORS_PATH
    if path and Path(path).exists():
        return Path(path).read_bytes()
    return None


def approval_state(rendition: Rendition) -> dict | None:
    """Where the approval behind a published rendition stands now: the share request's status
    and whether a live public link exists. Looked up by model name, since generation sits below
    review and may not import it; None for previews (or without the review app)."""
    if rendition.kind != Rendition.Kind.PUBLISHED or not rendition.approval_ref.isdigit():
        return None
    try:
        share_requests = apps.get_model("review", "ShareRequest")
    except LookupError:
        return None
    share_request = share_requests.objects.filter(pk=int(rendition.approval_ref)).first()
    if share_request is None:
        return {"share_request_id": rendition.approval_ref, "status": "missing"}
    links = list(share_request.links.all())
    return {
        "share_request_id": rendition.approval_ref,
        "status": share_request.status,
        "decided_at": share_request.decided_at.isoformat() if share_request.decided_at else None,
        "link_live": any(link.is_live() for link in links),
        "links": len(links),
    }


def trace_file(path) -> TraceReport:
    """Read the forensic payload and the manifest of the video at `path`; find the rendition."""
    from .forensic import read_payload  # numpy and PyAV: loaded when someone traces

    path = Path(path)
    report = TraceReport(file_sha256=_sha256(path))
    try:
        detected = read_payload(str(path))
    except Exception as error:  # a file no decoder understands: say so, do not crash
        detected = None
        report.notes.append(f"Could not decode the video: {error}")
    if detected is not None:
        report.payload = detected.payload
        report.confidence = round(float(detected.confidence), 4)
        report.frames_used = detected.frames_used
        report.rendition = rendition_by_forensic_id(forensic_id=detected.payload)
        if report.rendition is not None:
            report.matched_by = "forensic"
        else:
            report.notes.append("A forensic payload was read but no rendition carries it.")
    else:
        report.notes.append("No forensic payload could be read.")

    report.manifest = credentials.read_manifest(path, trust_anchors_pem=_trust_anchors())
    if report.manifest is None:
        report.notes.append("No C2PA manifest (stripped, or never signed by us).")
    else:
        claimed = (report.manifest.get("provenance") or {}).get("forensic_id")
        valid = report.manifest["validation_state"] in ("Valid", "Trusted")
        if report.rendition is None and valid and isinstance(claimed, int):
            report.rendition = rendition_by_forensic_id(forensic_id=claimed)
            if report.rendition is not None:
                report.matched_by = "manifest"
        elif report.rendition is not None and claimed not in (None, report.rendition.forensic_id):
            report.notes.append("The manifest names a different rendition than the payload.")
    if report.rendition is not None:
        report.approval = approval_state(report.rendition)
    return report
