"""Evidence beside a time log: what the tester did on the platform while they say they tested.

Compensation sits below generation and feedback, so it cannot count their rows itself. Higher
layers register a provider here (the console does, in console/activity.py); each answers with
a label and, for a list of sessions (a tester and a time window each), a count per session. A
provider that fails is left out rather than breaking the page.
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
# A tester's session: whose, and when [start, end).
Session = tuple[Membership, Window]
# sessions -> for each session, the count of things its tester did in its window; one query
# for all of them (see count_in_windows), so a page of sessions, of one tester or of many,
# costs one query a provider.
ActivityCounter = Callable[[list[Session]], list[int]]

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


def count_in_windows(
    rows: QuerySet, field: str, sessions: list[Session], *, owner: dict[str, str]
) -> list[int]:
    """How many of `rows` belong to each session's tester and have `field` in its window:
    one aggregate query. `owner` maps a field of `rows` to the membership attribute it must
    equal, e.g. {"tester_id": "user_id", "program_id": "program_id"}."""
    if not sessions:
        return []

    def of(membership: Membership) -> Q:
        return Q(**{field_name: getattr(membership, attr) for field_name, attr in owner.items()})

    testers = Q()
    for membership in {membership.pk: membership for membership, _ in sessions}.values():
        testers |= of(membership)
    # Only these testers' rows inside some window are read (indexes on owner and `field`).
    rows = rows.filter(
        testers,
        **{
            f"{field}__gte": min(start for _, (start, _) in sessions),
            f"{field}__lt": max(end for _, (_, end) in sessions),
        },
    )
    counts = rows.aggregate(
        **{
            f"s{i}": Count(
                "pk", filter=of(membership) & Q(**{f"{field}__gte": start, f"{field}__lt": end})
            )
            for i, (membership, (start, end)) in enumerate(sessions)
        }
    )
    return [counts[f"s{i}"] for i in range(len(sessions))]


def activity_for_many(time_logs: list[TimeLog]) -> list[list[Activity]]:
    """activity_for of each time log (of one tester or of many), in one query per provider;
    each log's membership is read, so select it with the logs."""
    if not time_logs:
        return []
    sessions = [(log.membership, session_window(log)) for log in time_logs]
    found: list[list[Activity]] = [[] for _ in time_logs]
    for label, counter in _providers.items():
        try:
            counts = [int(c) for c in counter(sessions)]
        except Exception:  # a broken provider must not hide the log or the other evidence
            logger.exception("activity provider %r failed", label)
            continue
        for activity, count in zip(found, counts, strict=True):
            activity.append(Activity(label=label, count=count))
    return found


def activity_for(time_log: TimeLog) -> list[Activity]:
    """What every registered provider counts in the session's window, in registration order."""
    return activity_for_many([time_log])[0]
