"""The review backlog against the SLA, and share requests asked for and decided per day."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, Q

from review.models import ShareRequest
from review.queue import ENDED_BY_REVIEW, overdue_before, sla_hours

from .charts import Series
from .durations import duration_text
from .trends import Window, daily, series


@dataclass(frozen=True)
class Backlog:
    """Share requests waiting for a decision in one program right now."""

    now: datetime.datetime
    pending: int = 0
    overdue: int = 0  # waiting longer than the SLA
    oldest_at: datetime.datetime | None = None

    @property
    def sla_hours(self) -> int:
        return sla_hours()

    @property
    def oldest_wait(self) -> datetime.timedelta | None:
        return self.now - self.oldest_at if self.oldest_at else None

    @property
    def oldest_wait_text(self) -> str:
        return duration_text(self.oldest_wait)


def backlogs(*, program_ids, now: datetime.datetime) -> dict[int, Backlog]:
    """One query over the pending requests (partial index share_request_program_queue)."""
    rows = {
        row["program_id"]: row
        for row in ShareRequest.objects.filter(
            program_id__in=program_ids, status=ShareRequest.Status.PENDING
        )
        .order_by()
        .values("program_id")
        .annotate(
            pending=Count("id"),
            overdue=Count("id", filter=Q(created_at__lt=overdue_before(now))),
            oldest=Min("created_at"),
        )
    }
    return {
        pk: Backlog(
            now=now,
            pending=rows.get(pk, {}).get("pending", 0),
            overdue=rows.get(pk, {}).get("overdue", 0),
            oldest_at=rows.get(pk, {}).get("oldest"),
        )
        for pk in program_ids
    }


@dataclass(frozen=True)
class ReviewTrends:
    requested: Series
    decided: Series


def review_trends(*, program_ids, window: Window) -> dict[int, ReviewTrends]:
    """Requests made per day and requests decided per day: two GROUP BY queries."""
    requests = ShareRequest.objects.filter(program_id__in=program_ids)
    asked = daily(requests, field="created_at", window=window, n=Count("id"))
    decided = daily(
        requests.filter(status__in=ENDED_BY_REVIEW),
        field="decided_at",
        window=window,
        n=Count("id"),
    )
    return {
        pk: ReviewTrends(
            requested=series(asked, pk, "n", window=window, label="Requested"),
            decided=series(decided, pk, "n", window=window, label="Decided"),
        )
        for pk in program_ids
    }
