"""Reads behind the scrape-time gauges and the worker health check: a few indexed aggregates."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from generation.models import Generation
from review.models import ShareRequest

from .models import WorkerHeartbeat


@dataclass(frozen=True)
class Backlog:
    count: int
    oldest_age_seconds: float  # 0 when empty


@dataclass(frozen=True)
class GenerationQueue:
    queued: Backlog
    in_progress: int


def _age(oldest: datetime | None, now: datetime) -> float:
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def generation_queue(*, now: datetime | None = None) -> GenerationQueue:
    """Queued and running jobs and the oldest queued one's wait (index: status, created_at)."""
    now = now or timezone.now()
    queued = Q(status=Generation.Status.QUEUED)
    row = Generation.objects.filter(status__in=Generation.ACTIVE_STATUSES).aggregate(
        queued=Count("id", filter=queued),
        in_progress=Count("id", filter=Q(status=Generation.Status.IN_PROGRESS)),
        oldest=Min("created_at", filter=queued),
    )
    return GenerationQueue(
        queued=Backlog(count=row["queued"], oldest_age_seconds=_age(row["oldest"], now)),
        in_progress=row["in_progress"],
    )


def review_backlog(*, now: datetime | None = None) -> Backlog:
    """Share requests waiting for a reviewer's decision, and how long the oldest has waited."""
    now = now or timezone.now()
    row = ShareRequest.objects.filter(status=ShareRequest.Status.PENDING).aggregate(
        count=Count("id"), oldest=Min("created_at")
    )
    return Backlog(count=row["count"], oldest_age_seconds=_age(row["oldest"], now))


def worker_heartbeats() -> list[WorkerHeartbeat]:
    return list(WorkerHeartbeat.objects.order_by("hostname"))


def consuming_workers(
    *, max_age_seconds: float, hostname: str | None = None, now: datetime | None = None
) -> list[WorkerHeartbeat]:
    """Workers whose consumer reported within max_age_seconds (optionally just one of them)."""
    now = now or timezone.now()
    beats = WorkerHeartbeat.objects.filter(seen_at__gte=now - timedelta(seconds=max_age_seconds))
    if hostname:
        beats = beats.filter(hostname=hostname)
    return list(beats.order_by("hostname"))
