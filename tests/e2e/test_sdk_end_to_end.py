"""The whole path through the official `openai` SDK: live server, real worker, real engine."""

import hashlib
import io
import time

import av
import openai
import pytest
from rendition_fixtures import use_dev_certificate

from generation.models import Asset, Generation, Rendition
from generation.provenance.credentials import read_manifest
from generation.provenance.forensic import read_payload

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture
def c2pa(settings, tmp_path, monkeypatch):
    """A signing chain the worker (started after this) finds through its environment."""
    return use_dev_certificate(settings, tmp_path / "c2pa", monkeypatch)


def poll_until_done(client, video_id, *, timeout=180):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        video = client.videos.retrieve(video_id)
        seen.append((video.status, video.progress))
        if video.status not in ("queued", "in_progress"):
            return video, seen
        time.sleep(0.2)
    raise AssertionError(f"video {video_id} still not done after {timeout}s: {seen[-5:]}")


def test_create_poll_download_with_the_openai_sdk(live_server, c2pa, worker, token, tmp_path):
    client = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=token, max_retries=0)

    created = client.videos.create(prompt="a paper boat at dusk", seconds="4", size="720x1280")
    assert created.status == "queued"
    assert created.object == "video"
    assert created.id.startswith("video_")

    video, seen = poll_until_done(client, created.id)
    assert video.status == "completed", (video, worker.tail())
    assert video.progress == 100
    assert video.completed_at >= video.created_at
    assert any(status == "in_progress" for status, _ in seen)

    content = client.videos.download_content(created.id).read()
    with av.open(io.BytesIO(content)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (720, 1280)
        assert stream.codec_context.name == "h264"
        assert container.duration / av.time_base == pytest.approx(4.0, abs=0.1)
        assert sum(1 for _ in container.decode(stream)) == 4 * 24

    listed = client.videos.list(limit=10)
    assert [v.id for v in listed.data] == [created.id]

    # What was downloaded is the watermarked preview, never the original.
    generation = Generation.objects.get(public_id=created.id)
    asset = Asset.objects.get(generation=generation)
    preview = Rendition.objects.get(generation=generation, kind="preview")
    assert preview.status == "ready"
    assert (asset.width, asset.height, asset.codec) == (720, 1280, "h264")
    digest = hashlib.sha256(content).hexdigest()
    assert digest == preview.sha256
    assert digest != asset.sha256
    assert read_payload(io.BytesIO(content)).payload == preview.forensic_id
    downloaded = tmp_path / "downloaded.mp4"
    downloaded.write_bytes(content)
    manifest = read_manifest(downloaded)
    assert manifest["validation_state"] == "Valid"
    assert manifest["provenance"]["generation_id"] == created.id

    deleted = client.videos.delete(created.id)
    assert deleted.deleted is True
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve(created.id)
