"""Fair ordering of waiting jobs: round robin across testers.

A tester's k-th waiting job belongs to round (jobs they have running + k). Rounds are served in
order; within a round the tester served longest ago goes first, then the older job. So one tester
with fifty queued jobs gets one slot per round like everybody else and cannot starve the rest.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

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
