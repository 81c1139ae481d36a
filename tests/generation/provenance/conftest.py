"""Clips for the rendition tests: real H.264 files made with the reference engine's renderer."""

from __future__ import annotations

import math
import os
from fractions import Fraction

import av
import numpy as np
import pytest

from generation.engine.render import render_video
from generation.provenance.pipeline import render_rendition
from generation.provenance.visible import VisibleMark

PAYLOAD = 0xA1B2C3D4
OTHER_PAYLOAD = 7
MARK = VisibleMark(text="Early access · Aurora", position="bottom_right", opacity=0.6)


def engine_clip(path, *, seconds=1, width=320, height=180, seed=3, prompt="a lighthouse at dusk"):
    render_video(
        prompt=prompt, seed=seed, seconds=seconds, width=width, height=height, path=str(path)
    )
    return str(path)


def psnr(reference: np.ndarray, distorted: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two uint8 images (inf if identical)."""
    mse = float(np.mean((reference.astype(np.float64) - distorted.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


def luma_frames(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [
            frame.to_ndarray(format="yuv420p")[: frame.height]
            for frame in container.decode(video=0)
        ]


def bitrate(path) -> float:
    """Bits per second of the whole file."""
    with av.open(str(path)) as container:
        seconds = container.duration / av.time_base
    return os.path.getsize(path) * 8 / seconds


def reencode(source, destination, *, width=None, height=None, crf=None, bit_rate=None, frames=None):
    """What a leaker does: decode, optionally scale, encode again with libx264."""
    with av.open(str(source)) as src, av.open(str(destination), "w") as out:
        video = src.streams.video[0]
        width = width or video.codec_context.width
        height = height or video.codec_context.height
        options = {"preset": "veryfast"}
        if crf is not None:
            options["crf"] = str(crf)
        rate = video.average_rate or Fraction(24)
        stream = out.add_stream("h264", rate=rate, options=options)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if bit_rate is not None:
            stream.bit_rate = int(bit_rate)
        for index, frame in enumerate(src.decode(video)):
            if frames is not None and index >= frames:
                break
            scaled = frame.reformat(width=width, height=height, format="yuv420p")
            scaled.pts, scaled.time_base = index, 1 / Fraction(rate)
            out.mux(stream.encode(scaled))
        out.mux(stream.encode(None))
    return str(destination)


@pytest.fixture(scope="session")
def clip_720p(tmp_path_factory) -> str:
    """The reference engine's typical output: 4 s, 1280x720, 24 fps."""
    return engine_clip(
        tmp_path_factory.mktemp("clips") / "source.mp4", seconds=4, width=1280, height=720
    )


@pytest.fixture(scope="session")
def rendition_720p(tmp_path_factory, clip_720p) -> str:
    path = tmp_path_factory.mktemp("renditions") / "rendition.mp4"
    render_rendition(source=clip_720p, destination=path, payload=PAYLOAD, mark=MARK)
    return str(path)
