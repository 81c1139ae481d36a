"""render_rendition: a browser-playable, marked copy with the source's geometry and timing."""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import MARK, PAYLOAD, engine_clip, luma_frames, psnr

from generation.provenance.forensic import embed_frame, read_payload
from generation.provenance.pipeline import RenditionFacts, render_rendition
from generation.provenance.visible import Overlay, VisibleMark


def top_level_boxes(path) -> list[str]:
    data = Path(path).read_bytes()
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        offset += size
    return boxes


def test_facts_describe_the_written_720p_rendition(clip_720p, rendition_720p, tmp_path):
    facts = render_rendition(
        source=clip_720p, destination=tmp_path / "out.mp4", payload=PAYLOAD, mark=MARK
    )
    assert facts == RenditionFacts(
        width=1280,
        height=720,
        frames=96,
        duration_seconds=4.0,
        bytes=(tmp_path / "out.mp4").stat().st_size,
        codec="h264",
    )
    assert not (tmp_path / "out.mp4.part").exists()


def test_rendition_plays_in_browsers(rendition_720p):
    """H.264 High/Main, yuv420p, MP4 with the index (moov) before the media (mdat)."""
    with av.open(rendition_720p) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert stream.codec_context.profile in {"High", "Main", "Constrained Baseline"}
        assert stream.average_rate == 24
        assert container.duration / av.time_base == pytest.approx(4.0, abs=0.05)
    boxes = top_level_boxes(rendition_720p)
    assert boxes[0] == "ftyp"
    assert boxes.index("moov") < boxes.index("mdat")  # faststart


def test_every_frame_is_marked_yet_close_to_the_source(clip_720p, rendition_720p):
    source, rendition = luma_frames(clip_720p), luma_frames(rendition_720p)
    assert len(source) == len(rendition) == 96
    # The visible mark sits in the bottom-right corner; elsewhere the picture is intact.
    values = [psnr(a[:540, :900], b[:540, :900]) for a, b in zip(source, rendition, strict=True)]
    assert min(values) > 38
    corner = [
        np.abs(a[-60:, -420:].astype(int) - b[-60:, -420:]).max()
        for a, b in zip(source, rendition, strict=True)
    ]
    assert min(corner) > 60  # the text is on every frame


def test_each_frame_is_marked_once_not_the_pictures_later_frames_are_predicted_from(
    clip_720p, rendition_720p
):
    """Frames are marked in place; the decoder's reference pictures must stay unmarked.

    Were a reference marked, every later frame would be predicted from a marked picture
    and marked again: the visible mark creeps towards full opacity and the picture drifts.
    """
    overlay = Overlay(MARK, 1280, 720)
    with av.open(clip_720p) as container:
        expected = []
        for frame in container.decode(video=0):
            planes = frame.to_ndarray(format="yuv420p")
            overlay.apply(planes)
            expected.append(embed_frame(planes[:720], PAYLOAD))
    rendition = luma_frames(rendition_720p)
    box = (slice(overlay.top, overlay.top + overlay.alpha.shape[0]), slice(overlay.left, None))
    assert min(psnr(a, b) for a, b in zip(expected, rendition, strict=True)) > 45
    assert min(psnr(a[box], b[box]) for a, b in zip(expected, rendition, strict=True)) > 38


def test_opacity_zero_has_no_visible_mark_but_still_traces(tmp_path):
    source = engine_clip(tmp_path / "source.mp4", width=640, height=360)
    destination = tmp_path / "out.mp4"
    render_rendition(
        source=source,
        destination=destination,
        payload=99,
        mark=VisibleMark("Early access · Aurora", "bottom_right", 0.0),
    )
    worst_corner = max(
        np.abs(a[-40:, -300:].astype(int) - b[-40:, -300:]).max()
        for a, b in zip(luma_frames(source), luma_frames(destination), strict=True)
    )
    assert worst_corner < 30  # compression and the forensic mark only, no text
    assert read_payload(destination).payload == 99


