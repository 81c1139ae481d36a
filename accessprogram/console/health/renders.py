"""Testers and renders: who is active, the render queue now, throughput and failures."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Min, Q

from generation.models import Generation
from review.turnaround import turnarounds

from .charts import Series
from .counters import testers_in
from .durations import duration_text
from .trends import Window, daily, series

Status = Generation.Status
# The median wait is taken over the jobs that started rendering this recently.
WAIT_SAMPLE = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class Queue:
    """The render queue of one program right now."""

    now: datetime.datetime
    queued: int = 0
    running: int = 0
    oldest_queued_at: datetime.datetime | None = None
    median_wait: datetime.timedelta | None = None  # of jobs dispatched in the last 24 h
    started: int = 0  # how many jobs that median is taken over

    @property
    def oldest_wait(self) -> datetime.timedelta | None:
        return self.now - self.oldest_queued_at if self.oldest_queued_at else None

    @property
    def oldest_wait_text(self) -> str:
        return duration_text(self.oldest_wait)

    @property
    def median_wait_text(self) -> str:
        return duration_text(self.median_wait)


def queues(*, program_ids, now: datetime.datetime) -> dict[int, Queue]:
    """Queue depth, jobs rendering, the oldest waiting job and the median wait, per program: two
    queries on PostgreSQL (the median by percentile_cont), a few per program on SQLite."""
    jobs = Generation.objects.filter(program_id__in=program_ids)
    depth = {
        row["program_id"]: row
        for row in jobs.filter(status__in=Generation.ACTIVE_STATUSES)
        .order_by()
        .values("program_id")
        .annotate(
            queued=Count("id", filter=Q(status=Status.QUEUED)),
            running=Count("id", filter=Q(status=Status.IN_PROGRESS)),
            oldest=Min("created_at", filter=Q(status=Status.QUEUED)),
        )
    }
    waits = turnarounds(
        jobs.filter(dispatched_at__gte=now - WAIT_SAMPLE, dispatched_at__lte=now),
        group="program_id",
        start="created_at",
        end="dispatched_at",
    )
    found = {}
    for program_id in program_ids:
        row = depth.get(program_id, {})
        wait = waits.get(program_id)
        found[program_id] = Queue(
            now=now,
            queued=row.get("queued", 0),
            running=row.get("running", 0),
            oldest_queued_at=row.get("oldest"),
            median_wait=wait.median if wait else None,
            started=wait.count if wait else 0,
        )
    return found


@dataclass(frozen=True)
class Renders:
    """Testers' activity and the renders of one program over the window."""

    testers: int
    active_week: int
    completed: int
    failed: int
    active_trend: Series
    requested_trend: Series
    wait_trend: Series
    completed_trend: Series
    failed_trend: Series

    @property
    def failure_rate(self) -> Decimal | None:
        """Failed renders as a percentage of finished ones (completed or failed)."""
        finished = self.completed + self.failed
        if not finished:
            return None
        return (Decimal(100) * self.failed / finished).quantize(Decimal("0.1"), ROUND_HALF_UP)


def renders(*, program_ids, window: Window, testers: dict) -> dict[int, Renders]:
    """Three GROUP BY queries whatever the number of testers and generations; `testers` is
    counters.testers_by_cohort of the same programs."""
    jobs = Generation.objects.filter(program_id__in=program_ids)
    active_week = dict(
        jobs.filter(created_at__gte=window.week_ago, created_at__lte=window.now)
        .order_by()
        .values("program_id")
        .annotate(n=Count("tester_id", distinct=True))
        .values_list("program_id", "n")
    )
    waited = ExpressionWrapper(F("dispatched_at") - F("created_at"), output_field=DurationField())
    asked = daily(
        jobs,
        field="created_at",
        window=window,
        requested=Count("id"),
        active=Count("tester_id", distinct=True),
        wait=Avg(waited, filter=Q(dispatched_at__isnull=False)),
    )
    finished = daily(
        jobs.filter(status__in=(Status.COMPLETED, Status.FAILED)),
        field="completed_at",
        window=window,
        completed=Count("id", filter=Q(status=Status.COMPLETED)),
        failed=Count("id", filter=Q(status=Status.FAILED)),
    )
    found = {}
    for pk in program_ids:
        completed = series(finished, pk, "completed", window=window, label="Completed")
        failed = series(finished, pk, "failed", window=window, label="Failed")
        wait = series(asked, pk, "wait", window=window, label="Average wait", zero=None)
        found[pk] = Renders(
            testers=testers_in(testers, pk),
            active_week=active_week.get(pk, 0),
            completed=completed.total,
            failed=failed.total,
            active_trend=series(asked, pk, "active", window=window, label="Active testers"),
            requested_trend=series(asked, pk, "requested", window=window, label="Requested"),
            wait_trend=Series(
                label="Average wait",
                unit="s",
                points=tuple((day, _seconds(value)) for day, value in wait.points),
            ),
            completed_trend=completed,
            failed_trend=failed,
        )
    return found


def _seconds(wait) -> int:
    """A day's average wait in whole seconds (0 for a day without dispatched jobs)."""
    if wait is None:
        return 0
    if isinstance(wait, datetime.timedelta):
        return round(wait.total_seconds())
    return round(wait / 1_000_000)  # SQLite may answer microseconds
