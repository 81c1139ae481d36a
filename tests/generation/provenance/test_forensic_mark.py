"""embed_frame / read_frames on raw luma planes: round trip, invisibility, refusals."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import PAYLOAD, engine_clip, luma_frames, psnr
from hypothesis import given, settings
from hypothesis import strategies as st

from generation.provenance.forensic import (
    PAYLOAD_BITS,
    embed_frame,
    embed_in_place,
    read_frames,
    read_payload,
)


def natural_frame(seed: int, width: int, height: int) -> np.ndarray:
    """Gradient + a bright disc + grain, inside video range (16..235) like real footage."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    plane = 60 + 100 * (np.cos(angle) * x / width + np.sin(angle) * y / height + 1) / 2
    cx, cy, r = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height, height / 4
    plane[(x - cx) ** 2 + (y - cy) ** 2 < r**2] = rng.uniform(150, 220)
    plane += rng.normal(0, rng.uniform(0, 6), plane.shape)
    return np.clip(plane, 16, 235).round().astype(np.uint8)


@settings(max_examples=15, deadline=None)
@given(
    payload=st.integers(min_value=1, max_value=2**PAYLOAD_BITS - 1),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    size=st.sampled_from([(96, 64), (160, 90), (90, 160), (128, 128)]),
)
def test_any_payload_round_trips_through_raw_frames(payload, seed, size):
    width, height = size
    frames = [embed_frame(natural_frame(seed + i, width, height), payload) for i in range(3)]
    found = read_frames(frames)
    assert found is not None
    assert found.payload == payload
    assert found.frames_used == 3


def test_one_frame_is_enough_and_extremes_of_the_id_space_work():
    frame = natural_frame(1, 320, 180)
    for payload in (1, 2**PAYLOAD_BITS - 1, 0x80000000):
        assert read_frames([embed_frame(frame, payload)]).payload == payload


def test_mark_survives_halving_the_raw_frame():
    marked = embed_frame(natural_frame(5, 1280, 720), PAYLOAD).astype(np.float32)
    half = marked.reshape(360, 2, 640, 2).mean(axis=(1, 3)).round().astype(np.uint8)
    assert read_frames([half]).payload == PAYLOAD


def test_unmarked_frames_read_none():
    assert read_frames([natural_frame(seed, 320, 180) for seed in range(4)]) is None
    assert read_frames([np.full((180, 320), 128, np.uint8)]) is None
    assert read_frames([]) is None


def test_mark_is_invisible_on_real_engine_frames(tmp_path):
    """PSNR of marked vs unmarked luma stays far above 38 dB, and the mark is not nothing."""
    frames = luma_frames(engine_clip(tmp_path / "clip.mp4", width=1280, height=720))[::6]
    values = [psnr(frame, embed_frame(frame, PAYLOAD)) for frame in frames]
    assert min(values) > 40
    assert max(values) < 70  # the frames really changed


def test_strength_zero_changes_nothing_and_full_strength_changes_most():
    frame = natural_frame(9, 320, 180)
    assert np.array_equal(embed_frame(frame, PAYLOAD, strength=0.0), frame)
    assert psnr(frame, embed_frame(frame, PAYLOAD, strength=1.0)) < psnr(
        frame, embed_frame(frame, PAYLOAD, strength=0.5)
    )


def test_embedding_leaves_the_input_untouched_and_keeps_its_shape():
    frame = natural_frame(2, 320, 180)
    before = frame.copy()
    marked = embed_frame(frame, PAYLOAD)
    assert np.array_equal(frame, before)
    assert marked.shape == frame.shape and marked.dtype == np.uint8


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    size=st.sampled_from([(96, 64), (90, 160), (360, 202), (1280, 720)]),
    padding=st.integers(min_value=1, max_value=64),
)
def test_marking_in_place_through_a_strided_view_equals_marking_a_copy(seed, size, padding):
    """As in a decoded frame's plane: rows longer than the picture; the padding stays as it is."""
    width, height = size
    frame = natural_frame(seed, width, height)
    buffer = np.full((height, width + padding), 7, np.uint8)
    buffer[:, :width] = frame
    embed_in_place(buffer[:, :width], PAYLOAD)
    assert np.array_equal(buffer[:, :width], embed_frame(frame, PAYLOAD))
    assert (buffer[:, width:] == 7).all()


@pytest.mark.parametrize("payload", [0, -1, 2**PAYLOAD_BITS])
def test_payload_outside_the_id_space_is_refused(payload):
    with pytest.raises(ValueError, match="payload"):
        embed_frame(natural_frame(0, 96, 64), payload)


def test_bad_planes_and_strengths_are_refused():
    with pytest.raises(ValueError, match="2-D uint8"):
        embed_frame(np.zeros((64, 96), np.float32), 1)
    with pytest.raises(ValueError, match="too small"):
        embed_frame(np.zeros((20, 96), np.uint8), 1)
    with pytest.raises(ValueError, match="strength"):
        embed_frame(np.zeros((64, 96), np.uint8), 1, strength=1.5)


def test_a_file_that_is_not_a_video_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_bytes(b"this is not an mp4 file at all" * 10)
    with pytest.raises(ValueError, match="not a readable video"):
        read_payload(path)
    with pytest.raises(ValueError, match="not a readable video"):
        read_payload(io.BytesIO(b"\x00" * 100))
