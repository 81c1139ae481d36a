"""Writes for renditions: request them, build them (in Celery), mark them ready or failed.

A rendition row is created pending in the caller's transaction and its build is enqueued after
commit. The build is idempotent and safe to run twice at once: each attempt writes its own
file under a fresh random key, and only the attempt that flips the row from pending to ready
keeps its file.
"""

import logging
import secrets
import tempfile
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accessprogram.audit.services import record

from ..models import Generation, Rendition, new_rendition_key
from ..signals import preview_ready
from ..storage import VideoFacts, describe_video
from . import credentials, ingredients
from .forensic import PAYLOAD_BITS

logger = logging.getLogger(__name__)

ALLOCATION_ATTEMPTS = 8


class RenditionUnavailable(Exception):
    """The generation has no finished original to make a rendition from."""


class RenditionImpossible(Exception):
    """A build that cannot succeed by trying again (no original, no signing certificate)."""


def new_forensic_id() -> int:
    return secrets.randbelow(2**PAYLOAD_BITS - 1) + 1  # 1 .. 2**PAYLOAD_BITS - 1


def _enqueue_build(rendition: Rendition) -> None:
    from .tasks import build_rendition  # the task calls these services: import late

    transaction.on_commit(partial(build_rendition.delay, rendition.pk))


def _get_or_create(*, generation: Generation, kind: str, approval_ref: str = "", **fields):
    """The rendition for (generation, kind, approval_ref), created pending if missing.

    Returns (rendition, created). A random forensic id that collides is drawn again."""
    lookup = {"generation": generation, "kind": kind, "approval_ref": approval_ref}
    for _ in range(ALLOCATION_ATTEMPTS):
        existing = Rendition.objects.filter(**lookup).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():  # a savepoint: a collision must not spoil the caller's
                rendition = Rendition.objects.create(
                    **lookup, forensic_id=new_forensic_id(), **fields
                )
            return rendition, True
        except IntegrityError:
            continue  # made concurrently (found on the next turn) or the id was taken
    raise RuntimeError("could not allocate a unique forensic id")


def _require_original(generation: Generation) -> None:
    if generation.status != Generation.Status.COMPLETED or not hasattr(generation, "asset"):
        raise RenditionUnavailable(f"{generation.public_id} has no finished video.")


@transaction.atomic
def ensure_preview(*, generation: Generation) -> Rendition:
    """The generation's preview rendition, requested (and its build enqueued) if missing."""
    _require_original(generation)
    rendition, created = _get_or_create(generation=generation, kind=Rendition.Kind.PREVIEW)
    if created:
        _enqueue_build(rendition)
    return rendition


@transaction.atomic
def publish_rendition(*, generation: Generation, approval_ref: str, approved_by) -> Rendition:
    """The rendition an approved share request publishes; one per approval (idempotent)."""
    _require_original(generation)
    approval_ref = str(approval_ref)
    if not approval_ref:
        raise ValueError("a published rendition needs the approval it was made for")
    rendition, created = _get_or_create(
        generation=generation,
        kind=Rendition.Kind.PUBLISHED,
        approval_ref=approval_ref,
        approved_by=approved_by,
        approved_at=timezone.now(),
    )
    if created:
        _enqueue_build(rendition)
        record(
            action="rendition.requested",
            target=generation,
            actor=approved_by,
            kind=rendition.kind,
            approval_ref=approval_ref,
            forensic_id=rendition.forensic_id,
        )
    return rendition


@transaction.atomic
def retry_rendition(*, rendition: Rendition, actor=None) -> bool:
    """Send a failed rendition back to be built. False when it had not failed."""
    retried = Rendition.objects.filter(pk=rendition.pk, status=Rendition.Status.FAILED).update(
        status=Rendition.Status.PENDING, error="", progress=0
    )
    if retried:
        _enqueue_build(rendition)
        record(action="rendition.retried", target=rendition.generation, actor=actor)
    return bool(retried)


# --- Building (called by the Celery task) --------------------------------------------------


def _manifest_facts(rendition: Rendition, *, work: Path) -> credentials.ManifestFacts:
    generation = rendition.generation
    approval = None
    if rendition.kind == Rendition.Kind.PUBLISHED:
        approver = rendition.approved_by
        approval = {
            "share_request_id": rendition.approval_ref,
            "approved_by": approver.get_username() if approver else None,
            "approved_at": rendition.approved_at.isoformat() if rendition.approved_at else None,
        }
    return credentials.ManifestFacts(
        generation_public_id=generation.public_id,
        model=generation.model,
        program=generation.program.slug,
        rendition_kind=rendition.kind,
        forensic_id=rendition.forensic_id,
        approval=approval,
        derived_from=ingredients.derivation(generation),
        ingredients=ingredients.collect(generation, work=work),
    )


