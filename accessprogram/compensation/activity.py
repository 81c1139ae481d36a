"""Evidence beside a time log: what the tester did on the platform while they say they tested.

Compensation sits below generation and feedback, so it cannot count their rows itself: the
counters come from the adapter (see adapter.py; the console's answers with generations made,
forms answered, outputs rated and bugs filed). Each answers with a count for one tester and
time window. A counter that fails is left out rather than breaking the page.
"""

import datetime
import logging
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from .adapter import Window, get_adapter
from .models import TimeLog

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Activity:
    label: str
    count: int


def session_window(time_log: TimeLog) -> tuple[datetime.datetime, datetime.datetime]:
    return time_log.started_at, time_log.started_at + datetime.timedelta(minutes=time_log.minutes)


def count_in_windows(rows: QuerySet, field: str, windows: list[Window]) -> list[int]:
    """How many of `rows` have `field` in each window [start, end): one aggregate query."""
    if not windows:
        return []
    # Only rows inside some window are read (an index on `field` narrows them).
    rows = rows.filter(
        **{
            f"{field}__gte": min(start for start, _ in windows),
            f"{field}__lt": max(end for _, end in windows),
        }
    )
    counts = rows.aggregate(
        **{
            f"w{i}": Count("pk", filter=Q(**{f"{field}__gte": start, f"{field}__lt": end}))
            for i, (start, end) in enumerate(windows)
        }
    )
    return [counts[f"w{i}"] for i in range(len(windows))]


def activity_for_many(time_logs: list[TimeLog]) -> list[list[Activity]]:
    """activity_for of each of one member's time logs, in one query per counter."""
    if not time_logs:
        return []
    windows = [session_window(log) for log in time_logs]
    found: list[list[Activity]] = [[] for _ in time_logs]
    for label, counter in get_adapter().activity_counters().items():
        try:
            counts = [int(c) for c in counter(time_logs[0].membership, windows)]
        except Exception:  # a broken counter must not hide the log or the other evidence
            logger.exception("activity counter %r failed", label)
            continue
        for activity, count in zip(found, counts, strict=True):
            activity.append(Activity(label=label, count=count))
    return found


def activity_for(time_log: TimeLog) -> list[Activity]:
    """What every counter of the adapter counts in the session's window, in the adapter's order."""
    return activity_for_many([time_log])[0]
