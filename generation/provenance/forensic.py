"""Invisible forensic mark: a 32-bit payload hidden in the luma plane of every frame.

Method: dithered quantisation index modulation (QIM) of low-frequency "cell means".
The frame is divided into a coarse grid defined relative to its size (GRID_SHORT cells
along the short edge, proportionally many along the long edge), so a copy scaled to any
size shares the same grid. A cell's statistic is its luma mean under a sine window over
the cell (a very coarse low-pass band, like a deep wavelet LL band, but exact at any
resolution; compression and scaling barely move such wide averages). To embed a bit,
the cell's statistic is moved towards the bit's quantiser lattice (step STEP, a
key-derived dither per cell, bit 1 offset by half a step): part of the way in flat cells,
all the way in textured ones. The change is spread with raised-cosine interpolation
between cell centres, so the added field is smooth (no block edges, no grid) and one or
two luma levels tall where the picture is flat (PSNR 45-49 dB; see bench/).

The payload plus a 24-bit CRC is convolutionally encoded (rate 1/2, K=7) and the coded
bits interleaved over the cells with a key-derived order. The reader sums soft decisions
over every cell and frame and decodes with Viterbi, so a copy still reads when many cells
are wrong. The CRC makes an unmarked or mangled video read as None, not a wrong id.

Per frame the work is a few passes over the luma plane, in place and in bands that stay
in cache (the cell windows are separable): a few milliseconds for 720p. The key material
comes from SHA-256, not numpy's generators, so renditions made today still read after any
library upgrade.

Why not a library: `invisible-watermark` imports torch (gigabytes) even for its DWT/DCT
methods, and `blind-watermark` costs about 1.5 s per 720p frame, so it could mark a few
frames only, and a short excerpt of the clip would lose them. A level-3 PyWavelets
decomposition alone costs about 8 ms a frame; the windowed cell means are the same kind of
low-pass band at a fraction of the cost, mark every frame, and survive a third of the
bitrate at half size (tests/generation/provenance, bench/bench_rendition.py).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO

import av
import numpy as np

from generation.provenance.coding import CODED_BITS, CRC_BITS, coded_bits, crc, viterbi
from generation.provenance.coding import PAYLOAD_BITS as PAYLOAD_BITS  # re-exported

GRID_SHORT = 18  # cells along the frame's short edge (40 px at 720p, 20 px at 360p)
STEP = 6.0  # quantiser step, in 8-bit luma levels, of the weighted cell mean
# Distortion compensation: each cell moves this fraction of the way to its lattice point,
# little in flat cells (where a change shows), fully in busy ones (where texture hides it
# and where re-encoding disturbs the mean most). Activity: mean |luma gradient| per pixel.
FLAT_SHARE, BUSY_SHARE, SHARE_PER_ACTIVITY = 0.5, 1.0, 0.1
MIN_CONFIDENCE = 0.05  # below this the read is noise even if the CRC matched
MIN_SIDE = 36  # at least two luma pixels per cell along the short edge
KEY = b"accessprogram/forensic-mark/v1"


@dataclass(frozen=True)
class DetectedPayload:
    payload: int
    confidence: float  # 0..1: mean agreement of the soft decisions with the decoded bits
    frames_used: int


@dataclass(frozen=True)
class _Pool:
    """Window-weighted cell means along one axis: weight each pixel, sum each cell's run."""

    weight: np.ndarray  # (pixels,) sine window of the pixel's cell, summing to 1 per cell
    starts: np.ndarray  # (cells,) first pixel of each cell
    stops: np.ndarray  # (cells,) one past its last pixel

    @classmethod
    def of(cls, index: np.ndarray, window: np.ndarray, count: int) -> _Pool:
        totals = np.bincount(index, weights=window, minlength=count)
        starts = np.searchsorted(index, np.arange(count))
        stops = np.append(starts[1:], len(index))
        return cls(weight=(window / totals[index]).astype(np.float32), starts=starts, stops=stops)

    def sum_rows(self, plane: np.ndarray) -> np.ndarray:
        """(pixels, n) plane, any dtype or strides -> (cells, n) float32 weighted sums.

        One cell's run of rows at a time, so its float copy stays in cache: a reduceat over
        the rows of a whole frame-sized float array costs ten times more. einsum, not a
        matrix product, so BLAS starts no threads to fight the video encoder's for the cores.
        """
        out = np.empty((len(self.starts), plane.shape[1]), dtype=np.float32)
        for cell, (start, stop) in enumerate(zip(self.starts, self.stops, strict=True)):
            run = np.asarray(plane[start:stop], dtype=np.float32)
            np.einsum("i,ij->j", self.weight[start:stop], run, out=out[cell])
        return out

    def sum_columns(self, values: np.ndarray) -> np.ndarray:
        """(n, pixels) -> (n, cells) weighted sums (small arrays only)."""
        return np.add.reduceat(values * self.weight, self.starts, axis=1)


