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

from accessprogram.programs.models import Membership

from .models import TimeLog

logger = logging.getLogger(__name__)

# (membership, start, end) -> count of things done in [start, end)
ActivityCounter = Callable[[Membership, datetime.datetime, datetime.datetime], int]

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


def activity_for(time_log: TimeLog) -> list[Activity]:
    """What every registered provider counts in the session's window, in registration order."""
    start, end = session_window(time_log)
    found = []
    for label, counter in _providers.items():
        try:
            count = int(counter(time_log.membership, start, end))
        except Exception:  # a broken provider must not hide the log or the other evidence
            logger.exception("activity provider %r failed", label)
            continue
        found.append(Activity(label=label, count=count))
    return found
