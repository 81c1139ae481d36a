"""The dispatch sweep against the real engine process: dispatch, follow, store, cancel, repair."""

import io

import httpx
import pytest
from django.conf import settings
from django.utils import timezone

from factories import GenerationFactory
from generation import dispatch
from generation.engine_client import EngineClient
from generation.models import Asset, Generation
from generation.services import cancel_generation
from processes import ENGINE_SECRET, EngineProcess, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def sweep_until(predicate, *, timeout=60):
    def step():
        dispatch.advance()
        return predicate()

    return wait_until(step, timeout=timeout, interval=0.1, what="sweep result")


def status_of(generation) -> str:
    generation.refresh_from_db()
    return generation.status


@pytest.fixture
def queued(program, tester):
    return GenerationFactory(tester=tester.user, program=program, size="720x1280")


def test_a_queued_job_is_rendered_stored_and_released(engine, media_root, queued):
    report = dispatch.advance()
    assert report.dispatched == [queued.public_id]
    queued.refresh_from_db()
    assert queued.status == Generation.Status.IN_PROGRESS
    assert queued.engine_job_id

    sweep_until(lambda: status_of(queued) == Generation.Status.COMPLETED)

    asset = Asset.objects.get(generation=queued)
    assert (asset.width, asset.height, asset.codec) == (720, 1280, "h264")
    assert asset.duration_seconds == pytest.approx(4.0, abs=0.1)
    assert (media_root / asset.storage_key).stat().st_size == asset.bytes
    queued.refresh_from_db()
    assert queued.progress == 100 and queued.completed_at is not None
    # The next sweep deletes the finished job at the engine.
    sweep_until(lambda: engine.jobs() == [])
    queued.refresh_from_db()
    assert queued.engine_cleanup_pending is False


def test_cancelling_a_running_job_stops_it_at_the_engine(tmp_path, settings, media_root, queued):
    slow = EngineProcess(log=tmp_path / "slow-engine.log", slots=1, speed=5.0)  # 20 s per clip
    settings.ENGINE_URL = slow.url
    settings.ENGINE_SECRET = ENGINE_SECRET
    try:
        dispatch.advance()
        assert [job["status"] for job in slow.jobs()] in (["in_progress"], ["queued"])
        assert cancel_generation(generation=queued)
        dispatch.advance()
        assert slow.jobs() == []
        assert status_of(queued) == Generation.Status.CANCELLED
        assert not Asset.objects.filter(generation=queued).exists()
    finally:
        slow.stop()


def test_a_job_the_engine_lost_is_queued_again_and_completes(
    tmp_path, settings, media_root, queued
):
    first = EngineProcess(log=tmp_path / "first.log", slots=1, speed=5.0)
    settings.ENGINE_URL, settings.ENGINE_SECRET = first.url, ENGINE_SECRET
    dispatch.advance()
    lost_job = Generation.objects.get(pk=queued.pk).engine_job_id
    first.kill()  # the engine crashes and comes back empty
    second = EngineProcess(log=tmp_path / "second.log", slots=1, speed=0)
    settings.ENGINE_URL = second.url
    try:
        report = dispatch.advance()
        assert report.requeued == [queued.public_id]
        sweep_until(lambda: status_of(queued) == Generation.Status.COMPLETED)
        queued.refresh_from_db()
        assert queued.engine_job_id != lost_job
        assert Asset.objects.filter(generation=queued).count() == 1
    finally:
        second.stop()


def test_a_job_claimed_by_a_dead_sweep_is_resent_without_a_second_render(
    engine, media_root, settings, queued
):
    # A sweep claimed the job and the engine accepted it, then the worker died before the
    # engine id was recorded.
    settings.GENERATION_REDISPATCH_AFTER_SECONDS = 0
    response = httpx.post(
        f"{engine.url}/v1/videos",
        headers={"Authorization": f"Bearer {ENGINE_SECRET}"},
        json={
            "prompt": queued.prompt,
            "seconds": "4",
            "size": queued.size,
            "seed": queued.seed,
            "client_ref": queued.public_id,
        },
    )
    assert response.status_code == 201
    accepted_id = response.json()["id"]
    Generation.objects.filter(pk=queued.pk).update(
        status=Generation.Status.IN_PROGRESS, dispatched_at=timezone.now()
    )

    sweep_until(lambda: status_of(queued) == Generation.Status.COMPLETED)

    queued.refresh_from_db()
    assert queued.engine_job_id == accepted_id
    assert Asset.objects.filter(generation=queued).count() == 1


def test_an_unreachable_engine_leaves_jobs_queued(settings, media_root, queued):
    settings.ENGINE_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.ENGINE_TIMEOUT_SECONDS = 1
    report = dispatch.advance()
    assert report.ran and report.dispatched == []
    assert status_of(queued) == Generation.Status.QUEUED


def test_only_one_sweep_holds_the_lease_at_a_time(db):
    assert dispatch.acquire_lease("first")
    assert not dispatch.acquire_lease("second")
    dispatch.release_lease("first")
    assert dispatch.acquire_lease("second")


def test_an_output_that_is_not_a_video_fails_the_job_with_a_clear_error(engine, media_root, queued):
    class CorruptingClient(EngineClient):
        def download(self, job_id):
            return io.BytesIO(b"this is not an mp4")

    def corrupting_client():
        return CorruptingClient(base_url=settings.ENGINE_URL, secret=ENGINE_SECRET, timeout=5)

    def failed_after_sweep():
        dispatch.advance(client_factory=corrupting_client)
        return status_of(queued) == Generation.Status.FAILED

    wait_until(failed_after_sweep, timeout=60, what="the job to fail")
    queued.refresh_from_db()
    assert queued.error_code == "invalid_output"
    assert not Asset.objects.filter(generation=queued).exists()
    assert list(media_root.rglob("*.mp4")) == []
