"""GET /v1/videos/{id}/content: only the watermarked preview is ever served."""

from django.core.files.storage import default_storage
from rendition_fixtures import ready_rendition
from video_api_helpers import PREVIEW_BYTES


def test_a_completed_video_downloads_its_watermarked_preview(api, completed_video):
    preview = ready_rendition(completed_video, PREVIEW_BYTES)
    response = api.get(f"/v1/videos/{completed_video.public_id}/content")
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Cache-Control"] == "private, no-store"
    served = b"".join(response.streaming_content)
    assert served == PREVIEW_BYTES
    with default_storage.open(preview.storage_key) as stored:
        assert served == stored.read()
    with default_storage.open(completed_video.asset.storage_key) as original:
        assert served != original.read()  # the original never leaves storage
    assert response["Content-Disposition"].endswith(f'filename="{completed_video.public_id}.mp4"')
