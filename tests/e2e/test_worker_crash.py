"""A worker killed in the middle of a job: the job still completes, exactly once."""

import httpx
import pytest

from factories import MembershipFactory
from generation.models import Asset, Generation
from generation.services import request_generation
from processes import ENGINE_SECRET, EngineProcess, WorkerProcess, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def renders_started(engine: EngineProcess) -> int:
    response = httpx.get(
        f"{engine.url}/v1/capacity", headers={"Authorization": f"Bearer {ENGINE_SECRET}"}
    )
    return response.json()["started"]


def test_a_job_survives_its_worker_being_killed(tmp_path, settings, media_root, program):
    engine = EngineProcess(log=tmp_path / "engine.log", slots=2, speed=1.5)  # ~6 s per clip
    first = WorkerProcess(engine=engine, log=tmp_path / "first-worker.log", name="first")
    second = None
    try:
        tester = MembershipFactory(program=program)
        generation = request_generation(membership=tester, prompt="a lantern in the rain")

        def rendering():
            generation.refresh_from_db()
            return generation.status == Generation.Status.IN_PROGRESS and generation.progress > 0

        wait_until(rendering, timeout=60, what=f"the job to render\n{first.tail()}")
        engine_job = generation.engine_job_id
        first.kill()

        second = WorkerProcess(engine=engine, log=tmp_path / "second-worker.log", name="second")

        def finished():
            generation.refresh_from_db()
            return generation.status not in Generation.ACTIVE_STATUSES

        wait_until(finished, timeout=90, what=f"completion\n{second.tail()}")
        assert generation.status == Generation.Status.COMPLETED, generation.error_message
        assert generation.engine_job_id == engine_job
        assert Asset.objects.filter(generation=generation).count() == 1
        assert renders_started(engine) == 1
        # One original (its watermarked preview, built afterwards, lives under renditions/).
        assert len(list((media_root / "generations").rglob("*.mp4"))) == 1
    finally:
        first.stop()
        if second is not None:
            second.stop()
        engine.stop()
