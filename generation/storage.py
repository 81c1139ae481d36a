"""Moving finished videos into Django's storage and describing them."""

import hashlib
import logging
from dataclasses import asdict, dataclass
from typing import IO

import av
from django.core.files import File
from django.core.files.storage import default_storage

from .models import Asset, Generation

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoFacts:
    """What a stored video is: its hash, size and stream properties (see describe_video)."""

    sha256: str
    bytes: int
    width: int
    height: int
    duration_seconds: float
    codec: str

    def columns(self, *, model) -> dict:
        """The facts `model` (Asset, Rendition) has columns for, as keyword arguments."""
        names = {field.name for field in model._meta.concrete_fields}
        return {name: value for name, value in asdict(self).items() if name in names}


class InvalidVideo(Exception):
    pass


def describe_video(stream: IO[bytes]) -> VideoFacts:
    """Hash and probe an MP4 (rewinds the stream before and after)."""
    stream.seek(0)
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    try:
        with av.open(stream, mode="r", format="mp4") as container:
            video = container.streams.video[0]
            if container.duration is not None:
                duration = container.duration / av.time_base
            else:
                duration = float(video.duration * video.time_base)
            facts = VideoFacts(
                sha256=digest.hexdigest(),
                bytes=size,
                width=video.codec_context.width,
                height=video.codec_context.height,
                duration_seconds=round(duration, 3),
                codec=video.codec_context.name,
            )
    except (av.error.FFmpegError, IndexError) as error:
        raise InvalidVideo(str(error)) from error
    stream.seek(0)
    return facts


def storage_key_for(generation: Generation) -> str:
    return f"generations/{generation.program_id}/{generation.public_id}.mp4"


def save_video(*, generation: Generation, stream: IO[bytes]) -> str:
    """Write the file under its fixed key, replacing a partial copy from a crashed attempt."""
    key = storage_key_for(generation)
    if default_storage.exists(key):
        default_storage.delete(key)
    saved = default_storage.save(key, File(stream, name=key))
    if saved != key:  # another writer raced us; keep exactly one copy under the fixed key
        default_storage.delete(saved)
        raise RuntimeError(f"storage key {key} was taken while saving")
    return key


def create_asset(*, generation: Generation, key: str, facts: VideoFacts) -> Asset:
    """The record of a generation's stored original, described by `facts`."""
    return Asset.objects.create(
        generation=generation, storage_key=key, **facts.columns(model=Asset)
    )


def delete_asset_file(asset: Asset) -> None:
    delete_stored_files([asset.storage_key])


def delete_stored_files(storage_keys) -> None:
    for key in storage_keys:
        try:
            default_storage.delete(key)
        except OSError:
            logger.exception("could not delete %s", key)