@dataclass(frozen=True)
class _Axis:
    pool: _Pool  # measuring
    coarse: _Pool  # measuring on every other pixel (texture estimate)
    interpolation: np.ndarray  # (cells, pixels) raised-cosine weights, each column sums to 1
    pairs: np.ndarray  # (pixels, 2) the same weights: of the cell centre before, and after
    spans: tuple[tuple[int, int, int, int], ...]  # (first, stop, cell before, cell after) runs
    uncouple: np.ndarray  # (cells, cells) inverse of the interpolation -> measure cross-talk


@dataclass(frozen=True)
class _Grid:
    rows: _Axis
    cols: _Axis
    dither: np.ndarray  # (cell rows, cell cols) in [0, 1)
    bit_of_cell: np.ndarray  # (cell rows * cell cols,) coded bit index carried by each cell


def _key_stream(label: str, count: int) -> np.ndarray:
    """`count` uint64 values derived from KEY and label (stable across numpy versions)."""
    out = bytearray()
    counter = 0
    while len(out) < count * 8:
        out += hashlib.sha256(KEY + label.encode() + counter.to_bytes(8, "big")).digest()
        counter += 1
    return np.frombuffer(bytes(out[: count * 8]), dtype=">u8").astype(np.uint64)


def _axis(length: int, count: int) -> _Axis:
    """How cells are measured and changed along one axis of `length` pixels.

    A cell is measured through a sine window over its own pixels (zero at its edges, so
    blur from scaling barely leaks between cells). Changes are spread with raised-cosine
    interpolation between cell centres, a partition of unity: neighbours moving alike
    give a flat change, with no seams at cell edges. Interpolation leaks a little of each
    change into the neighbours' windows; multiplying by the inverse of that (tridiagonal,
    well-conditioned) cross-talk matrix makes every cell's measured change exact.
    """
    pixels = np.arange(length)
    position = (pixels + 0.5) * count / length
    index = np.minimum(position.astype(np.int64), count - 1)
    window = np.sin(np.pi * (position - index))
    pool = _Pool.of(index, window, count)
    centre = np.clip(position - 0.5, 0, count - 1)  # in cell units; flat beyond the outer centres
    left = np.minimum(centre.astype(np.int64), count - 1)
    right = np.minimum(left + 1, count - 1)
    left_weight = np.cos(np.pi / 2 * (centre - left)) ** 2
    measure = np.zeros((count, length))
    measure[index, pixels] = pool.weight
    interpolate = np.zeros((length, count))
    interpolate[pixels, left] += left_weight
    interpolate[pixels, right] += 1 - left_weight
    firsts = np.flatnonzero(np.diff(left, prepend=-1))
    stops = np.append(firsts[1:], length)
    ends = (firsts.tolist(), stops.tolist(), left[firsts].tolist(), right[firsts].tolist())
    return _Axis(
        pool=pool,
        coarse=_Pool.of(index[::2], window[::2], count),
        interpolation=np.ascontiguousarray(interpolate.T, dtype=np.float32),
        pairs=np.stack([left_weight, 1 - left_weight], axis=1).astype(np.float32),
        spans=tuple(zip(*ends, strict=True)),
        uncouple=np.linalg.inv(measure @ interpolate),
    )


def grid_shape(height: int, width: int) -> tuple[int, int]:
    if min(height, width) < MIN_SIDE:
        raise ValueError(f"frame {width}x{height} is too small to carry the mark")
    short, long = min(height, width), max(height, width)
    cells_long = max(GRID_SHORT, round(GRID_SHORT * long / short))
    return (GRID_SHORT, cells_long) if height <= width else (cells_long, GRID_SHORT)


