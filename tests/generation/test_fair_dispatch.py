"""Fair dispatch through the real sweep: one heavy tester cannot starve the light ones.

The engine here is an in-process double with two slots that finishes every running job between
sweeps, so the test sees exactly which jobs the sweep chose, in which order."""

import io
import itertools
from pathlib import Path

import pytest

from accessprogram.programs.models import Cohort
from factories import GenerationFactory, MembershipFactory, ProgramFactory
from generation import dispatch
from generation.engine.render import render_video
from generation.engine_client import Capacity, EngineJob
from generation.models import Generation


@pytest.fixture(scope="module")
def clip_bytes(tmp_path_factory) -> bytes:
    path = Path(tmp_path_factory.mktemp("clip")) / "clip.mp4"
    render_video(prompt="fair", seed=1, seconds=4, width=1280, height=720, path=str(path))
    return path.read_bytes()


class TwoSlotEngine:
    """Records creates; jobs run until `finish_all()` and then report completed."""

    def __init__(self, clip: bytes, slots: int = 2):
        self.clip, self.slots = clip, slots
        self.jobs: dict[str, str] = {}  # engine id -> status
        self.by_ref: dict[str, str] = {}
        self.started: list[str] = []  # client refs in dispatch order
        self._ids = itertools.count()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def capacity(self):
        busy = sum(status == "in_progress" for status in self.jobs.values())
        return Capacity(slots=self.slots, busy=busy)

    def create(self, *, client_ref, prompt, seconds, size, seed):
        if client_ref not in self.by_ref:
            job_id = f"job_{next(self._ids)}"
            self.by_ref[client_ref] = job_id
            self.jobs[job_id] = "in_progress"
            self.started.append(client_ref)
        job_id = self.by_ref[client_ref]
        return EngineJob(id=job_id, status=self.jobs[job_id], progress=0)

    def get(self, job_id):
        return EngineJob(id=job_id, status=self.jobs[job_id], progress=50)

    def download(self, job_id):
        return io.BytesIO(self.clip)

    def delete(self, job_id):
        self.jobs.pop(job_id, None)

    def finish_all(self):
        for job_id, status in self.jobs.items():
            if status == "in_progress":
                self.jobs[job_id] = "completed"


@pytest.mark.django_db(transaction=True)
def test_light_testers_start_before_the_heavy_backlog_drains(media_root, clip_bytes):
    program = ProgramFactory(running_jobs_per_tester=1, daily_generation_quota=100)
    heavy = MembershipFactory(program=program)
    heavy_jobs = GenerationFactory.create_batch(50, tester=heavy.user, program=program)
    light = [MembershipFactory(program=program) for _ in range(5)]
    light_jobs = [GenerationFactory(tester=m.user, program=program) for m in light]
    engine = TwoSlotEngine(clip_bytes)

    for _ in range(10):
        report = dispatch.advance(client_factory=lambda: engine)
        assert report.ran
        engine.finish_all()

    light_ids = {job.public_id for job in light_jobs}
    first_six = engine.started[:6]
    assert light_ids <= set(first_six), engine.started[:8]
    assert sum(ref not in light_ids for ref in first_six) == 1  # the heavy tester got one turn
    heavy_left = Generation.objects.filter(
        pk__in=[job.pk for job in heavy_jobs], status=Generation.Status.QUEUED
    ).count()
    assert heavy_left >= 40  # most of the backlog is still waiting, and still being served
    assert (
        Generation.objects.filter(
            pk__in=[job.pk for job in light_jobs], status=Generation.Status.COMPLETED
        ).count()
        == 5
    )


@pytest.mark.django_db(transaction=True)
def test_a_tester_never_runs_more_jobs_than_the_program_allows(media_root, clip_bytes):
    program = ProgramFactory(running_jobs_per_tester=2)
    heavy = MembershipFactory(program=program)
    GenerationFactory.create_batch(6, tester=heavy.user, program=program)
    engine = TwoSlotEngine(clip_bytes, slots=5)

    dispatch.advance(client_factory=lambda: engine)

    assert len(engine.started) == 2
    assert Generation.objects.filter(status=Generation.Status.IN_PROGRESS).count() == 2


@pytest.mark.django_db(transaction=True)
def test_jobs_of_a_paused_program_wait(media_root, clip_bytes):
    paused = ProgramFactory(status="paused")
    member = MembershipFactory(program=paused)
    job = GenerationFactory(tester=member.user, program=paused)
    engine = TwoSlotEngine(clip_bytes)

    dispatch.advance(client_factory=lambda: engine)

    assert engine.started == []
    job.refresh_from_db()
    assert job.status == Generation.Status.QUEUED


@pytest.mark.django_db(transaction=True)
def test_a_cohort_running_limit_overrides_the_programs(media_root, clip_bytes):
    program = ProgramFactory(running_jobs_per_tester=1)
    wave = Cohort.objects.create(program=program, name="Power users", running_jobs_per_tester=3)
    member = MembershipFactory(program=program, cohort=wave)
    GenerationFactory.create_batch(5, tester=member.user, program=program)
    engine = TwoSlotEngine(clip_bytes, slots=5)

    dispatch.advance(client_factory=lambda: engine)

    assert len(engine.started) == 3
