"""render_video: real H.264 output, exact geometry, determinism and cancellation."""

from __future__ import annotations

import os

import av
import numpy as np
import pytest

from generation.engine.render import RenderCancelled, render_video


def probe(path: str) -> dict:
    with av.open(path) as container:
        stream = container.streams.video[0]
        frames = [frame.to_ndarray(format="yuv420p") for frame in container.decode(stream)]
        return {
            "codec": stream.codec_context.name,
            "width": stream.codec_context.width,
            "height": stream.codec_context.height,
            "pix_fmt": stream.codec_context.pix_fmt,
            "duration": container.duration / av.time_base,
            "frames": frames,
        }


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (720, 1280)])
def test_full_size_clip_decodes_to_exact_frames_and_geometry(tmp_path, width, height):
    path = str(tmp_path / "clip.mp4")
    calls = []
    render_video(
        prompt="a lighthouse at dusk",
        seed=7,
        seconds=4,
        width=width,
        height=height,
        path=path,
        on_frame=lambda done, total: calls.append((done, total)),
    )
    info = probe(path)
    assert info["codec"] == "h264"
    assert info["pix_fmt"] == "yuv420p"
    assert (info["width"], info["height"]) == (width, height)
    assert len(info["frames"]) == 4 * 24
    assert info["duration"] == pytest.approx(4.0, abs=0.05)
    assert info["frames"][0].shape == (height * 3 // 2, width)
    # The picture moves: first and last frames differ.
    assert not np.array_equal(info["frames"][0], info["frames"][-1])
    assert calls == [(done, 96) for done in range(1, 97)]
    assert not os.path.exists(path + ".part")


def small_clip(tmp_path, name: str, **overrides) -> list[np.ndarray]:
    params = {"prompt": "red balloons", "seed": 1, "seconds": 1, "width": 320, "height": 180}
    params.update(overrides)
    path = str(tmp_path / f"{name}.mp4")
    render_video(path=path, **params)
    return probe(path)["frames"]


def test_same_prompt_and_seed_give_identical_pixels(tmp_path):
    first = small_clip(tmp_path, "a")
    second = small_clip(tmp_path, "b")
    assert len(first) == len(second) == 24
    assert np.array_equal(first[0], second[0])
    assert np.array_equal(first[-1], second[-1])


@pytest.mark.parametrize("change", [{"seed": 2}, {"prompt": "blue balloons"}])
def test_different_seed_or_prompt_gives_different_frames(tmp_path, change):
    base = small_clip(tmp_path, "base")
    other = small_clip(tmp_path, "other", **change)
    assert not np.array_equal(base[0], other[0])
    # Not just a tiny perturbation: the picture is substantially different.
    assert np.abs(base[0].astype(int) - other[0].astype(int)).mean() > 5


def test_should_stop_cancels_and_removes_partial_file(tmp_path):
    path = str(tmp_path / "cancelled.mp4")
    seen = []

    with pytest.raises(RenderCancelled):
        render_video(
            prompt="p",
            seed=0,
            seconds=4,
            width=320,
            height=180,
            path=path,
            on_frame=lambda done, total: seen.append(done),
            should_stop=lambda: len(seen) >= 10,
        )
    assert seen == list(range(1, 11))
    assert os.listdir(tmp_path) == []


def test_failure_leaves_no_files(tmp_path):
    def explode(done, total):
        if done == 3:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        render_video(
            prompt="p",
            seed=0,
            seconds=1,
            width=64,
            height=64,
            path=str(tmp_path / "x.mp4"),
            on_frame=explode,
        )
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "bad", [{"width": 321}, {"height": 0}, {"seconds": 0}, {"fps": 0}, {"height": -2}]
)
def test_rejects_invalid_geometry(tmp_path, bad):
    params = {"prompt": "p", "seed": 0, "seconds": 1, "width": 64, "height": 64}
    params.update(bad)
    with pytest.raises(ValueError):
        render_video(path=str(tmp_path / "x.mp4"), **params)
    assert os.listdir(tmp_path) == []