def build_rendition(*, rendition_id: int) -> Rendition | None:
    """Render, sign and store one rendition; None when there was nothing (left) to do."""
    from .pipeline import render_rendition  # numpy and PyAV: loaded by workers only
    from .visible import VisibleMark

    rendition = (
        Rendition.objects.select_related("generation__program", "generation__source", "approved_by")
        .filter(pk=rendition_id)
        .first()
    )
    if rendition is None or rendition.status != Rendition.Status.PENDING:
        return None
    Rendition.objects.filter(pk=rendition.pk).update(attempts=F("attempts") + 1)
    generation = rendition.generation
    asset = getattr(generation, "asset", None)
    if asset is None or not default_storage.exists(asset.storage_key):
        raise RenditionImpossible("The original video is no longer stored.")
    try:
        material = credentials.load_signing_material(settings)
    except credentials.CredentialsUnavailable as error:
        raise RenditionImpossible(str(error)) from error
    program = generation.program
    mark = VisibleMark(
        text=program.name,
        position=program.watermark_position,
        opacity=program.watermark_opacity / 100,
    )
    with tempfile.TemporaryDirectory(prefix="rendition-") as work:
        original, marked, signed = (Path(work) / n for n in ("in.mp4", "mark.mp4", "out.mp4"))
        with default_storage.open(asset.storage_key, "rb") as stored, open(original, "wb") as out:
            for chunk in iter(lambda: stored.read(1024 * 1024), b""):
                out.write(chunk)
        render_rendition(
            source=original,
            destination=marked,
            payload=rendition.forensic_id,
            mark=mark,
            on_frame=_progress_recorder(rendition.pk),
        )
        # A preview's thumbnail and spritesheet are cut from the same marked frames.
        extra = _store_posters(rendition, marked=marked, mark=mark, work=Path(work))
        try:
            label = credentials.sign_video(
                source=marked,
                destination=signed,
                facts=_manifest_facts(rendition, work=Path(work)),
                material=material,
            )
        except credentials.CredentialsUnavailable as error:  # a bad certificate stays bad
            raise RenditionImpossible(str(error)) from error
        key = new_rendition_key(generation.program_id)
        with open(signed, "rb") as handle:
            facts = describe_video(handle)  # what is stored, probed and hashed as it is
            key = default_storage.save(key, File(handle, name=key))
    return _mark_ready(rendition, key=key, label=label, facts=facts, extra=extra)


def _store_posters(rendition: Rendition, *, marked: Path, mark, work: Path) -> dict:
    """Store a preview's thumbnail and spritesheet; the columns to set with it ({} otherwise)."""
    from .posters import make_posters

    if rendition.kind != Rendition.Kind.PREVIEW:
        return {}
    posters = make_posters(video=marked, directory=work, mark=mark)
    keys = {}
    for name, path in (
        ("thumbnail_key", posters.thumbnail),
        ("spritesheet_key", posters.spritesheet),
    ):
        key = new_rendition_key(rendition.generation.program_id).removesuffix(".mp4") + ".jpg"
        with open(path, "rb") as handle:
            keys[name] = default_storage.save(key, File(handle, name=key))
    return {**keys, "spritesheet_layout": posters.layout.as_dict()}


# Marking the frames is most of a build; signing and storing the rest (about a tenth).
MARKING_SHARE = 90
PROGRESS_STEP = 5  # percent between writes: a few updates a second at most, not one a frame


def _progress_recorder(rendition_id: int):
    """on_frame for render_rendition: store the build's progress as it passes each step."""
    stored = 0

    def on_frame(done: int, total: int) -> None:
        nonlocal stored
        percent = min(MARKING_SHARE, done * MARKING_SHARE // total) if total else 0
        if percent - stored >= PROGRESS_STEP or (percent == MARKING_SHARE > stored):
            stored = percent
            Rendition.objects.filter(pk=rendition_id, status=Rendition.Status.PENDING).update(
                progress=percent
            )

    return on_frame


def _mark_ready(
    rendition: Rendition, *, key: str, label: str, facts: VideoFacts, extra: dict
) -> Rendition | None:
    with transaction.atomic():
        flipped = Rendition.objects.filter(pk=rendition.pk, status=Rendition.Status.PENDING).update(
            status=Rendition.Status.READY,
            storage_key=key,
            manifest_label=label,
            **facts.columns(model=Rendition),
            error="",
            ready_at=timezone.now(),
            progress=100,
            **extra,
        )
        if not flipped:  # another attempt finished first: keep its files, drop ours
            for stored in (key, extra.get("thumbnail_key"), extra.get("spritesheet_key")):
                if stored:
                    transaction.on_commit(partial(_delete_file, stored))
            return None
        rendition.refresh_from_db()
        record(
            action="rendition.ready",
            target=rendition.generation,
            kind=rendition.kind,
            forensic_id=rendition.forensic_id,
            approval_ref=rendition.approval_ref,
            sha256=facts.sha256,
        )
        if rendition.kind == Rendition.Kind.PREVIEW:
            preview_ready.send_robust(sender=Rendition, generation=rendition.generation)
    return rendition


@transaction.atomic
def mark_failed(*, rendition_id: int, error: str) -> bool:
    rendition = Rendition.objects.select_related("generation__program").get(pk=rendition_id)
    failed = Rendition.objects.filter(pk=rendition_id, status=Rendition.Status.PENDING).update(
        status=Rendition.Status.FAILED, error=error[:500]
    )
    if failed:
        record(
            action="rendition.failed",
            target=rendition.generation,
            kind=rendition.kind,
            forensic_id=rendition.forensic_id,
            error=error[:500],
        )
    return bool(failed)


def _delete_file(key: str) -> None:
    try:
        default_storage.delete(key)
    except OSError:
        logger.exception("could not delete %s", key)