@lru_cache(maxsize=16)
def _grid(height: int, width: int) -> _Grid:
    rows, cols = grid_shape(height, width)
    cells = rows * cols
    # Depends only on the grid (not the pixel size), so scaled copies share it.
    label = f"{rows}x{cols}"
    dither = (_key_stream("dither" + label, cells) >> np.uint64(11)).astype(np.float64) / 2.0**53
    order = np.argsort(_key_stream("interleave" + label, cells), kind="stable")
    bit_of_cell = np.empty(cells, dtype=np.int64)
    bit_of_cell[order] = np.arange(cells) % CODED_BITS
    return _Grid(
        rows=_axis(height, rows),
        cols=_axis(width, cols),
        dither=dither.reshape(rows, cols),
        bit_of_cell=bit_of_cell,
    )


def _pooled(plane: np.ndarray, rows: _Pool, cols: _Pool) -> np.ndarray:
    return cols.sum_columns(rows.sum_rows(plane))


def cell_means(luma: np.ndarray) -> np.ndarray:
    """Window-weighted mean luma of every grid cell, shape (cell rows, cell cols)."""
    grid = _grid(*luma.shape)
    return _pooled(luma, grid.rows.pool, grid.cols.pool)


def embed_frame(luma: np.ndarray, payload: int, *, strength: float = 1.0) -> np.ndarray:
    """A copy of the uint8 luma plane (height, width) carrying `payload` (see embed_in_place)."""
    marked = np.array(luma, copy=True)
    embed_in_place(marked, payload, strength=strength)
    return marked


def embed_in_place(luma: np.ndarray, payload: int, *, strength: float = 1.0) -> None:
    """Write `payload` into the uint8 luma plane (height, width), in place.

    `luma` may be a strided view, such as a decoded frame's own plane buffer, so no
    frame-sized copy is made. strength (0..1) scales how far cells move towards their
    lattice points: 1 is the calibrated default, lower values trade robustness for
    fidelity, 0 changes nothing.
    """
    if luma.ndim != 2 or luma.dtype != np.uint8:
        raise ValueError("luma must be a 2-D uint8 array")
    if not 0.0 <= strength <= 1.0:
        raise ValueError("strength must be within 0..1")
    grid = _grid(*luma.shape)
    bits = coded_bits(payload)[grid.bit_of_cell].reshape(grid.dither.shape)
    means = _pooled(luma, grid.rows.pool, grid.cols.pool)
    units = means / STEP - (grid.dither + 0.5 * bits)
    share = np.clip(FLAT_SHARE + SHARE_PER_ACTIVITY * _activity(luma, grid), FLAT_SHARE, BUSY_SHARE)
    change = (np.rint(units) - units) * (STEP * strength) * share
    # Undo the cross-talk on the small grid, then interpolate columns, then rows.
    cells = (grid.rows.uncouple @ change @ grid.cols.uncouple.T).astype(np.float32)
    # einsum: a matrix product this size would start BLAS threads (see _add_field).
    _add_field(luma, grid.rows, np.einsum("ik,kj->ij", cells, grid.cols.interpolation))


