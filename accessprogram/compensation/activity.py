"""Evidence beside a time log: what the tester did on the platform while they say they tested.

Compensation sits below generation and feedback, so it cannot count their rows itself. Higher
layers register a provider here (the console does, in console/finance_views.py); each answers
with a label and a count for one tester and time window. A provider that fails is left out
rather than breaking the page.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from accessprogram.programs.models import Membership

from .models import TimeLog

logger = logging.getLogger(__name__)

Window = tuple[datetime.datetime, datetime.datetime]
# (membership, windows) -> for each window [start, end), the count of things done in it; one
# query for all windows (see count_in_windows), so a page of sessions costs one query a provider.
ActivityCounter = Callable[[Membership, list[Window]], list[int]]

_providers: dict[str, ActivityCounter] = {}


@dataclass(frozen=True)
class Activity:
    label: str
    count: int


def register_activity_provider(label: str, counter: ActivityCounter) -> None:
    """Add (or replace) the counter shown as `label`, e.g. "Generations made"."""
    _providers[label] = counter


def activity_providers() -> dict[str, ActivityCounter]:
    return dict(_providers)


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
    """activity_for of each of one member's time logs, in one query per provider."""
    if not time_logs:
        return []
    windows = [session_window(log) for log in time_logs]
    found: list[list[Activity]] = [[] for _ in time_logs]
    for label, counter in _providers.items():
        try:
            counts = [int(c) for c in counter(time_logs[0].membership, windows)]
        except Exception:  # a broken provider must not hide the log or the other evidence
            logger.exception("activity provider %r failed", label)
            continue
        for activity, count in zip(found, counts, strict=True):
            activity.append(Activity(label=label, count=count))
    return found


def activity_for(time_log: TimeLog) -> list[Activity]:
    """What every registered provider counts in the session's window, in registration order."""
    return activity_for_many([time_log])[0]
