"""Fair ordering of waiting jobs: round robin across testers.

A tester's k-th waiting job belongs to round (jobs they have running + k). Rounds are served in
order; within a round the tester served longest ago goes first, then the older job. So one tester
with fifty queued jobs gets one slot per round like everybody else and cannot starve the rest.
"""

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

TesterKey = tuple[int, int]  # (tester id, program id)


@dataclass(frozen=True)
class Waiting:
    id: int
    key: TesterKey
    created_at: datetime
    seconds: int = 4


def fair_order(
    waiting: Iterable[Waiting],
    *,
    running: Mapping[TesterKey, int],
    last_dispatched: Mapping[TesterKey, datetime],
) -> list[Waiting]:
    per_tester: dict[TesterKey, list[Waiting]] = {}
    for job in sorted(waiting, key=lambda job: (job.created_at, job.id)):
        per_tester.setdefault(job.key, []).append(job)
    ranked = []
    for key, jobs in per_tester.items():
        already_running = running.get(key, 0)
        served_at = last_dispatched.get(key, EPOCH)
        for turn, job in enumerate(jobs):
            ranked.append(((already_running + turn, served_at, job.created_at, job.id), job))
    ranked.sort(key=lambda pair: pair[0])
    return [job for _, job in ranked]


@dataclass(frozen=True)
class QueueStanding:
    position: int  # 1 = next to start
    eta: timedelta  # until the job should be finished


def standings(
    queue: list[Waiting],
    *,
    slots: int,
    limits: Mapping[TesterKey, int],
    seconds_per_video_second: float,
) -> dict[int, QueueStanding]:
    """Position and expected finish of every job in a fairly ordered queue, in one pass.

    A job waits for the video seconds ahead of it spread over the engine's slots, or for its own
    tester's jobs ahead of it spread over their running limit, whichever is longer; then renders.
    """
    slots = max(slots, 1)
    all_ahead = 0
    mine_ahead: Counter = Counter()
    result = {}
    for index, job in enumerate(queue):
        per_tester_limit = max(limits.get(job.key, 1), 1)
        waiting = max(all_ahead / slots, mine_ahead[job.key] / per_tester_limit)
        seconds = (waiting + job.seconds) * seconds_per_video_second
        result[job.id] = QueueStanding(
            position=index + 1, eta=timedelta(seconds=math.ceil(seconds))
        )
        all_ahead += job.seconds
        mine_ahead[job.key] += job.seconds
    return result