def _add_field(luma: np.ndarray, rows: _Axis, columns: np.ndarray) -> None:
    """luma += (rows' interpolation of `columns`), rounded and clipped, in place.

    A pixel row mixes the two cell rows whose centres it lies between, so each run of rows
    between two centres is a product with an inner size of 2, in bands that stay in cache
    and small enough that BLAS stays on one thread (OpenBLAS goes parallel above
    m*n*k = 262144; its threads would fight the video encoder's for the same cores).
    """
    # The interpolation is a partition of unity, so this adds 0.5 to every pixel: the
    # truncating cast below then rounds, with no separate rounding pass.
    columns = (columns + 0.5).astype(np.float32)
    band = max(1, 250_000 // (2 * luma.shape[1]))
    scratch = np.empty((min(band, luma.shape[0]), luma.shape[1]), dtype=np.float32)
    for first, stop, before, after in rows.spans:
        pair = columns[[before, after]]
        for start in range(first, stop, band):
            target = luma[start : min(start + band, stop)]
            values = scratch[: len(target)]
            np.matmul(rows.pairs[start : start + len(target)], pair, out=values)
            values += target
            np.clip(values, 0, 255, out=values)
            np.copyto(target, values, casting="unsafe")


def _activity(luma: np.ndarray, grid: _Grid) -> np.ndarray:
    """Per cell: mean absolute luma difference between neighbours, on every other pixel."""
    coarse = luma[::2, ::2].astype(np.float32)
    gradient = np.zeros_like(coarse)
    np.abs(coarse[:, 1:] - coarse[:, :-1], out=gradient[:, 1:])
    gradient[1:] += np.abs(coarse[1:] - coarse[:-1])
    return _pooled(gradient, grid.rows.coarse, grid.cols.coarse) / 2  # per pixel step


class _Accumulator:
    """Soft decisions summed per cell, per frame size, over the frames read so far."""

    def __init__(self) -> None:
        self.sums: dict[tuple[int, int], np.ndarray] = {}
        self.counts: dict[tuple[int, int], int] = {}
        self.frames = 0

    def add(self, luma: np.ndarray) -> None:
        shape = luma.shape
        units = cell_means(luma) / STEP - _grid(*shape).dither
        soft = np.cos(2 * np.pi * units)  # +1 on the bit-0 lattice, -1 on the bit-1 lattice
        self.sums[shape] = self.sums.get(shape, 0) + soft
        self.counts[shape] = self.counts.get(shape, 0) + 1
        self.frames += 1

    def decode(self) -> DetectedPayload | None:
        if not self.frames:
            return None
        per_bit = np.zeros(CODED_BITS)
        decisions = np.zeros(CODED_BITS)
        for shape, sums in self.sums.items():
            cells = _grid(*shape).bit_of_cell
            per_bit += np.bincount(cells, weights=sums.ravel(), minlength=CODED_BITS)
            decisions += np.bincount(cells, minlength=CODED_BITS) * self.counts[shape]
        word = viterbi(per_bit)
        payload, check = word >> CRC_BITS, word & ((1 << CRC_BITS) - 1)
        if payload == 0 or check != crc(payload):
            return None
        # How well the frames agree with the decoded payload's code word: about 0 for noise.
        signs = 1 - 2 * coded_bits(payload)
        confidence = float(np.mean(signs * per_bit / decisions))
        if confidence < MIN_CONFIDENCE:
            return None
        return DetectedPayload(
            payload=payload, confidence=round(confidence, 4), frames_used=self.frames
        )


def read_frames(frames: Iterable[np.ndarray]) -> DetectedPayload | None:
    """Decode the payload from uint8 luma planes (all of one clip, any size)."""
    accumulator = _Accumulator()
    for luma in frames:
        if min(luma.shape) >= MIN_SIDE:  # a thumbnail this small cannot hold the mark
            accumulator.add(luma)
    return accumulator.decode()


# Formats whose first plane is 8-bit luma, read as they are; others are converted.
_EIGHT_BIT_LUMA_FIRST = {"yuv420p", "yuv422p", "yuv444p", "nv12", "nv21", "gray"}
_EIGHT_BIT_LUMA_FIRST |= {"yuvj420p", "yuvj422p", "yuvj444p"}


def _luma(frame: av.VideoFrame) -> np.ndarray:
    """The frame's 8-bit luma plane (any size, odd ones included)."""
    if frame.format.name not in _EIGHT_BIT_LUMA_FIRST:
        frame = frame.reformat(format="yuv420p")
    plane = frame.planes[0]
    rows = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, : plane.width]


def _lumas(container, max_frames: int):
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    for index, frame in enumerate(container.decode(stream)):
        if index >= max_frames:
            break
        yield _luma(frame)


def read_payload(
    source: str | os.PathLike | BinaryIO, *, max_frames: int = 480
) -> DetectedPayload | None:
    """The payload carried by a video file, or None if it holds no (readable) mark.

    Reads up to max_frames frames (20 s at 24 fps); every frame carries the whole
    payload, so a trimmed excerpt still traces. Raises ValueError for a file that is
    not a decodable video.
    """
    if not isinstance(source, str | os.PathLike) and hasattr(source, "seek"):
        source.seek(0)
    try:
        with av.open(source if not isinstance(source, os.PathLike) else os.fspath(source)) as cont:
            if not cont.streams.video:
                raise ValueError("the file holds no video stream")
            return read_frames(_lumas(cont, max_frames))
    except av.error.FFmpegError as error:
        raise ValueError(f"not a readable video: {error}") from error
