"""A preview's thumbnail and spritesheet, cut from its marked frames while it is built.

- thumbnail: the frame in the middle of the clip at full size, as JPEG. It is a marked frame:
  it carries the visible program mark and the forensic payload of the preview.
- spritesheet: one frame every SPRITE_INTERVAL_SECONDS (from 0 s, at most MAX_SPRITES), each
  scaled so its long edge is SPRITE_LONG_EDGE pixels (even sizes), laid out left to right, top
  to bottom in up to SPRITE_COLUMNS columns, as JPEG. Each tile carries the visible mark again
  at its own size (scaled down, the frame's mark would be unreadable). Tile `i` shows the clip
  at `i * interval` seconds and sits at column `i % columns`, row `i // columns`; the layout is
  stored with the preview and sent in the response headers (generation/api/content.py).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import av
import numpy as np
from PIL import Image

from .visible import Overlay, VisibleMark

JPEG_QUALITY = 92
SPRITE_INTERVAL_SECONDS = 1.0
SPRITE_LONG_EDGE = 240
SPRITE_COLUMNS = 5
MAX_SPRITES = 60


@dataclass(frozen=True)
class SpriteLayout:
    columns: int
    rows: int
    tile_width: int
    tile_height: int
    interval_seconds: float
    frames: int

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Posters:
    thumbnail: Path
    spritesheet: Path
    layout: SpriteLayout


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def tile_size(width: int, height: int) -> tuple[int, int]:
    scale = SPRITE_LONG_EDGE / max(width, height)
    return _even(width * scale), _even(height * scale)


def to_image(frame: av.VideoFrame) -> Image.Image:
    """The frame as a YCbCr image, converted by swscale to full range (what JPEG stores), so the
    luma the forensic mark lives in keeps its values: PyAV's RGB conversion shifts them."""
    full = frame.reformat(format="yuvj444p")
    planes = [
        np.ascontiguousarray(
            np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]
        )
        for plane in full.planes
    ]
    return Image.merge("YCbCr", [Image.fromarray(plane) for plane in planes])


def _marked_tile(frame: av.VideoFrame, size: tuple[int, int], mark: VisibleMark) -> Image.Image:
    tile = frame.reformat(width=size[0], height=size[1], format="yuv420p")
    tile.make_writable()
    planes = []
    for plane in tile.planes:
        rows = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)
        planes.append(rows[:, : plane.width])
    Overlay(mark, size[0], size[1]).apply_planes(*planes)
    return to_image(tile)


def make_posters(*, video: Path, directory: Path, mark: VisibleMark) -> Posters:
    """Write thumbnail.jpg and spritesheet.jpg for the marked clip `video` into `directory`.

    One pass over the frames, keeping only the tiles (small) and the thumbnail frame."""
    tiles, due, thumbnail_frame, size = [], 0.0, None, None
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = float(stream.average_rate or 24)
        middle = (stream.frames or 0) // 2
        for index, frame in enumerate(container.decode(stream)):
            if size is None:
                size = tile_size(frame.width, frame.height)
            if index <= middle or thumbnail_frame is None:
                thumbnail_frame = frame  # the middle one (the first if the count is unknown)
            if index / rate + 1e-6 >= due and len(tiles) < MAX_SPRITES:
                tiles.append(_marked_tile(frame, size, mark))
                due += SPRITE_INTERVAL_SECONDS
    if thumbnail_frame is None or size is None:
        raise ValueError("the clip has no frames")
    thumbnail = directory / "thumbnail.jpg"
    to_image(thumbnail_frame).save(thumbnail, format="JPEG", quality=JPEG_QUALITY)
    columns = min(SPRITE_COLUMNS, len(tiles))
    rows = math.ceil(len(tiles) / columns)
    sheet = Image.new("YCbCr", (columns * size[0], rows * size[1]))
    for index, tile in enumerate(tiles):
        sheet.paste(tile, ((index % columns) * size[0], (index // columns) * size[1]))
    spritesheet = directory / "spritesheet.jpg"
    sheet.save(spritesheet, format="JPEG", quality=JPEG_QUALITY)
    layout = SpriteLayout(
        columns=columns,
        rows=rows,
        tile_width=size[0],
        tile_height=size[1],
        interval_seconds=SPRITE_INTERVAL_SECONDS,
        frames=len(tiles),
    )
    return Posters(thumbnail=thumbnail, spritesheet=spritesheet, layout=layout)
