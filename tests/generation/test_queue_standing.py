"""Queue place and ETA are computed by the sweep once per tick and stored on each waiting row,
so a status poll reads one row whatever the length of the queue."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accessprogram.access.models import AccessBlock
from accessprogram.access.revocation import block_access
from engine_doubles import FullEngine
from factories import GenerationFactory, MembershipFactory
from generation import dispatch
from generation.fairness import QueueStanding, Waiting, standings
from generation.models import Generation
from generation.selectors import queue_standing

pytestmark = pytest.mark.django_db


def sweep():
    dispatch.advance(client_factory=FullEngine)


def queue_of(program, count: int) -> list[Generation]:
    start = timezone.now() - timedelta(hours=1)
    return [
        GenerationFactory(
            tester=MembershipFactory(program=program).user,
            program=program,
            created_at=start + timedelta(seconds=number),
        )
        for number in range(count)
    ]


def test_the_sweep_stores_each_waiting_jobs_place(program):
    jobs = queue_of(program, 3)
    sweep()
    for expected, job in enumerate(jobs, start=1):
        job.refresh_from_db()
        assert job.queue_position == expected
        assert job.queue_eta_seconds > 0
    assert jobs[0].queue_eta_seconds < jobs[2].queue_eta_seconds


def test_a_job_queued_since_the_last_sweep_has_a_first_come_estimate(program):
    first, second = queue_of(program, 2)
    standing = queue_standing(generation=second)
    assert standing.position == 2
    assert standing.eta.total_seconds() > queue_standing(generation=first).eta.total_seconds()
    assert second.queue_position is None  # only the sweep writes places


def test_a_paused_programs_jobs_have_no_place(program):
    (job,) = queue_of(program, 1)
    sweep()
    block_access(target=program, kind=AccessBlock.Kind.SUSPENSION, reason="leak")
    sweep()
    job.refresh_from_db()
    assert queue_standing(generation=job) is None


def test_a_second_sweep_with_nothing_changed_writes_nothing(program):
    queue_of(program, 5)
    sweep()
    with CaptureQueriesContext(connection) as queries:
        sweep()
    assert not [
        q for q in queries if q["sql"].startswith("UPDATE") and "queue_position" in q["sql"]
    ]


def test_a_status_poll_costs_the_same_however_long_the_queue(client, program):
    def poll(job) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/videos/{job.public_id}/status")
        assert f'data-testid="queue-position">{job.queue_position}<' in response.content.decode()
        assert not [q for q in queries if "GROUP BY" in q["sql"]]  # no fair-queue rebuild
        return len(queries)

    short = queue_of(program, 10)
    sweep()
    client.force_login(short[-1].tester)
    short[-1].refresh_from_db()
    at_ten = poll(short[-1])

    queue_of(program, 90)
    sweep()
    short[-1].refresh_from_db()
    assert poll(short[-1]) == at_ten


def test_standings_spread_the_work_ahead_over_the_slots_and_each_testers_limit():
    now = timezone.now()
    queue = [
        Waiting(id=1, key=(1, 1), created_at=now, seconds=4),
        Waiting(id=2, key=(2, 1), created_at=now, seconds=4),
        Waiting(id=3, key=(1, 1), created_at=now, seconds=8),
    ]
    placed = standings(queue, slots=2, limits={(1, 1): 1}, seconds_per_video_second=1.0)
    assert placed[1] == QueueStanding(position=1, eta=timedelta(seconds=4))
    assert placed[2] == QueueStanding(position=2, eta=timedelta(seconds=6))  # (4 / 2) + 4
    # Tester 1's own 4 s ahead on a limit of one outweighs 8 s of work over two slots.
    assert placed[3] == QueueStanding(position=3, eta=timedelta(seconds=12))  # max(4, 4) + 8