def test_portrait_and_odd_rates_keep_geometry_and_timing(tmp_path):
    source = tmp_path / "portrait.mp4"
    with av.open(str(source), "w") as out:
        stream = out.add_stream("h264", rate=Fraction(30000, 1001))
        stream.width, stream.height, stream.pix_fmt = 360, 640, "yuv420p"
        for index in range(30):
            frame = np.full((960, 360), 128, np.uint8)
            frame[:640] = np.linspace(30, 220, 360, dtype=np.uint8)[None, :]
            frame[(index * 20) % 600 : (index * 20) % 600 + 40, :] = 200
            video = av.VideoFrame.from_ndarray(frame, format="yuv420p")
            video.pts = index
            out.mux(stream.encode(video))
        out.mux(stream.encode(None))
    facts = render_rendition(
        source=source, destination=tmp_path / "out.mp4", payload=PAYLOAD, mark=MARK
    )
    assert (facts.width, facts.height, facts.frames) == (360, 640, 30)
    assert facts.duration_seconds == pytest.approx(30 * 1001 / 30000, abs=0.002)
    with av.open(str(tmp_path / "out.mp4")) as container:
        assert container.streams.video[0].average_rate == Fraction(30000, 1001)
    assert read_payload(tmp_path / "out.mp4").payload == PAYLOAD


def test_audio_track_is_kept(tmp_path):
    source = tmp_path / "with-audio.mp4"
    with av.open(str(source), "w") as out:
        video = out.add_stream("h264", rate=24)
        video.width, video.height, video.pix_fmt = 320, 180, "yuv420p"
        audio = out.add_stream("aac", rate=48000)
        audio.layout = "mono"
        for index in range(24):
            frame = av.VideoFrame.from_ndarray(np.full((270, 320), 90 + index, np.uint8), "yuv420p")
            frame.pts = index
            out.mux(video.encode(frame))
        tone = (0.2 * np.sin(np.arange(48000) * 2 * np.pi * 440 / 48000)).astype(np.float32)
        for start in range(0, 48000 - 1024, 1024):
            samples = av.AudioFrame.from_ndarray(
                tone[None, start : start + 1024], format="flt", layout="mono"
            )
            samples.sample_rate, samples.pts = 48000, start
            out.mux(audio.encode(samples))
        out.mux(video.encode(None))
        out.mux(audio.encode(None))
    render_rendition(source=source, destination=tmp_path / "out.mp4", payload=5, mark=MARK)
    with av.open(str(source)) as before, av.open(str(tmp_path / "out.mp4")) as after:
        assert [s.type for s in after.streams] == ["video", "audio"]
        assert after.streams.audio[0].codec_context.name == "aac"
        assert sum(1 for _ in after.decode(audio=0)) == sum(1 for _ in before.decode(audio=0))
    assert read_payload(tmp_path / "out.mp4").payload == 5


def test_a_source_that_is_not_a_video_fails_cleanly(tmp_path):
    bogus = tmp_path / "bogus.mp4"
    bogus.write_bytes(b"definitely not a video" * 50)
    destination = tmp_path / "out.mp4"
    with pytest.raises(ValueError, match="not a readable video"):
        render_rendition(source=bogus, destination=destination, payload=1, mark=MARK)
    assert list(tmp_path.iterdir()) == [bogus]  # no partial file left behind


def test_a_truncated_video_fails_without_leaving_a_file(tmp_path):
    source = engine_clip(tmp_path / "source.mp4", width=320, height=180)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(Path(source).read_bytes()[:2000])  # header only, the index is at the end
    destination = tmp_path / "out.mp4"
    with pytest.raises(ValueError):
        render_rendition(source=cut, destination=destination, payload=1, mark=MARK)
    assert not destination.exists()
    assert not Path(str(destination) + ".part").exists()


@pytest.mark.parametrize("payload", [0, 2**32])
def test_payload_outside_the_id_space_is_refused_before_any_work(tmp_path, payload):
    with pytest.raises(ValueError, match="payload"):
        render_rendition(
            source=tmp_path / "missing.mp4",
            destination=tmp_path / "out.mp4",
            payload=payload,
            mark=MARK,
        )


def test_each_frame_reports_progress_against_the_expected_count(clip_720p, tmp_path):
    seen: list[tuple[int, int]] = []
    render_rendition(
        source=clip_720p,
        destination=tmp_path / "out.mp4",
        payload=PAYLOAD,
        mark=MARK,
        on_frame=lambda done, total: seen.append((done, total)),
    )
    assert [done for done, _ in seen] == list(range(1, 97))
    assert {total for _, total in seen} == {96}
