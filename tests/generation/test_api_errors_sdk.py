"""API errors as the official `openai` SDK sees them: the right exception class, type and code.

A live server and no worker: created videos stay queued, which is all these tests need.
"""

import openai
import pytest

from accessprogram.access import tokens
from accessprogram.access.models import ApiToken
from accessprogram.access.services import revoke_token
from factories import GenerationFactory, MembershipFactory
from generation.models import Generation

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


def sdk(live_server, api_key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=api_key, max_retries=0)


@pytest.fixture
def client(live_server, token) -> openai.OpenAI:
    return sdk(live_server, token)


def test_the_sdk_round_trip_works(client):
    created = client.videos.create(prompt="a paper boat at dusk", seconds="4", size="1280x720")
    assert created.status == "queued"
    assert created.seconds == "4"
    assert client.videos.retrieve(created.id).id == created.id
    assert [video.id for video in client.videos.list(limit=5).data] == [created.id]
    assert client.videos.delete(created.id).deleted is True


# --- 401 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "api_key",
    ["sk-not-ours", tokens.generate(), "eap_" + "0" * 36],
    ids=["foreign", "unknown", "bad-checksum"],
)
def test_a_bad_key_is_an_authentication_error(live_server, api_key):
    with pytest.raises(openai.AuthenticationError) as raised:
        sdk(live_server, api_key).videos.list()
    error = raised.value
    assert error.status_code == 401
    assert error.type == "invalid_request_error"
    assert error.code == "invalid_api_key"
    assert error.body["message"] == "Incorrect API key provided."
    assert error.response.headers["www-authenticate"] == "Bearer"


def test_a_revoked_key_is_an_authentication_error_saying_so(live_server, token):
    revoke_token(token=ApiToken.objects.get(digest=tokens.digest(token)), reason="leaked")
    with pytest.raises(openai.AuthenticationError) as raised:
        sdk(live_server, token).videos.create(prompt="fog")
    assert raised.value.code == "invalid_api_key"
    assert "revoked" in raised.value.body["message"]
    assert Generation.objects.count() == 0


# --- 404 ------------------------------------------------------------------------------------


@pytest.fixture
def someone_elses_video(program):
    other = MembershipFactory(program=program)
    return GenerationFactory(tester=other.user, program=program)


@pytest.mark.parametrize("call", ["retrieve", "delete", "download_content"])
def test_another_testers_video_is_not_found(client, someone_elses_video, call):
    video_id = someone_elses_video.public_id
    with pytest.raises(openai.NotFoundError) as raised:
        getattr(client.videos, call)(video_id)
    assert raised.value.status_code == 404
    assert raised.value.type == "invalid_request_error"
    assert raised.value.code == "not_found"
    assert video_id in raised.value.body["message"]
    someone_elses_video.refresh_from_db()
    assert someone_elses_video.deleted_at is None


def test_a_nonexistent_video_is_not_found(client):
    with pytest.raises(openai.NotFoundError) as raised:
        client.videos.retrieve("video_" + "0" * 32)
    assert raised.value.code == "not_found"


# --- 400 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "param", "says"),
    [
        ({"prompt": "fog", "seconds": "5"}, "seconds", "seconds must be one of '4', '8', '12'"),
        ({"prompt": "fog", "size": "640x480"}, "size", "size must be one of"),
        ({"prompt": ""}, "prompt", "blank"),
        ({"prompt": "   "}, "prompt", "prompt is required"),
        ({"prompt": "fog", "model": "sora-1"}, "model", "model must be one of"),
    ],
)
def test_bad_parameters_are_bad_request_errors(client, kwargs, param, says):
    with pytest.raises(openai.BadRequestError) as raised:
        client.videos.create(**kwargs)
    error = raised.value
    assert error.status_code == 400
    assert error.type == "invalid_request_error"
    assert error.param == param
    assert says in error.body["message"]
    assert Generation.objects.count() == 0


def test_a_bad_list_limit_is_a_bad_request_error(client):
    with pytest.raises(openai.BadRequestError) as raised:
        client.videos.list(limit=1000)
    assert raised.value.param == "limit"


# --- 429 ------------------------------------------------------------------------------------


def test_over_the_daily_quota_is_a_rate_limit_error(client, program):
    program.daily_generation_quota = 2
    program.save()
    for _ in range(2):
        client.videos.create(prompt="fog")

    with pytest.raises(openai.RateLimitError) as raised:
        client.videos.create(prompt="one too many")
    error = raised.value
    assert error.status_code == 429
    assert error.type == "rate_limit_error"
    assert error.code == "daily_quota_exceeded"
    assert "Daily quota of 2" in error.body["message"]
    assert Generation.objects.count() == 2


def test_deleting_does_not_give_back_daily_quota(client, program):
    program.daily_generation_quota = 1
    program.save()
    client.videos.delete(client.videos.create(prompt="fog").id)
    with pytest.raises(openai.RateLimitError) as raised:
        client.videos.create(prompt="again")
    assert raised.value.code == "daily_quota_exceeded"


def test_over_the_active_jobs_limit_is_a_rate_limit_error(client, program):
    program.active_jobs_per_tester = 1
    program.save()
    first = client.videos.create(prompt="fog")

    with pytest.raises(openai.RateLimitError) as raised:
        client.videos.create(prompt="a second one")
    error = raised.value
    assert error.type == "rate_limit_error"
    assert error.code == "too_many_active_jobs"
    assert "limit is 1" in error.body["message"]

    # Finishing (here: cancelling) the first frees the slot.
    client.videos.delete(first.id)
    assert client.videos.create(prompt="a second one").status == "queued"


# --- 409 ------------------------------------------------------------------------------------


def test_downloading_a_video_that_is_not_ready_is_a_conflict_error(client):
    video = client.videos.create(prompt="fog")
    with pytest.raises(openai.ConflictError) as raised:
        client.videos.download_content(video.id)
    error = raised.value
    assert error.status_code == 409
    assert error.type == "invalid_request_error"
    assert error.code == "video_not_ready"
    assert "queued" in error.body["message"]


def test_a_variant_we_do_not_have_is_a_bad_request_error(client, tester):
    video = GenerationFactory(
        tester=tester.user, program=tester.program, status=Generation.Status.COMPLETED
    )
    with pytest.raises(openai.BadRequestError) as raised:
        client.videos.download_content(video.public_id, variant="poster")
    assert raised.value.param == "variant"
    assert "'video', 'thumbnail', 'spritesheet'" in raised.value.body["message"]
