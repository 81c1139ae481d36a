"""/v1/videos through DRF's test client: OpenAI's Video shape, pagination, scoping, delete."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rendition_fixtures import ready_rendition
from rest_framework.test import APIClient

from accessprogram.audit.chain import LinkAfterCommit
from factories import GenerationFactory, MembershipFactory, ProgramFactory, token_for
from generation.models import Asset, Generation, Rendition

VIDEO_FIELDS = {
    "id",
    "object",
    "created_at",
    "completed_at",
    "expires_at",
    "status",
    "progress",
    "prompt",
    "seconds",
    "size",
    "model",
    "seed",
    "remixed_from_video_id",
    "error",
}
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def client_for(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def assert_not_found(response, video_id):
    assert response.status_code == 404, response.content
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "not_found"
    assert video_id in error["message"]


# --- create --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_create_returns_an_openai_video(api, tester, fmt):
    before = int(timezone.now().timestamp())
    response = api.post(
        "/v1/videos",
        {"prompt": "a paper boat at dusk", "seconds": "8", "size": "1280x720"},
        format=fmt,
    )
    assert response.status_code == 200, response.content
    video = response.json()
    assert set(video) == VIDEO_FIELDS
    assert video["object"] == "video"
    assert video["id"].startswith("video_")
    assert video["status"] == "queued"
    assert video["progress"] == 0
    assert video["prompt"] == "a paper boat at dusk"
    assert video["seconds"] == "8"
    assert video["size"] == "1280x720"
    assert video["model"] == "sora-2"
    assert video["completed_at"] is None
    assert video["error"] is None
    assert isinstance(video["created_at"], int)
    assert before - 1 <= video["created_at"] <= int(timezone.now().timestamp()) + 1

    generation = Generation.objects.get(public_id=video["id"])
    assert generation.tester == tester.user
    assert generation.program == tester.program
    assert generation.token.membership == tester
    assert (generation.seconds, generation.size, generation.status) == (8, "1280x720", "queued")
    assert generation.seed == video["seed"]


def test_create_uses_openais_defaults_and_keeps_a_given_seed(api):
    response = api.post("/v1/videos", {"prompt": "fog", "seed": 1234}, format="json")
    assert response.status_code == 200, response.content
    video = response.json()
    assert (video["seconds"], video["size"], video["model"]) == ("4", "720x1280", "sora-2")
    assert video["seed"] == 1234


def test_create_accepts_the_pro_model_and_integer_seconds(api):
    response = api.post(
        "/v1/videos", {"prompt": "fog", "model": "sora-2-pro", "seconds": 12}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["model"] == "sora-2-pro"
    assert response.json()["seconds"] == "12"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "   "}, "prompt"),
        ({}, "prompt"),
        ({"prompt": "x" * 4001}, "prompt"),
        ({"prompt": "fog", "seconds": "5"}, "seconds"),
        ({"prompt": "fog", "size": "640x480"}, "size"),
        ({"prompt": "fog", "model": "gpt-4o"}, "model"),
        ({"prompt": "fog", "seed": -1}, "seed"),
        ({"prompt": "fog", "seed": 2**31}, "seed"),
    ],
)
def test_bad_parameters_are_400_with_param_and_write_nothing(api, body, param):
    response = api.post("/v1/videos", body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert error["message"]
    assert Generation.objects.count() == 0


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


# --- list and pagination -------------------------------------------------------------------


@pytest.fixture
def twenty_five(tester):
    """25 videos; groups of three share a created_at, so ties must break by id."""
    return [
        GenerationFactory(
            tester=tester.user, program=tester.program, created_at=T0 + timedelta(seconds=i // 3)
        )
        for i in range(25)
    ]


def expected_order(generations, order):
    ordered = sorted(generations, key=lambda g: (g.created_at, g.id))
    if order == "desc":
        ordered.reverse()
    return [g.public_id for g in ordered]


def walk(api, *, limit, order):
    ids, pages, after = [], 0, None
    while True:
        params = {"limit": limit, "order": order}
        if after:
            params["after"] = after
        response = api.get("/v1/videos", params)
        assert response.status_code == 200, response.content
        page = response.json()
        pages += 1
        assert page["object"] == "list"
        data_ids = [video["id"] for video in page["data"]]
        assert len(data_ids) <= limit
        if data_ids:
            assert page["first_id"] == data_ids[0]
            assert page["last_id"] == data_ids[-1]
        else:
            assert page["first_id"] is None and page["last_id"] is None
        ids += data_ids
        if not page["has_more"]:
            return ids, pages
        assert len(data_ids) == limit
        after = page["last_id"]
        assert pages < 100, "pagination does not terminate"


def test_the_default_list_is_newest_first_twenty(api, twenty_five):
    page = api.get("/v1/videos").json()
    assert [v["id"] for v in page["data"]] == expected_order(twenty_five, "desc")[:20]
    assert page["has_more"] is True
    assert set(page["data"][0]) == VIDEO_FIELDS


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_walking_all_pages_yields_each_video_once_in_order(api, twenty_five, order):
    ids, pages = walk(api, limit=7, order=order)
    assert ids == expected_order(twenty_five, order)
    assert pages == 4


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(limit=st.integers(min_value=1, max_value=30), order=st.sampled_from(["asc", "desc"]))
def test_any_page_size_has_no_duplicates_or_gaps(api, twenty_five, limit, order):
    ids, pages = walk(api, limit=limit, order=order)
    assert ids == expected_order(twenty_five, order)
    assert pages == max(1, -(-25 // limit))


def test_an_exact_last_page_says_there_is_no_more(api, twenty_five):
    page = api.get("/v1/videos", {"limit": 25}).json()
    assert len(page["data"]) == 25
    assert page["has_more"] is False


def test_a_deleted_video_still_works_as_a_cursor(api, twenty_five):
    first = api.get("/v1/videos", {"limit": 5}).json()
    assert api.delete(f"/v1/videos/{first['last_id']}").status_code == 200
    second = api.get("/v1/videos", {"limit": 5, "after": first["last_id"]}).json()
    assert [v["id"] for v in second["data"]] == expected_order(twenty_five, "desc")[5:10]


def test_an_empty_list(api):
    page = api.get("/v1/videos").json()
    assert page == {
        "object": "list",
        "data": [],
        "first_id": None,
        "last_id": None,
        "has_more": False,
    }


@pytest.mark.parametrize(
    ("params", "param"),
    [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"order": "newest"}, "order")],
)
def test_bad_list_parameters(api, params, param):
    response = api.get("/v1/videos", params)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


# --- scoping -------------------------------------------------------------------------------


@pytest.fixture
def someone_elses_video(program):
    other = MembershipFactory(program=program)
    return GenerationFactory(tester=other.user, program=program)


def test_another_testers_videos_never_appear(api, tester, someone_elses_video):
    mine = GenerationFactory(tester=tester.user, program=tester.program)
    ids = [v["id"] for v in api.get("/v1/videos", {"limit": 100}).json()["data"]]
    assert ids == [mine.public_id]


@pytest.mark.parametrize("suffix", ["", "/content"])
def test_another_testers_video_answers_404(api, someone_elses_video, suffix):
    video_id = someone_elses_video.public_id
    assert_not_found(api.get(f"/v1/videos/{video_id}{suffix}"), video_id)


def test_another_testers_video_cannot_be_deleted(api, someone_elses_video):
    video_id = someone_elses_video.public_id
    assert_not_found(api.delete(f"/v1/videos/{video_id}"), video_id)
    someone_elses_video.refresh_from_db()
    assert someone_elses_video.status == Generation.Status.QUEUED
    assert someone_elses_video.deleted_at is None


def test_another_testers_video_is_not_a_cursor(api, someone_elses_video):
    response = api.get("/v1/videos", {"after": someone_elses_video.public_id})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "after"


def test_a_nonexistent_id_answers_404(api):
    assert_not_found(api.get("/v1/videos/video_doesnotexist"), "video_doesnotexist")


def test_a_token_in_another_program_does_not_see_the_first_programs_videos(api, tester):
    first = api.post("/v1/videos", {"prompt": "fog"}, format="json").json()
    elsewhere = MembershipFactory(user=tester.user, program=ProgramFactory())
    other_api = client_for(token_for(elsewhere))

    assert other_api.get("/v1/videos").json()["data"] == []
    assert_not_found(other_api.get(f"/v1/videos/{first['id']}"), first["id"])
    assert_not_found(other_api.delete(f"/v1/videos/{first['id']}"), first["id"])

    second = other_api.post("/v1/videos", {"prompt": "rain"}, format="json").json()
    assert Generation.objects.get(public_id=second["id"]).program == elsewhere.program
    assert [v["id"] for v in api.get("/v1/videos").json()["data"]] == [first["id"]]
    assert [v["id"] for v in other_api.get("/v1/videos").json()["data"]] == [second["id"]]


# --- delete --------------------------------------------------------------------------------


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


@pytest.fixture
def completed_video(tester, media_root):
    generation = GenerationFactory(
        tester=tester.user,
        program=tester.program,
        status=Generation.Status.COMPLETED,
        progress=100,
        completed_at=timezone.now(),
    )
    key = default_storage.save(
        f"generations/{generation.program_id}/{generation.public_id}.mp4",
        ContentFile(b"\x00\x00\x00\x18ftypmp42 not really a video"),
    )
    Asset.objects.create(
        generation=generation,
        storage_key=key,
        sha256="0" * 64,
        bytes=default_storage.size(key),
        width=1280,
        height=720,
        duration_seconds=4.0,
        codec="h264",
    )
    return generation


PREVIEW_BYTES = b"\x00\x00\x00\x18ftypmp42 the watermarked preview"


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
