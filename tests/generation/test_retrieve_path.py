"""GET /v1/videos/{id}, the status poll: two queries, the same answers, every check still made.

The poll runs a prepared token lookup and a prepared video lookup (accessprogram.prepared_lookup)
and builds the Video object without a serializer; none of that may skip a check: a token,
tester, cohort or program blocked between two polls is refused on the very next one.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accessprogram.access.models import AccessBlock
from accessprogram.access.revocation import block_access, kill_switch
from accessprogram.access.services import issue_token, revoke_token
from accessprogram.programs.models import Cohort
from factories import GenerationFactory, MembershipFactory, UserFactory
from generation import selectors
from generation.api.serializers import VideoOutput, video_object
from generation.models import Asset, Generation, Rendition

Kind = AccessBlock.Kind
READY_FILE = {
    "storage_key": "previews/ready.mp4",
    "sha256": "0" * 64,
    "bytes": 1,
    "width": 1280,
    "height": 720,
    "duration_seconds": 4.0,
}


def client_for(secret: str, address: str = "127.0.0.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def member(program):
    return MembershipFactory(
        program=program, cohort=Cohort.objects.create(program=program, name="A")
    )


@pytest.fixture
def secret(member):
    return issue_token(membership=member, name="poll").secret


@pytest.fixture
def video(member):
    return GenerationFactory(tester=member.user, program=member.program)


def with_original(generation: Generation) -> None:
    Asset.objects.create(
        generation=generation,
        storage_key=f"originals/{generation.public_id}.mp4",
        sha256="0" * 64,
        bytes=1,
        width=1280,
        height=720,
        duration_seconds=4.0,
        codec="h264",
    )


def completed(generation: Generation, *, preview: str | None) -> Generation:
    Generation.objects.filter(pk=generation.pk).update(
        status=Generation.Status.COMPLETED, progress=100, completed_at=timezone.now()
    )
    if preview is not None:
        Rendition.objects.create(
            generation=generation,
            kind=Rendition.Kind.PREVIEW,
            status=preview,
            forensic_id=generation.pk * 7 + 1,
            error="encoder gave up" if preview == Rendition.Status.FAILED else "",
            **({**READY_FILE, "ready_at": timezone.now()} if preview == "ready" else {}),
        )
    return generation


def poll(secret, video, **kwargs):
    return client_for(secret, **kwargs).get(f"/v1/videos/{video.public_id}")


# --- cost ------------------------------------------------------------------------------------


@pytest.mark.parametrize("preview", [None, Rendition.Status.PENDING, Rendition.Status.READY])
def test_a_poll_sends_two_queries(secret, video, preview):
    """The token with its four levels of blocks, then the video with its preview: nothing else
    (a completed video without an original no longer tries to request a preview each time)."""
    completed(video, preview=preview)
    assert poll(secret, video).status_code == 200  # the first use writes last_used_at
    with CaptureQueriesContext(connection) as queries:
        response = poll(secret, video)
    assert response.status_code == 200, response.content
    assert len(queries) == 2, [q["sql"][:120] for q in queries.captured_queries]


def test_a_queued_video_polls_in_two_queries(secret, video):
    assert poll(secret, video).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert poll(secret, video).json()["status"] == "queued"
    assert len(queries) == 2


def test_a_finished_video_without_a_preview_still_gets_one_requested(
    secret, video, django_capture_on_commit_callbacks
):
    completed(video, preview=None)
    with_original(video)
    with django_capture_on_commit_callbacks():
        body = poll(secret, video).json()
    assert body["status"] == "in_progress" and body["progress"] == 99
    assert Rendition.objects.filter(generation=video, kind=Rendition.Kind.PREVIEW).exists()


# --- same answers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    ["queued", "in_progress", "no_preview", "pending", "ready", "preview_failed", "failed"],
)
def test_the_prepared_lookup_and_the_orm_agree(member, video, state):
    if state == "in_progress":
        Generation.objects.filter(pk=video.pk).update(status=state, progress=40)
    elif state == "failed":
        Generation.objects.filter(pk=video.pk).update(
            status=state, error_code="engine_error", error_message="boom"
        )
    elif state != "queued":
        preview = {"no_preview": None, "preview_failed": Rendition.Status.FAILED}.get(state, state)
        completed(video, preview=preview)
        with_original(video)
    ids = {"tester_id": member.user_id, "program_id": member.program_id}
    prepared = selectors.tester_video(**ids, public_id=video.public_id)
    plain = selectors._tester_video_query(**ids, public_id=video.public_id).get()
    for name in ("pk", "status", "progress", "preview_status", "preview_error", "has_original"):
        assert getattr(prepared, name) == getattr(plain, name), name
    assert video_object(prepared) == video_object(plain)
    assert list(video_object(prepared)) == list(VideoOutput().fields)


def test_someone_elses_or_a_deleted_video_is_not_found(secret, member, video):
    other = GenerationFactory(tester=UserFactory(), program=member.program)
    elsewhere = GenerationFactory(tester=member.user)  # theirs, in another program
    Generation.objects.filter(pk=video.pk).update(deleted_at=timezone.now())
    for hidden in (other, elsewhere, video):
        response = poll(secret, hidden)
        assert response.status_code == 404, hidden
        assert response.json()["error"]["code"] == "not_found"


# --- every check, on every poll --------------------------------------------------------------


def test_a_revoked_token_is_refused_on_the_next_poll(secret, member, video):
    assert poll(secret, video).status_code == 200
    revoke_token(token=member.api_tokens.get(), reason="leaked")
    response = poll(secret, video)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


@pytest.mark.parametrize("level", ["membership", "cohort", "program"])
def test_a_blocked_tester_cohort_or_program_is_refused_on_the_next_poll(
    secret, member, video, level
):
    assert poll(secret, video).status_code == 200
    target = {"membership": member, "cohort": member.cohort, "program": member.program}[level]
    if level == "program":
        kill_switch(program=member.program, reason="leak", actor=None, message="Paused.")
    else:
        block_access(target=target, kind=Kind.REVOCATION, reason="x", message=f"{level} out")
    response = poll(secret, video)
    assert response.status_code == 403, response.content
    expected = "Paused." if level == "program" else f"{level} out"
    assert response.json()["error"]["message"] == expected


def test_a_token_without_the_read_scope_is_refused(member, video):
    secret = issue_token(membership=member, name="w", scopes=["videos:write"]).secret
    response = poll(secret, video)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "missing_scope"


def test_a_token_bound_to_a_network_is_refused_elsewhere(member, video):
    secret = issue_token(membership=member, name="n", allowed_networks=["127.0.0.2/32"]).secret
    assert poll(secret, video, address="127.0.0.2").status_code == 200
    response = poll(secret, video, address="127.0.0.3")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "network_not_allowed"
