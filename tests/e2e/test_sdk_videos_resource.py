"""The rest of the Videos resource rendered for real: the official `openai` SDK against the live
server, a Celery worker and the reference engine. Thumbnails and spritesheets are decoded with
Pillow, videos with PyAV; the watermark is looked for in each."""

import io
import itertools

import av
import numpy as np
import openai
import pytest
from PIL import Image
from rendition_fixtures import clip_bytes, use_dev_certificate
from test_sdk_end_to_end import poll_until_done

from generation.models import Generation, Rendition
from generation.provenance.credentials import read_manifest
from generation.provenance.forensic import read_frames, read_payload
from generation.provenance.posters import tile_size
from generation.provenance.visible import OUTLINE_LUMA, TEXT_LUMA, Overlay, VisibleMark

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture
def c2pa(settings, tmp_path, monkeypatch):
    return use_dev_certificate(settings, tmp_path / "c2pa", monkeypatch)


@pytest.fixture
def client(live_server, token) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=token, max_retries=0)


def by_id(video_id: str) -> dict:
    """openai 3.63's edit()/extend() refuse a dict for `video` client-side: send it as the
    multipart field video[id] through extra_body (see tests/generation/...resource_sdk.py)."""
    return {"video": openai.omit, "extra_body": {"video": {"id": video_id}}}


