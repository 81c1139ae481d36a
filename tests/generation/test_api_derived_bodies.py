"""The request bodies of remix, edit and extend that the schema allows: JSON objects, and
multipart forms with the source as `video[id]` (the SDK) or as one JSON part (OpenAPI's
multipart encoding of an object). A body that is not an object is a 400, never a 500."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rendition_fixtures import clip_bytes, complete_with_video, ready_rendition

from factories import GenerationFactory
from generation.models import Generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(tester, media_root):
    generation = GenerationFactory(tester=tester.user, program=tester.program, size="1280x720")
    generation = complete_with_video(generation, clip_bytes(width=320, height=180))
    ready_rendition(generation, clip_bytes(width=320, height=180))
    return generation


@pytest.mark.parametrize("body", [[None, None], "remix", 7, None])
def test_a_body_that_is_not_an_object_is_refused_with_a_400(api, source, body):
    response = api.post(
        f"/v1/videos/{source.public_id}/remix",
        data=json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    "video_part",
    [
        {"video[id]": "{id}"},  # how the openai SDK sends it
        {"video": json.dumps({"id": "{id}"})},  # OpenAPI's multipart encoding of an object
    ],
)
def test_an_edit_names_its_source_in_either_multipart_form(api, source, video_part):
    fields = {key: value.replace("{id}", source.public_id) for key, value in video_part.items()}
    response = api.post(
        "/v1/videos/edits", {"prompt": "night instead", **fields}, format="multipart"
    )
    assert response.status_code == 200, response.content
    edited = Generation.objects.get(public_id=response.json()["id"])
    assert edited.pk != source.pk and edited.tester_id == source.tester_id


def test_a_json_part_that_is_not_an_object_is_a_clear_400(api, source):
    response = api.post("/v1/videos/edits", {"prompt": "p", "video": "[1, 2]"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "video"


def test_an_uploaded_video_is_still_refused_for_an_edit(api, source):
    upload = SimpleUploadedFile("clip.mp4", b"\x00" * 64, content_type="video/mp4")
    response = api.post("/v1/videos/edits", {"prompt": "p", "video": upload}, format="multipart")
    assert response.status_code == 400
    assert "Uploading a video" in response.json()["error"]["message"]
