"""GET /v1/videos/{id}: the same Video object, its error, and status while the preview is built."""

from django.utils import timezone
from rendition_fixtures import ready_rendition
from video_api_helpers import PREVIEW_BYTES

from factories import GenerationFactory
from generation.models import Generation, Rendition


def test_retrieve_returns_the_same_video(api):
    created = api.post("/v1/videos", {"prompt": "fog"}, format="json").json()
    response = api.get(f"/v1/videos/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_a_cancelled_video_carries_its_error(api, tester):
    generation = GenerationFactory(
        tester=tester.user,
        program=tester.program,
        status=Generation.Status.CANCELLED,
        error_code="cancelled",
        error_message="Cancelled by the tester.",
        completed_at=timezone.now(),
    )
    video = api.get(f"/v1/videos/{generation.public_id}").json()
    assert video["status"] == "cancelled"
    assert video["error"] == {"code": "cancelled", "message": "Cancelled by the tester."}
    assert video["completed_at"] == int(generation.completed_at.timestamp())


def test_a_completed_video_is_in_progress_until_its_preview_is_ready(api, completed_video):
    Rendition.objects.create(
        generation=completed_video, kind=Rendition.Kind.PREVIEW, forensic_id=77
    )
    video = api.get(f"/v1/videos/{completed_video.public_id}").json()
    assert (video["status"], video["progress"], video["completed_at"]) == ("in_progress", 99, None)
    listed = api.get("/v1/videos").json()["data"]
    assert [(v["status"], v["progress"]) for v in listed] == [("in_progress", 99)]

    response = api.get(f"/v1/videos/{completed_video.public_id}/content")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "video_not_ready"
    assert b"ftypmp42" not in response.content

    Rendition.objects.all().delete()
    ready_rendition(completed_video, PREVIEW_BYTES)
    video = api.get(f"/v1/videos/{completed_video.public_id}").json()
    assert (video["status"], video["progress"]) == ("completed", 100)
    assert video["completed_at"] == int(completed_video.completed_at.timestamp())
    assert api.get(f"/v1/videos/{completed_video.public_id}/content").status_code == 200


def test_a_preview_that_could_not_be_made_reports_the_video_failed(api, completed_video):
    Rendition.objects.create(
        generation=completed_video,
        kind=Rendition.Kind.PREVIEW,
        forensic_id=78,
        status=Rendition.Status.FAILED,
        error="Build failed: boom",
    )
    video = api.get(f"/v1/videos/{completed_video.public_id}").json()
    assert video["status"] == "failed"
    assert video["error"]["code"] == "preview_failed"
    assert "boom" not in video["error"]["message"]  # internals stay internal
    assert api.get(f"/v1/videos/{completed_video.public_id}/content").status_code == 404