def frames_of(content: bytes) -> list[np.ndarray]:
    """Every frame of an MP4 as an RGB array."""
    with av.open(io.BytesIO(content)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def video_range(image: Image.Image) -> np.ndarray:
    """An image's luma in video range (16-235), where the marks were drawn: JPEG is full range."""
    full = np.asarray(image.convert("L")).astype(np.float32)
    return np.clip(np.rint(16 + full * 219 / 255), 0, 255).astype(np.uint8)


def mark_of(generation: Generation) -> VisibleMark:
    program = generation.program
    return VisibleMark(
        text=program.name,
        position=program.watermark_position,
        opacity=program.watermark_opacity / 100,
    )


def assert_visible_mark(luma: np.ndarray, mark: VisibleMark):
    """The mark's text pixels are bright and its outline dark where Overlay draws them."""
    overlay = Overlay(mark, luma.shape[1], luma.shape[0])
    assert overlay.active
    box = luma[
        overlay.top : overlay.top + overlay.alpha.shape[0],
        overlay.left : overlay.left + overlay.alpha.shape[1],
    ].astype(float)
    ink = overlay.target == TEXT_LUMA
    outline = (overlay.alpha > 0) & (overlay.target == OUTLINE_LUMA)
    assert box[ink].mean() - box[outline].mean() > 60 * mark.opacity


def test_thumbnail_and_spritesheet_come_from_the_watermarked_preview(
    client, live_server, c2pa, worker, tester
):
    created = client.videos.create(prompt="a kite over dunes", seconds="4", size="1280x720")
    video, _ = poll_until_done(client, created.id)
    assert video.status == "completed", worker.tail()
    generation = Generation.objects.select_related("program").get(public_id=created.id)
    preview = Rendition.objects.get(generation=generation, kind="preview")

    thumbnail = client.videos.download_content(created.id, variant="thumbnail").read()
    with Image.open(io.BytesIO(thumbnail)) as image:
        assert (image.format, image.size) == ("JPEG", (1280, 720))
        luma = video_range(image)
    assert read_frames([luma]).payload == preview.forensic_id  # the preview's forensic mark
    assert_visible_mark(luma, mark_of(generation))

    raw = client.videos.with_raw_response.download_content(created.id, variant="spritesheet")
    layout = {
        name: raw.headers[f"x-spritesheet-{name}"]
        for name in ("columns", "rows", "tile-width", "tile-height", "interval-seconds", "frames")
    }
    assert layout == {
        "columns": "4",
        "rows": "1",
        "tile-width": "240",
        "tile-height": "136",
        "interval-seconds": "1.0",
        "frames": "4",
    }
    assert tile_size(1280, 720) == (240, 136)
    with Image.open(io.BytesIO(raw.content)) as sheet:
        assert (sheet.format, sheet.size) == ("JPEG", (4 * 240, 136))
        tiles = [
            np.asarray(sheet.crop((i * 240, 0, (i + 1) * 240, 136)).convert("L")) for i in range(4)
        ]
    for tile in tiles:
        assert_visible_mark(tile, mark_of(generation))
    # Tiles are the clip at 0, 1, 2 and 3 s: they differ from each other.
    assert all(np.abs(a.astype(int) - b).mean() > 1 for a, b in itertools.pairwise(tiles))


def test_remix_edit_and_extend_render_from_their_source(client, c2pa, worker, tester, tmp_path):
    tester.program.active_jobs_per_tester = 4
    tester.program.save()
    source = client.videos.create(prompt="a red lantern", seconds="4", size="1280x720")
    done, _ = poll_until_done(client, source.id)
    assert done.status == "completed", worker.tail()
    source_content = client.videos.download_content(source.id).read()

    remix = client.videos.remix(source.id, prompt="a blue lantern")
    edit = client.videos.edit(prompt="the lantern in rain", **by_id(source.id))
    extension = client.videos.extend(prompt="the lantern drifts", seconds="4", **by_id(source.id))
    results = {
        name: poll_until_done(client, v.id)[0]
        for name, v in (("remix", remix), ("edit", edit), ("extension", extension))
    }
    assert {v.status for v in results.values()} == {"completed"}, [
        (r.generation.public_id, r.generation.kind, r.error)
        for r in Rendition.objects.filter(status="failed").select_related("generation")
    ]
    assert results["remix"].remixed_from_video_id == source.id
    assert results["extension"].seconds == "8"

    extended = client.videos.download_content(extension.id).read()
    with av.open(io.BytesIO(extended)) as container:
        assert container.duration / av.time_base == pytest.approx(8.0, abs=0.15)
    stitched, original = frames_of(extended), frames_of(source_content)
    assert len(stitched) == 8 * 24

    # The first half is the source; the extension starts where the source ended (each file
    # went through its own encodes and marks, so "the same" is within a few levels).
    def differ(a, b):
        return np.abs(a.astype(int) - b).mean()

    assert differ(stitched[10], original[10]) < 6
    assert differ(stitched[96], original[-1]) < 6
    assert differ(stitched[96], original[0]) > 4 * differ(stitched[96], original[-1])

    for name, video in results.items():
        path = tmp_path / f"{name}.mp4"
        path.write_bytes(client.videos.download_content(video.id).read())
        manifest = read_manifest(path)
        assert manifest["validation_state"] == "Valid", name
        assert manifest["provenance"]["derived_from"] == {"kind": name, "video_id": source.id}
        assert {"title": f"{source.id}.mp4", "relationship": "parentOf"} in manifest[
            "ingredients"
        ], name
        preview = Rendition.objects.get(generation__public_id=video.id, kind="preview")
        assert read_payload(path).payload == preview.forensic_id


def test_a_reference_image_is_the_first_frame(client, c2pa, worker, tester, tmp_path):
    reference = Image.new("RGB", (720, 1280), (20, 160, 220))
    buffer = io.BytesIO()
    reference.save(buffer, format="PNG")
    created = client.videos.create(
        prompt="from a plain sky",
        size="720x1280",
        seconds="4",
        input_reference=("sky.png", buffer.getvalue(), "image/png"),
    )
    video, _ = poll_until_done(client, created.id)
    assert video.status == "completed", worker.tail()
    content = client.videos.download_content(created.id).read()
    first = frames_of(content)[0].astype(int)
    # Away from the watermark corner the first frame is the reference colour.
    assert np.abs(first[100:600, 100:600] - (20, 160, 220)).mean() < 8
    path = tmp_path / "v.mp4"
    path.write_bytes(content)
    manifest = read_manifest(path)
    assert {"title": "input_reference.png", "relationship": "inputTo"} in manifest["ingredients"]


def test_a_character_named_in_the_prompt_reaches_the_engine(client, c2pa, worker, tester):
    clip = clip_bytes(width=320, height=180)
    character = client.videos.create_character(name="Lu", video=("lu.mp4", clip, "video/mp4"))
    created = client.videos.create(prompt="@Lu rows across the bay", size="1280x720")
    video, _ = poll_until_done(client, created.id)
    assert video.status == "completed", worker.tail()
    assert client.videos.get_character(character.id).name == "Lu"
    # The reference engine shows each character as an inset a quarter of the frame wide at
    # the top left (14 px margin at 720p): there is the clip's first frame.
    first = frames_of(client.videos.download_content(created.id).read())[0].astype(int)
    assert np.abs(first[14:194, 14:334] - frames_of(clip)[0]).mean() < 8


@pytest.mark.parametrize(
    "size,seconds,model", [("1792x1024", "8", "sora-2-pro"), ("1024x1792", "12", "sora-2")]
)
def test_each_size_and_length_is_rendered_as_asked(client, c2pa, worker, size, seconds, model):
    created = client.videos.create(prompt="tall waves", size=size, seconds=seconds, model=model)
    video, _ = poll_until_done(client, created.id, timeout=300)
    assert (video.status, video.size, video.seconds, video.model) == (
        "completed",
        size,
        seconds,
        model,
    ), worker.tail()
    content = client.videos.download_content(created.id).read()
    with av.open(io.BytesIO(content)) as container:
        stream = container.streams.video[0]
        assert f"{stream.codec_context.width}x{stream.codec_context.height}" == size
        assert container.duration / av.time_base == pytest.approx(int(seconds), abs=0.15)
