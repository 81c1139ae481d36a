"""Pure, deterministic clip rendering: (prompt, seed) -> H.264 MP4 on disk.

Frames are drawn directly in YUV 4:2:0 (what the encoder wants anyway, so no
colour-space conversion per frame) from separable sine fields plus a few soft
moving discs. Every full-resolution operation is a broadcast of 1-D vectors, which
keeps a 1280x720 frame at a handful of numpy passes.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import os
from collections.abc import Callable
from contextlib import suppress

import av
import numpy as np

TAU = np.float32(2 * np.pi)
REFERENCE_FADE_SECONDS = 1.0  # a reference image is the first frame, then fades into the scene


class RenderCancelled(Exception):
    """Raised by render_video when should_stop() asked it to abort."""


def _yuv(rgb: tuple[float, float, float]) -> np.ndarray:
    """BT.601 limited-range YUV for an RGB triple in 0..1 (what yuv420p H.264 assumes)."""
    r, g, b = rgb
    y = 16 + 65.481 * r + 128.553 * g + 24.966 * b
    u = 128 - 37.797 * r - 74.203 * g + 112.0 * b
    v = 128 + 112.0 * r - 93.786 * g - 18.214 * b
    return np.array([y, u, v], dtype=np.float32)


class _Scene:
    """All random choices for one (prompt, seed), made once; frame(t) is then pure."""

    def __init__(self, prompt: str, seed: int, width: int, height: int) -> None:
        digest = hashlib.sha256(f"{seed}\x00{prompt}".encode()).digest()
        rng = np.random.default_rng(np.frombuffer(digest, dtype=np.uint32))
        hue = rng.random()
        # Dark and bright ends of the background gradient, far apart in hue and luma.
        self.dark = _yuv(colorsys.hsv_to_rgb(hue, rng.uniform(0.6, 1.0), rng.uniform(0.15, 0.4)))
        bright_hue = (hue + rng.uniform(0.3, 0.7)) % 1.0
        self.bright = _yuv(colorsys.hsv_to_rgb(bright_hue, rng.uniform(0.4, 0.9), 0.95))
        # Wave parameters: spatial frequency (cycles per long edge), speed (Hz), phase.
        self.waves = rng.uniform([0.5, -0.4, 0], [3.0, 0.4, 1], size=(4, 3)).astype(np.float32)
        self.diag = rng.uniform(-1, 1, size=2).astype(np.float32)
        self.blobs = [
            {
                "center": rng.uniform(0.2, 0.8, size=2),
                "orbit": rng.uniform(0.05, 0.3, size=2),
                "freq": rng.uniform(0.1, 0.6, size=2),
                "phase": rng.uniform(0, 1, size=2),
                "radius": rng.uniform(0.05, 0.14),
                "color": _yuv(colorsys.hsv_to_rgb(rng.random(), 0.9, rng.uniform(0.7, 1.0))),
            }
            for _ in range(int(rng.integers(3, 6)))
        ]
        self.width, self.height = width, height
        self.long_edge = np.float32(max(width, height))
        # Pixel-centre coordinates in "long edge" units, so portrait and landscape match.
        self.x = (np.arange(width, dtype=np.float32) + 0.5) / self.long_edge
        self.y = (np.arange(height, dtype=np.float32) + 0.5) / self.long_edge
        # Chroma samples sit at the centre of each 2x2 luma block.
        self.cx = self.x.reshape(-1, 2).mean(axis=1)
        self.cy = self.y.reshape(-1, 2).mean(axis=1)
        self.buffer = np.empty(width * height * 3 // 2, dtype=np.uint8)

    def _field(self, x: np.ndarray, y: np.ndarray, t: float) -> np.ndarray:
        """Background intensity in [0, 1]; sum of separable terms (weights add to 0.5)."""
        (fa, sa, pa), (fb, sb, pb), (fc, sc, pc), (fd, sd, pd) = self.waves
        col = np.sin(TAU * (fa * x + sa * t + pa))
        row = np.sin(TAU * (fb * y + sb * t + pb))
        field = np.add.outer(0.18 * row, 0.18 * col)
        # A diagonal wave via sin(a+b) = sin a cos b + cos a sin b (two rank-1 terms).
        ax = TAU * (fc * self.diag[0] * x + sc * t + pc)
        by = TAU * (fd * self.diag[1] * y + sd * t + pd)
        field += np.outer(0.1 * np.cos(by), np.sin(ax))
        field += np.outer(0.1 * np.sin(by), np.cos(ax))
        field += np.outer(0.04 * np.cos(by * 3), np.cos(ax * 2))
        field += 0.5
        return field

    def _paint(self, planes: list[np.ndarray], xs: list, ys: list, t: float) -> None:
        """Soft-edged discs, each touching only its bounding box."""
        for blob in self.blobs:
            cx, cy = blob["center"] + blob["orbit"] * np.sin(
                2 * np.pi * (blob["freq"] * t + blob["phase"])
            )
            cx *= self.width / self.long_edge
            cy *= self.height / self.long_edge
            r = np.float32(blob["radius"])
            for index, (plane, x, y) in enumerate(zip(planes, xs, ys, strict=True)):
                cols = slice(*np.searchsorted(x, [cx - r, cx + r]))
                rows = slice(*np.searchsorted(y, [cy - r, cy + r]))
                if cols.start == cols.stop or rows.start == rows.stop:
                    continue
                dist = np.sqrt(np.add.outer((y[rows] - cy) ** 2, (x[cols] - cx) ** 2))
                # Alpha ramps from 1 inside to 0 over the outer 15% of the radius.
                alpha = np.clip((r - dist) / (0.15 * r), 0, 1)
                region = plane[rows, cols]
                region += alpha * (blob["color"][index] - region)

    def frame(self, t: float) -> np.ndarray:
        """The packed yuv420p frame at time t seconds, shape (height * 3 // 2, width)."""
        w, h = self.width, self.height
        luma = self._field(self.x, self.y, t)
        chroma = self._field(self.cx, self.cy, t)
        planes = [
            self.dark[0] + luma * (self.bright[0] - self.dark[0]),
            self.dark[1] + chroma * (self.bright[1] - self.dark[1]),
            self.dark[2] + chroma * (self.bright[2] - self.dark[2]),
        ]
        self._paint(planes, [self.x, self.cx, self.cx], [self.y, self.cy, self.cy], t)
        # All values are convex mixes of valid colours, so rounding never leaves 0..255;
        # the unsafe cast writes (truncating) straight into the packed frame buffer.
        out, q = self.buffer, w * h // 4
        views = [
            out[: w * h].reshape(h, w),
            out[w * h : w * h + q].reshape(h // 2, w // 2),
            out[w * h + q :].reshape(h // 2, w // 2),
        ]
        for plane, view in zip(planes, views, strict=True):
            np.add(plane, 0.5, out=view, casting="unsafe")
        return out.reshape(h * 3 // 2, w)


def _decode_image(content: bytes) -> av.VideoFrame:
    try:
        with av.open(io.BytesIO(content), format="image2pipe") as container:
            return next(container.decode(video=0))
    except (av.error.FFmpegError, StopIteration) as error:
        raise ValueError(f"not a readable image: {error}") from error


def image_size(content: bytes) -> tuple[int, int]:
    """(width, height) of a PNG/JPEG/WebP image; ValueError if it is none of them."""
    frame = _decode_image(content)
    return frame.width, frame.height


def reference_frame(content: bytes, width: int, height: int) -> np.ndarray:
    """The image as a packed yuv420p array (height * 3 // 2, width), like _Scene.frame().

    Converted with the BT.601 limited-range matrix the scene is drawn in (_yuv) and players
    assume for yuv420p H.264: swscale's default RGB->YUV here does not round-trip."""
    frame = _decode_image(content).reformat(width=width, height=height, format="rgb24")
    rgb = frame.to_ndarray().astype(np.float32) / 255
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = 16 + 65.481 * r + 128.553 * g + 24.966 * b
    u = 128 - 37.797 * r - 74.203 * g + 112.0 * b
    v = 128 + 112.0 * r - 93.786 * g - 18.214 * b

    def half(plane: np.ndarray) -> np.ndarray:
        return plane.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))

    return np.concatenate([y.ravel(), half(u).ravel(), half(v).ravel()]).reshape(
        height * 3 // 2, width
    )


class _Insets:
    """Character images, each a quarter of the frame wide, side by side along the top."""

    def __init__(self, images: list[bytes], width: int, height: int) -> None:
        self.width, self.height = width, height
        self.w, self.h = width // 4 // 2 * 2, height // 4 // 2 * 2
        self.margin = max(2, min(width, height) // 50 // 2 * 2)
        fitting = max((width - self.margin) // (self.w + self.margin), 0)
        self.images = [
            reference_frame(image, self.w, self.h).astype(np.uint8) for image in images[:fitting]
        ]

    def paint(self, frame: np.ndarray) -> None:
        """Paste into a packed yuv420p array (height * 3 // 2, width), in place."""
        w, h, width, height = self.w, self.h, self.width, self.height
        flat = frame.reshape(-1)
        quarter = (height // 2) * (width // 2)
        u_plane = flat[width * height : width * height + quarter].reshape(height // 2, width // 2)
        v_plane = flat[width * height + quarter :].reshape(height // 2, width // 2)
        for index, image in enumerate(self.images):
            top, left = self.margin, self.margin + index * (w + self.margin)
            source = image.reshape(-1)
            q = (h // 2) * (w // 2)
            frame[top : top + h, left : left + w] = source[: w * h].reshape(h, w)
            rows, cols = slice(top // 2, (top + h) // 2), slice(left // 2, (left + w) // 2)
            u_plane[rows, cols] = source[w * h : w * h + q].reshape(h // 2, w // 2)
            v_plane[rows, cols] = source[w * h + q :].reshape(h // 2, w // 2)


def render_video(
    *,
    prompt: str,
    seed: int,
    seconds: int,
    width: int,
    height: int,
    path: str,
    fps: int = 24,
    on_frame: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    reference: bytes | None = None,
    characters: list[bytes] | None = None,
) -> None:
    """Encode seconds*fps frames to an MP4 at `path`.

    With a `reference` image (PNG/JPEG/WebP of the clip's size) the first frame is that image
    and the scene fades in over REFERENCE_FADE_SECONDS: a conditioning frame, as an extension
    continues from the last frame of the clip it extends. Each of `characters` (images of any
    size) appears as an inset a quarter of the frame wide along the top edge, in every frame.

    Writes to `path + ".part"` and renames at the end, so `path` only ever holds a
    complete file. On RenderCancelled (or any error) the partial file is removed.
    """
    if seconds <= 0 or fps <= 0:
        raise ValueError("seconds and fps must be positive")
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise ValueError("yuv420p needs positive, even width and height")
    total = seconds * fps
    scene = _Scene(prompt, seed, width, height)
    start = reference_frame(reference, width, height) if reference is not None else None
    fade_frames = max(int(REFERENCE_FADE_SECONDS * fps), 1)
    insets = _Insets(characters or [], width, height)
    partial = path + ".part"
    try:
        # faststart moves the index to the front so players can start while downloading.
        with av.open(partial, "w", format="mp4", options={"movflags": "+faststart"}) as out:
            stream = out.add_stream("h264", rate=fps, options={"preset": "ultrafast"})
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            for index in range(total):
                if should_stop is not None and should_stop():
                    raise RenderCancelled(f"render cancelled at frame {index}/{total}")
                pixels = scene.frame(index / fps)
                if start is not None and index < fade_frames:
                    mix = index / fade_frames
                    pixels = np.rint(start + mix * (pixels - start)).astype(np.uint8)
                insets.paint(pixels)
                frame = av.VideoFrame.from_ndarray(pixels, format="yuv420p")
                frame.pts = index
                out.mux(stream.encode(frame))
                if on_frame is not None:
                    on_frame(index + 1, total)
            out.mux(stream.encode(None))  # flush frames still buffered in the encoder
        os.replace(partial, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.remove(partial)
        raise
