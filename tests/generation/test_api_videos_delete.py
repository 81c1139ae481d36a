"""DELETE /v1/videos/{id}: queued work is cancelled, finished files removed, the video hidden."""

from video_api_helpers import assert_not_found

from accessprogram.audit.chain import LinkAfterCommit
from generation.models import Generation


def test_deleting_a_queued_video_cancels_and_hides_it(api, django_capture_on_commit_callbacks):
    created = api.post("/v1/videos", {"prompt": "fog"}, format="json").json()

    with django_capture_on_commit_callbacks() as callbacks:
        response = api.delete(f"/v1/videos/{created['id']}")
    assert response.status_code == 200
    assert response.json() == {"id": created["id"], "object": "video.deleted", "deleted": True}
    nudges = [c for c in callbacks if not isinstance(c, LinkAfterCommit)]  # not the audit link
    assert nudges, "the dispatch sweep should be nudged to clean up"

    generation = Generation.objects.get(public_id=created["id"])
    assert generation.status == Generation.Status.CANCELLED
    assert generation.engine_cleanup_pending is True
    assert generation.deleted_at is not None

    assert_not_found(api.get(f"/v1/videos/{created['id']}"), created["id"])
    assert_not_found(api.delete(f"/v1/videos/{created['id']}"), created["id"])
    assert api.get("/v1/videos").json()["data"] == []


def test_deleting_a_completed_video_removes_its_file(
    api, completed_video, media_root, django_capture_on_commit_callbacks
):
    key = completed_video.asset.storage_key
    assert (media_root / key).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"/v1/videos/{completed_video.public_id}")
    assert response.status_code == 200

    assert not (media_root / key).exists()
    completed_video.refresh_from_db()
    assert completed_video.status == Generation.Status.COMPLETED  # finished work stays finished
    assert completed_video.deleted_at is not None
    assert_not_found(
        api.get(f"/v1/videos/{completed_video.public_id}/content"), completed_video.public_id
    )
