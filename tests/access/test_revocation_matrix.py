"""Blocking access at each of the four levels, on every face that exists so far:
the API, portal pages, web sessions and running jobs. Lifting a suspension restores access.
(Share links arrive with the approval workflow; their column is tested there.)"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accessprogram.access.models import AccessBlock
from accessprogram.access.revocation import RevocationError, block_access, lift_block
from accessprogram.audit.chain import LinkAfterCommit
from accessprogram.programs.models import Cohort
from factories import GenerationFactory, MembershipFactory, ProgramFactory, token_for
from generation import dispatch
from generation.models import Generation
from generation.services import AccessWithdrawn, request_generation
from processes import ENGINE_SECRET, EngineProcess, free_port, wait_until

LEVELS = ["token", "membership", "cohort", "program"]
Kind = AccessBlock.Kind


class World:
    """A tester with two tokens in a cohort, a cohort-mate, a tester of another cohort and
    a tester of another program: who is hit depends on the level."""

    def __init__(self):
        self.program = ProgramFactory()
        self.cohort = Cohort.objects.create(program=self.program, name="Wave 1")
        other_cohort = Cohort.objects.create(program=self.program, name="Wave 2")
        self.tester = MembershipFactory(program=self.program, cohort=self.cohort)
        self.token = token_for(self.tester, "main")
        self.spare_token = token_for(self.tester, "spare")
        self.cohort_mate = MembershipFactory(program=self.program, cohort=self.cohort)
        self.other_cohort = MembershipFactory(program=self.program, cohort=other_cohort)
        self.elsewhere = MembershipFactory()
        self.tokens = {
            "cohort_mate": token_for(self.cohort_mate),
            "other_cohort": token_for(self.other_cohort),
            "elsewhere": token_for(self.elsewhere),
        }

    def target(self, level):
        if level == "token":
            return self.tester.api_tokens.get(name="main")
        return {"membership": self.tester, "cohort": self.cohort, "program": self.program}[level]

    def expected_refused(self, level) -> set[str]:
        """Which of the other keys stop working too."""
        return {
            "token": set(),
            "membership": {"spare"},
            "cohort": {"spare", "cohort_mate"},
            "program": {"spare", "cohort_mate", "other_cohort"},
        }[level]


@pytest.fixture
def world(db):
    return World()


def api_get(secret, path="/v1/videos"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get(path)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("kind", [Kind.SUSPENSION, Kind.REVOCATION])
def test_the_api_refuses_exactly_what_was_blocked_on_the_next_request(world, level, kind):
    assert api_get(world.token).status_code == 200
    block_access(target=world.target(level), kind=kind, reason="leaked in a demo")

    refused = api_get(world.token)
    assert refused.status_code == (401 if level == "token" else 403)
    assert refused.json()["error"]["message"] == AccessBlock.objects.get().message
    others = {"spare": world.spare_token, **world.tokens}
    hit = world.expected_refused(level)
    for name, secret in others.items():
        assert (api_get(secret).status_code == 200) is (name not in hit), name


@pytest.mark.parametrize("level", LEVELS)
def test_lifting_a_suspension_restores_api_access(world, level):
    block = block_access(target=world.target(level), kind=Kind.SUSPENSION, reason="checking")
    assert api_get(world.token).status_code in (401, 403)
    assert lift_block(block=block)
    assert api_get(world.token).status_code == 200


def test_a_revocation_cannot_be_lifted(world):
    block = block_access(target=world.tester, kind=Kind.REVOCATION, reason="left the program")
    with pytest.raises(RevocationError):
        lift_block(block=block)
    assert api_get(world.token).status_code == 403


def test_a_suspension_with_an_end_time_ends_by_itself(world):
    block = block_access(
        target=world.tester,
        kind=Kind.SUSPENSION,
        reason="cool-off",
        ends_at=timezone.now() + timedelta(hours=1),
    )
    assert api_get(world.token).status_code == 403
    AccessBlock.objects.filter(pk=block.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    assert api_get(world.token).status_code == 200


@pytest.mark.parametrize("level", LEVELS)
def test_portal_pages_show_a_notice_instead_of_content(
    client, world, level, eager_celery, django_capture_on_commit_callbacks
):
    video = GenerationFactory(
        tester=world.tester.user, program=world.program, status=Generation.Status.COMPLETED
    )
    client.force_login(world.tester.user)
    page = reverse("portal:video", args=[video.public_id])
    assert client.get(page).status_code == 200

    with django_capture_on_commit_callbacks() as follow_ups:
        block = block_access(
            target=world.target(level), kind=Kind.SUSPENSION, reason="x", message="Back soon."
        )
    if level in ("cohort", "program"):
        # Before the after-commit follow-up has ended the sessions, content is already refused.
        assert client.get(page).status_code == 403
    for follow_up in follow_ups:
        follow_up()
    if level == "token":
        # Only that key stops: the tester's portal and sessions are untouched.
        assert client.get(page).status_code == 200
        return
    # The web session was ended: the next request must sign in again.
    assert client.get(page).status_code == 302
    world.tester.user.refresh_from_db()  # signing in again, as the person would
    client.force_login(world.tester.user)
    refused = client.get(page)
    assert refused.status_code == 403
    assert "Back soon." in refused.content.decode()
    home = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="access-notice"' in home and "Back soon." in home
    assert 'data-testid="generation-paused"' in home
    media = client.get(reverse("portal:video-media", args=[video.public_id]))
    assert media.status_code == 403 and media["Content-Type"].startswith("text/html")

    lift_block(block=block)
    assert client.get(page).status_code == 200
    assert 'data-testid="access-notice"' not in client.get(reverse("portal:home")).content.decode()


@pytest.mark.parametrize("level", LEVELS)
def test_queued_and_running_jobs_are_cancelled(
    world, level, eager_celery, django_capture_on_commit_callbacks, settings
):
    # No engine answers here, whatever runs on this machine's default engine port: the sweep's
    # delete fails and the job keeps its cleanup flag for a later sweep.
    settings.ENGINE_URL = f"http://127.0.0.1:{free_port()}"
    main_token = world.tester.api_tokens.get(name="main")
    queued = GenerationFactory(tester=world.tester.user, program=world.program, token=main_token)
    running = GenerationFactory(
        tester=world.tester.user,
        program=world.program,
        token=main_token,
        status=Generation.Status.IN_PROGRESS,
        engine_job_id="job_running",
    )
    bystander = GenerationFactory(
        tester=world.other_cohort.user, program=world.program, status=Generation.Status.QUEUED
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        block_access(target=world.target(level), kind=Kind.SUSPENSION, reason="leak")
    nudges = [c for c in callbacks if not isinstance(c, LinkAfterCommit)]  # not the audit link
    assert nudges, "the dispatch sweep is nudged to stop the engine jobs"
    for job in (queued, running):
        job.refresh_from_db()
        assert job.status == Generation.Status.CANCELLED
        assert job.error_code == "access_revoked"
    running.refresh_from_db()
    assert running.engine_cleanup_pending
    bystander.refresh_from_db()
    assert bystander.status == (
        Generation.Status.CANCELLED if level == "program" else Generation.Status.QUEUED
    )


@pytest.fixture(scope="module")
def slow_engine(tmp_path_factory):
    engine = EngineProcess(log=tmp_path_factory.mktemp("engine") / "engine.log", speed=10.0)
    yield engine
    engine.stop()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("level", LEVELS)
def test_a_rendering_job_is_stopped_at_the_engine(
    slow_engine, settings, media_root, level, eager_celery
):
    settings.ENGINE_URL, settings.ENGINE_SECRET = slow_engine.url, ENGINE_SECRET
    world = World()
    job = GenerationFactory(
        tester=world.tester.user,
        program=world.program,
        token=world.tester.api_tokens.get(name="main"),
    )
    dispatch.advance()
    job.refresh_from_db()
    assert job.status == Generation.Status.IN_PROGRESS
    engine_ids = {j["id"] for j in slow_engine.jobs()}
    assert job.engine_job_id in engine_ids

    block_access(target=world.target(level), kind=Kind.SUSPENSION, reason="leak")
    dispatch.advance()

    wait_until(
        lambda: job.engine_job_id not in {j["id"] for j in slow_engine.jobs()},
        timeout=10,
        what="the engine job to be deleted",
    )
    job.refresh_from_db()
    assert job.status == Generation.Status.CANCELLED


@pytest.mark.parametrize("level", LEVELS)
def test_a_request_that_slipped_past_authentication_queues_nothing(world, level):
    """Authentication passed just before the block committed: the service checks again."""
    token = world.tester.api_tokens.get(name="main")
    block_access(target=world.target(level), kind=Kind.SUSPENSION, reason="leak", message="Not now")
    with pytest.raises(AccessWithdrawn, match="Not now"):
        request_generation(membership=world.tester, prompt="late", token=token)
    assert not Generation.objects.filter(prompt="late").exists()


@pytest.mark.parametrize("level", LEVELS)
def test_the_sweep_cancels_any_job_that_still_got_in(world, level, settings):
    """The safety net: a job committed after the block's own cancellation never renders."""
    settings.ENGINE_URL = "http://127.0.0.1:9"  # the sweep needs no engine for this step
    settings.ENGINE_TIMEOUT_SECONDS = 0.5
    block_access(target=world.target(level), kind=Kind.SUSPENSION, reason="leak")
    late = GenerationFactory(
        tester=world.tester.user,
        program=world.program,
        token=world.tester.api_tokens.get(name="main"),
    )
    bystander = GenerationFactory(tester=world.elsewhere.user, program=world.elsewhere.program)
    dispatch.advance()
    late.refresh_from_db()
    bystander.refresh_from_db()
    assert late.status == Generation.Status.CANCELLED
    assert bystander.status == Generation.Status.QUEUED
