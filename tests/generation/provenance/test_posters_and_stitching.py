"""A preview's thumbnail and spritesheet (layout, marks), and an extension's stitched file."""

import io
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image
from rendition_fixtures import clip_bytes

from generation.provenance.forensic import read_frames
from generation.provenance.pipeline import render_rendition
from generation.provenance.posters import make_posters, tile_size
from generation.provenance.visible import VisibleMark
from generation.stitching import stitch

MARK = VisibleMark(text="Early access", position="bottom_right", opacity=0.8)


@pytest.mark.parametrize(
    "size,tile", [((1280, 720), (240, 136)), ((720, 1280), (136, 240)), ((1792, 1024), (240, 138))]
)
def test_tiles_keep_the_aspect_with_even_sides(size, tile):
    assert tile_size(*size) == tile


def test_posters_are_cut_from_the_marked_frames(tmp_path):
    source = tmp_path / "in.mp4"
    source.write_bytes(clip_bytes(width=640, height=360, seconds=3))
    marked = tmp_path / "marked.mp4"
    render_rendition(source=source, destination=marked, payload=4242, mark=MARK)
    posters = make_posters(video=marked, directory=tmp_path, mark=MARK)
    assert posters.layout.as_dict() == {
        "columns": 3,
        "rows": 1,
        "tile_width": 240,
        "tile_height": 136,
        "interval_seconds": 1.0,
        "frames": 3,
    }
    with Image.open(posters.thumbnail) as thumbnail:
        assert (thumbnail.format, thumbnail.size) == ("JPEG", (640, 360))
        full = np.asarray(thumbnail.convert("L")).astype(np.float32)
    luma = np.clip(np.rint(16 + full * 219 / 255), 0, 255).astype(np.uint8)
    assert read_frames([luma]).payload == 4242
    with Image.open(posters.spritesheet) as sheet:
        assert sheet.size == (3 * 240, 136)


def test_an_extension_is_the_source_then_the_segment(tmp_path):
    first, second = clip_bytes(seconds=2, seed=1), clip_bytes(seconds=1, seed=2)
    destination = tmp_path / "stitched.mp4"
    count = stitch(first=io.BytesIO(first), second=io.BytesIO(second), destination=destination)
    assert count == 3 * 24
    with av.open(str(destination)) as container:
        assert container.duration / av.time_base == pytest.approx(3.0, abs=0.05)
        frames = [f.to_ndarray(format="rgb24").astype(int) for f in container.decode(video=0)]

    def frames_of(content):
        with av.open(io.BytesIO(content)) as container:
            return [f.to_ndarray(format="rgb24").astype(int) for f in container.decode(video=0)]

    assert np.abs(frames[0] - frames_of(first)[0]).mean() < 4
    assert np.abs(frames[48] - frames_of(second)[0]).mean() < 4
    assert Path(destination).stat().st_size > 0
