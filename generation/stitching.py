"""An extension's file: the source video with the engine's new segment stitched on.

The engine renders only the new segment (starting from the source's last frame); the platform
holds the source, so it joins the two: every frame of both re-encoded into one H.264 MP4 at the
source's frame rate, so the result plays as one clip of the stitched total length.
"""

import contextlib
import tempfile
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import IO

import av
from django.core.files.storage import default_storage

from .models import Asset, Generation
from .storage import InvalidVideo

ENCODER_OPTIONS = {"preset": "veryfast", "crf": "18"}  # the original: near lossless


def _frames(source: IO[bytes], width: int, height: int) -> Iterator[av.VideoFrame]:
    source.seek(0)
    with av.open(source, "r") as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            yield frame.reformat(width=width, height=height, format="yuv420p")


def stitch(*, first: IO[bytes], second: IO[bytes], destination: Path) -> int:
    """Write `first` then `second` as one MP4 at `destination`; returns the frame count."""
    first.seek(0)
    with av.open(first, "r") as probe:
        video = probe.streams.video[0]
        width, height = video.codec_context.width, video.codec_context.height
        rate = video.average_rate or Fraction(24)
    count = 0
    with av.open(str(destination), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("h264", rate=rate, options=dict(ENCODER_OPTIONS))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for part in (first, second):
            for frame in _frames(part, width, height):
                frame.pts, frame.time_base = count, 1 / Fraction(rate)
                frame.pict_type = av.video.frame.PictureType.NONE
                out.mux(stream.encode(frame))
                count += 1
        out.mux(stream.encode(None))
    return count


@contextlib.contextmanager
def stitched_after_source(generation: Generation, segment: IO[bytes]) -> Iterator[IO[bytes]]:
    """The file to store for `generation`: `segment` itself, or for an extension the source
    with `segment` stitched on (a temporary file, removed on leaving). Raises InvalidVideo
    when either part cannot be read."""
    if generation.kind != Generation.Kind.EXTENSION or generation.source_id is None:
        yield segment
        return
    asset = Asset.objects.filter(generation_id=generation.source_id).first()
    if asset is None:
        raise InvalidVideo("The video being extended is no longer stored.")
    with tempfile.TemporaryDirectory(prefix="stitch-") as work:
        destination = Path(work) / "stitched.mp4"
        try:
            with default_storage.open(asset.storage_key, "rb") as source:
                stitch(first=source, second=segment, destination=destination)
        except (av.error.FFmpegError, IndexError, OSError) as error:
            raise InvalidVideo(f"could not stitch the extension: {error}") from error
        with open(destination, "rb") as stitched:
            yield stitched
