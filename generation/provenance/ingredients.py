"""What a rendition's C2PA manifest names as its ingredients, copied where the signer reads them.

A remix, edit or extension names its source's watermarked preview (`parentOf`; that preview's
own manifest then travels inside this one, so the chain of derivations stays readable); an
uploaded input_reference and the character clips a prompt named are `inputTo` ingredients. The
private original of a source is never embedded."""

from pathlib import Path

from django.core.files.storage import default_storage

from ..models import Generation, Rendition
from .credentials import Ingredient


def _copy(key: str, destination: Path) -> Path:
    with default_storage.open(key, "rb") as stored, open(destination, "wb") as out:
        for chunk in iter(lambda: stored.read(1024 * 1024), b""):
            out.write(chunk)
    return destination


def derivation(generation: Generation) -> dict | None:
    if generation.kind == Generation.Kind.CREATE or generation.source_id is None:
        return None
    return {"kind": generation.kind, "video_id": generation.source.public_id}


def collect(generation: Generation, *, work: Path) -> tuple[Ingredient, ...]:
    found = []
    if generation.source_id is not None:
        preview = (
            Rendition.objects.filter(
                generation_id=generation.source_id,
                kind=Rendition.Kind.PREVIEW,
                status=Rendition.Status.READY,
            )
            .exclude(storage_key="")
            .first()
        )
        if preview is not None and default_storage.exists(preview.storage_key):
            path = _copy(preview.storage_key, work / "source.mp4")
            title = f"{generation.source.public_id}.mp4"
            found.append(Ingredient(title, "parentOf", "video/mp4", path))
    elif generation.reference_key and default_storage.exists(generation.reference_key):
        suffix = Path(generation.reference_key).suffix
        path = _copy(generation.reference_key, work / f"reference{suffix}")
        found.append(
            Ingredient(f"input_reference{suffix}", "inputTo", generation.reference_type, path)
        )
    for character in generation.characters.all():
        path = _copy(character.clip_key, work / f"{character.public_id}.mp4")
        found.append(Ingredient(f"{character.name}.mp4", "inputTo", "video/mp4", path))
    return tuple(found)
