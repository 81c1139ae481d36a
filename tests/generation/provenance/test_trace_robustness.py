"""A leaked copy of a rendition still names its rendition after the usual abuse."""

from __future__ import annotations

import io
from fractions import Fraction

import av
from conftest import MARK, OTHER_PAYLOAD, PAYLOAD, bitrate, engine_clip, reencode

from generation.provenance.forensic import read_payload
from generation.provenance.pipeline import render_rendition


def test_rendition_reads_back_its_payload(rendition_720p):
    found = read_payload(rendition_720p)
    assert found is not None
    assert found.payload == PAYLOAD
    assert found.frames_used == 96
    assert 0.2 < found.confidence <= 1.0


def test_third_of_the_bitrate_at_half_size_still_traces(rendition_720p, tmp_path):
    """The acceptance test: re-encoded at 1/3 of its bitrate AND scaled to 640x360."""
    target = bitrate(rendition_720p) / 3
    leaked = reencode(rendition_720p, tmp_path / "leak.mp4", width=640, height=360, bit_rate=target)
    assert bitrate(leaked) < bitrate(rendition_720p) / 2  # the attack really happened
    found = read_payload(leaked)
    assert found is not None
    assert found.payload == PAYLOAD


def test_crf_35_reencode_still_traces(rendition_720p, tmp_path):
    leaked = reencode(rendition_720p, tmp_path / "crf35.mp4", crf=35)
    found = read_payload(leaked)
    assert found is not None and found.payload == PAYLOAD


def test_crf_35_at_half_size_still_traces(rendition_720p, tmp_path):
    leaked = reencode(rendition_720p, tmp_path / "crf35-half.mp4", width=640, height=360, crf=35)
    found = read_payload(leaked)
    assert found is not None and found.payload == PAYLOAD


def test_small_phone_copy_of_a_one_second_excerpt_still_traces(rendition_720p, tmp_path):
    leaked = reencode(
        rendition_720p, tmp_path / "excerpt.mp4", width=426, height=240, crf=30, frames=24
    )
    found = read_payload(leaked)
    assert found is not None and found.payload == PAYLOAD
    assert found.frames_used == 24


def test_unmarked_video_and_its_reencode_read_none(clip_720p, tmp_path):
    assert read_payload(clip_720p) is None
    assert read_payload(reencode(clip_720p, tmp_path / "half.mp4", width=640, height=360)) is None


def test_two_renditions_of_one_clip_read_their_own_payloads(tmp_path):
    source = engine_clip(tmp_path / "source.mp4", seconds=1, width=640, height=360, seed=11)
    first, second = tmp_path / "first.mp4", tmp_path / "second.mp4"
    render_rendition(source=source, destination=first, payload=PAYLOAD, mark=MARK)
    with open(source, "rb") as stream:  # a file object works as well as a path
        render_rendition(source=stream, destination=second, payload=OTHER_PAYLOAD, mark=MARK)
    assert read_payload(first).payload == PAYLOAD
    with open(second, "rb") as stream:
        assert read_payload(io.BytesIO(stream.read())).payload == OTHER_PAYLOAD
    # Both leaked at a lower quality: still told apart.
    assert read_payload(reencode(first, tmp_path / "a.mp4", crf=32)).payload == PAYLOAD
    assert read_payload(reencode(second, tmp_path / "b.mp4", crf=32)).payload == OTHER_PAYLOAD


def _reencode_as(source, destination, *, codec, pix_fmt, width, height, options=None):
    with av.open(str(source)) as src, av.open(str(destination), "w") as out:
        stream = out.add_stream(codec, rate=24, options=options or {})
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        for index, frame in enumerate(src.decode(video=0)):
            copy = frame.reformat(width=width, height=height, format=pix_fmt)
            copy.pts, copy.time_base = index, Fraction(1, 24)
            out.mux(stream.encode(copy))
        out.mux(stream.encode(None))
    return str(destination)


def test_copies_in_other_codecs_pixel_formats_and_odd_sizes_still_trace(rendition_720p, tmp_path):
    mpeg4 = _reencode_as(
        rendition_720p,
        tmp_path / "old.avi",
        codec="mpeg4",
        pix_fmt="yuv420p",
        width=640,
        height=360,
    )
    assert read_payload(mpeg4).payload == PAYLOAD
    odd = _reencode_as(
        rendition_720p,
        tmp_path / "odd.mp4",
        codec="h264",
        pix_fmt="yuv444p",  # 4:4:4 allows odd sizes
        width=853,
        height=479,
        options={"crf": "28", "preset": "veryfast"},
    )
    assert read_payload(odd).payload == PAYLOAD


def test_a_thumbnail_too_small_to_hold_the_mark_reads_none(rendition_720p, tmp_path):
    tiny = _reencode_as(
        rendition_720p, tmp_path / "tiny.mp4", codec="h264", pix_fmt="yuv420p", width=48, height=28
    )
    assert read_payload(tiny) is None
