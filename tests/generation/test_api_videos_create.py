"""POST /v1/videos: OpenAI's Video object back, defaults, and bad input refused whole."""

import pytest
from django.utils import timezone
from video_api_helpers import VIDEO_FIELDS

from generation.models import Generation


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
