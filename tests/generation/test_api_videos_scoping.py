"""Every /v1/videos call sees only the token's tester's videos in the token's program."""

import pytest
from video_api_helpers import assert_not_found, client_for

from factories import GenerationFactory, MembershipFactory, ProgramFactory, token_for
from generation.models import Generation


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
