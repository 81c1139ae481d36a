"""Round-robin ordering of waiting jobs (pure function)."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from generation.fairness import Waiting, fair_order

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def jobs_for(spec: list[int]) -> list[Waiting]:
    """spec[i] = number of jobs tester i queued; tester 0 queues first, all before the others."""
    jobs, n = [], 0
    for tester, count in enumerate(spec):
        for _ in range(count):
            jobs.append(Waiting(id=n, key=(tester, 1), created_at=T0 + timedelta(seconds=n)))
            n += 1
    return jobs


def test_a_heavy_tester_gets_one_turn_per_round():
    order = fair_order(jobs_for([50, 1, 1, 1, 1, 1]), running={}, last_dispatched={})
    first_six = [job.key[0] for job in order[:6]]
    assert sorted(first_six) == [0, 1, 2, 3, 4, 5]
    assert [job.key[0] for job in order[6:]] == [0] * 49


def test_running_jobs_count_as_turns_already_taken():
    order = fair_order(jobs_for([3, 3]), running={(0, 1): 2}, last_dispatched={})
    # Tester 0 already renders two jobs, so tester 1 catches up before they alternate.
    assert [job.key[0] for job in order] == [1, 1, 0, 1, 0, 0]


def test_within_a_round_the_tester_served_longest_ago_goes_first():
    jobs = jobs_for([1, 1])
    order = fair_order(jobs, running={}, last_dispatched={(0, 1): T0, (1, 1): T0 - timedelta(1)})
    assert [job.key[0] for job in order] == [1, 0]


@given(st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=8))
def test_every_prefix_is_balanced_and_each_testers_jobs_keep_their_order(spec):
    jobs = jobs_for(spec)
    order = fair_order(jobs, running={}, last_dispatched={})
    assert sorted(job.id for job in order) == [job.id for job in jobs]
    taken = [0] * len(spec)
    for job in order:
        tester = job.key[0]
        # Nobody takes a second turn while someone else still waits for their first, etc.
        waiting_with_fewer = [
            other
            for other, count in enumerate(spec)
            if taken[other] < taken[tester] and taken[other] < count
        ]
        assert not waiting_with_fewer
        taken[tester] += 1
    for tester in range(len(spec)):
        ids = [job.id for job in order if job.key[0] == tester]
        assert ids == sorted(ids)
