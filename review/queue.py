"""Reads for the reviewer queue page and the console's service levels: waiting times, overdue
requests and turnaround (request created -> decision)."""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from accessprogram.access import policy
from accessprogram.programs.models import Program

from .models import ReviewDecision, ShareRequest
from .turnaround import Turnaround, turnarounds

Status = ShareRequest.Status
ENDED_BY_REVIEW = (Status.APPROVED, Status.REJECTED, Status.CHANGES_REQUESTED, Status.REVOKED)
TURNAROUND_DAYS = 30


def sla_hours() -> int:
    return settings.REVIEW_SLA_HOURS


def overdue_before(now: datetime) -> datetime:
    return now - timedelta(hours=sla_hours())


@dataclass
class ProgramQueue:
    program: Program
    pending: int
    overdue: int
    oldest_at: datetime | None
    now: datetime

    @property
    def oldest_age(self) -> timedelta | None:
        return self.now - self.oldest_at if self.oldest_at else None


def program_overview(*, reviewer, now=None, program_ids=None) -> list[ProgramQueue]:
    """Per program `reviewer` reviews: pending count, overdue count and the oldest request."""
    now = now or timezone.now()
    ids = policy.reviewable_program_ids(reviewer) if program_ids is None else set(program_ids)
    pending = Q(share_requests__status=Status.PENDING)
    programs = (
        Program.objects.filter(pk__in=ids)
        .annotate(
            pending=Count("share_requests", filter=pending),
            overdue=Count(
                "share_requests",
                filter=pending & Q(share_requests__created_at__lt=overdue_before(now)),
            ),
            oldest_at=Min("share_requests__created_at", filter=pending),
        )
        .order_by("name")
    )
    return [
        ProgramQueue(
            program=p, pending=p.pending, overdue=p.overdue, oldest_at=p.oldest_at, now=now
        )
        for p in programs
    ]


@dataclass
class PendingRow:
    share_request: ShareRequest
    age: timedelta
    overdue: bool
    held_by_other: bool
    mine: bool  # held by the reader
    own: bool  # the reader asked for it (a reviewer never reviews their own)
    lease_left: timedelta | None = field(default=None)


def pending_share_requests(*, reviewer) -> QuerySet[ShareRequest]:
    """Everything waiting in the programs `reviewer` reviews, oldest first, to be paged."""
    return (
        ShareRequest.objects.filter(
            status=Status.PENDING, program_id__in=policy.reviewable_program_ids(reviewer)
        )
        .select_related("program", "generation", "requested_by", "claimed_by")
        .order_by("created_at", "id")
    )


def pending_rows(*, requests: Iterable[ShareRequest], reviewer, now=None) -> list[PendingRow]:
    """One page of pending_share_requests, with what `reviewer` may do about each."""
    now = now or timezone.now()
    late = overdue_before(now)
    rows = []
    for r in requests:
        held = r.claimed_by_id is not None and r.lease_expires_at > now
        rows.append(
            PendingRow(
                share_request=r,
                age=now - r.created_at,
                overdue=r.created_at < late,
                held_by_other=held and r.claimed_by_id != reviewer.pk,
                mine=held and r.claimed_by_id == reviewer.pk,
                own=r.requested_by_id == reviewer.pk,
                lease_left=(r.lease_expires_at - now) if held else None,
            )
        )
    return rows


def recently_decided(*, reviewer, limit: int = 50):
    return (
        ShareRequest.objects.filter(
            program_id__in=policy.reviewable_program_ids(reviewer), status__in=ENDED_BY_REVIEW
        )
        .exclude(requested_by=reviewer)
        .select_related("program", "generation", "requested_by")
        .order_by("-decided_at", "-id")[:limit]
    )


# --- Service levels ---------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float | None:
    """The median (mean of the two middle values for an even count) for 0.5, else the
    nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    if fraction == 0.5:
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2
    rank = max(math.ceil(fraction * len(ordered)), 1)
    return ordered[rank - 1]


@dataclass
class ServiceLevel:
    label: str
    pending: int
    overdue: int
    oldest_age: timedelta | None
    decided: int
    median_hours: float | None
    p90_hours: float | None

    @property
    def oldest_hours(self) -> float | None:
        return None if self.oldest_age is None else round(self.oldest_age.total_seconds() / 3600, 1)


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def program_service_levels(*, program_ids, now=None) -> list[ServiceLevel]:
    """Per program: the queue now, and turnaround of requests decided in the last 30 days."""
    now = now or timezone.now()
    since = now - timedelta(days=TURNAROUND_DAYS)
    decided = ShareRequest.objects.filter(
        program_id__in=program_ids, status__in=ENDED_BY_REVIEW, decided_at__gte=since
    )
    took = turnarounds(decided, group="program_id", start="created_at", end="decided_at")
    levels = []
    for queue in program_overview(reviewer=None, now=now, program_ids=program_ids):
        figures = took.get(queue.program.pk, Turnaround(0, None, None))
        levels.append(
            ServiceLevel(
                label=queue.program.name,
                pending=queue.pending,
                overdue=queue.overdue,
                oldest_age=queue.oldest_age,
                decided=figures.count,
                median_hours=_hours(figures.median),
                p90_hours=_hours(figures.p90),
            )
        )
    return levels


def reviewer_service_levels(*, program_ids, now=None) -> list[ServiceLevel]:
    """Per reviewer in these programs: requests they hold now (pending, overdue, oldest) and
    the turnaround of their decisions in the last 30 days (request created -> their decision)."""
    now = now or timezone.now()
    since = now - timedelta(days=TURNAROUND_DAYS)
    decisions = ReviewDecision.objects.filter(
        share_request__program_id__in=program_ids, created_at__gte=since
    )
    took = turnarounds(
        decisions, group="reviewer_id", start="share_request__created_at", end="created_at"
    )
    held = {
        row["claimed_by_id"]: row
        for row in ShareRequest.objects.filter(
            program_id__in=program_ids,
            status=Status.PENDING,
            claimed_by__isnull=False,
            lease_expires_at__gt=now,
        )
        .order_by()
        .values("claimed_by_id")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=Q(created_at__lt=overdue_before(now))),
            oldest=Min("created_at"),
        )
    }
    people = get_user_model().objects.filter(pk__in={*took, *held})
    levels = []
    for person in sorted(people, key=lambda user: _name(user).lower()):
        figures = took.get(person.pk, Turnaround(0, None, None))
        holding = held.get(person.pk, {"n": 0, "overdue": 0, "oldest": None})
        levels.append(
            ServiceLevel(
                label=_name(person),
                pending=holding["n"],
                overdue=holding["overdue"],
                oldest_age=(now - holding["oldest"]) if holding["oldest"] else None,
                decided=figures.count,
                median_hours=_hours(figures.median),
                p90_hours=_hours(figures.p90),
            )
        )
    return levels


def _name(user) -> str:
    return user.get_full_name() or user.email or user.username
