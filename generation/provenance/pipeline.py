"""Rendition: decode a stored clip, mark every frame (visible + forensic), re-encode.

The output is H.264 (libx264) yuv420p in an MP4 with the index at the front
(`movflags=+faststart`), so Chromium, Safari and Firefox play it while it downloads.
Geometry, frame count and timing are kept (each frame keeps its timestamp); an
audio track, if any, is copied as it is.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from fractions import Fraction
from typing import BinaryIO

import av
import numpy as np
from av.video.frame import PictureType

from generation.provenance.forensic import embed_in_place
from generation.provenance.visible import Overlay, VisibleMark

CODEC = "h264"
ENCODER_OPTIONS = {"preset": "veryfast", "crf": "20"}  # a share copy: visually lossless-ish
DEFAULT_RATE = Fraction(24)


@dataclass(frozen=True)
class RenditionFacts:
    width: int
    height: int
    frames: int
    duration_seconds: float
    bytes: int
    codec: str


def _open_source(source: str | os.PathLike | BinaryIO):
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    elif not isinstance(source, str) and hasattr(source, "seek"):
        source.seek(0)
    try:
        return av.open(source, "r")
    except av.error.FFmpegError as error:
        raise ValueError(f"not a readable video: {error}") from error


def _writable_yuv420p(frame: av.VideoFrame, width: int, height: int) -> av.VideoFrame:
    """A yuv420p frame of the output size whose planes we may write to.

    A decoded frame usually is one already; it may share its buffers with the decoder's
    reference pictures, so make_writable() copies them first when it does (a memcpy, not
    a conversion). Marking the planes in place spares converting every frame to an array
    and back.
    """
    if frame.format.name != "yuv420p" or (frame.width, frame.height) != (width, height):
        frame = frame.reformat(width=width, height=height, format="yuv420p")
    frame.make_writable()
    # Let the encoder choose each picture's type, as for a new frame: a decoded frame
    # carries its source's (I/P/B), which libx264 would otherwise obey.
    frame.pict_type = PictureType.NONE
    return frame


def _planes(frame: av.VideoFrame) -> list[np.ndarray]:
    """Writable uint8 views (rows, columns) of a yuv420p frame's Y, U and V planes."""
    views = []
    for plane in frame.planes:
        rows = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)
        views.append(rows[:, : plane.width])
    return views


def _expected_frames(video, rate) -> int:
    """How many frames the stream should hold, for progress only (0: unknown)."""
    if video.frames:
        return int(video.frames)
    if video.duration and video.time_base:
        return int(float(video.duration * video.time_base) * float(rate))
    return 0


def render_rendition(
    *,
    source: str | os.PathLike | BinaryIO,
    destination: str | os.PathLike,
    payload: int,
    mark: VisibleMark,
    strength: float = 1.0,
    on_frame: Callable[[int, int], None] | None = None,
) -> RenditionFacts:
    """Write the marked rendition of `source` to `destination` and describe it.

    `destination` only ever holds a complete file: the encoder writes to a sibling
    ".part" file that is renamed at the end (and removed on any error). Raises
    ValueError for a source that is not a decodable video or an invalid payload.
    `on_frame(done, total)` is called after each frame (total: the container's frame count,
    or its duration times its rate; 0 when neither is known).
    """
    if not 0 < payload < 2**32:
        raise ValueError("payload must be in 1 .. 2**32 - 1")
    destination = os.fspath(destination)
    partial = destination + ".part"
    frames = 0
    last_end = 0.0
    source_container = _open_source(source)
    try:
        with source_container as source_file:
            if not source_file.streams.video:
                raise ValueError("the source holds no video stream")
            video = source_file.streams.video[0]
            video.thread_type = "AUTO"
            # yuv420p needs even dimensions; an odd source loses its last row/column.
            width = video.codec_context.width // 2 * 2
            height = video.codec_context.height // 2 * 2
            if width < 2 or height < 2:
                raise ValueError("the source video has no picture size")
            rate = video.average_rate or video.guessed_rate or DEFAULT_RATE
            total = _expected_frames(video, rate)
            overlay = Overlay(mark, width, height)
            audio = source_file.streams.audio[0] if source_file.streams.audio else None
            with av.open(partial, "w", format="mp4", options={"movflags": "+faststart"}) as output:
                stream = output.add_stream(CODEC, rate=rate, options=dict(ENCODER_OPTIONS))
                stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
                stream.thread_type = "AUTO"
                stream.time_base = video.time_base
                audio_out = output.add_stream_from_template(audio) if audio else None
                streams = [video, audio] if audio else [video]
                for packet in source_file.demux(streams):
                    if packet.stream is audio:
                        if packet.dts is not None:
                            packet.stream = audio_out
                            output.mux(packet)
                        continue
                    for frame in packet.decode():
                        marked = _writable_yuv420p(frame, width, height)
                        luma, cb, cr = _planes(marked)
                        overlay.apply_planes(luma, cb, cr)
                        embed_in_place(luma, payload, strength=strength)
                        if frame.pts is None or frame.time_base is None:
                            # No timestamp from the container: count frames at its rate.
                            marked.pts, marked.time_base = frames, 1 / Fraction(rate)
                        else:
                            marked.pts, marked.time_base = frame.pts, frame.time_base
                        # Before encoding: the encoder rebases the frame to its own time base.
                        step = frame.duration or 1 / Fraction(rate) / marked.time_base
                        last_end = max(last_end, float((marked.pts + step) * marked.time_base))
                        output.mux(stream.encode(marked))
                        frames += 1
                        if on_frame is not None:
                            on_frame(frames, max(total, frames))
                output.mux(stream.encode(None))  # flush frames still buffered in the encoder
            if frames == 0:
                raise ValueError("the source video has no frames")
            start = float(video.start_time * video.time_base) if video.start_time else 0.0
        os.replace(partial, destination)
    except av.error.FFmpegError as error:
        with suppress(FileNotFoundError):
            os.remove(partial)
        raise ValueError(f"could not render the video: {error}") from error
    except BaseException:
        with suppress(FileNotFoundError):
            os.remove(partial)
        raise
    return RenditionFacts(
        width=width,
        height=height,
        frames=frames,
        duration_seconds=round(last_end - start, 3),
        bytes=os.path.getsize(destination),
        codec=CODEC,
    )
