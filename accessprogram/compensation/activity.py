"""Evidence beside a time log: what the tester did on the platform while they say they tested.

Compensation sits below generation and feedback, so it cannot count their rows itself: the
counters come from the adapter (see adapter.py; the console's answers with generations made,
forms answered, outputs rated and bugs filed). Each answers, for a list of sessions (a tester
and a time window each), a count per session. A counter that fails is left out rather than
breaking the page.
"""

import datetime
import logging
from dataclasses import dataclass

from django.db import connection
from django.db.models import Model

from .adapter import Session, get_adapter
from .models import TimeLog

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Activity:
    label: str
    count: int


def session_window(time_log: TimeLog) -> tuple[datetime.datetime, datetime.datetime]:
    return time_log.started_at, time_log.started_at + datetime.timedelta(minutes=time_log.minutes)


def count_in_windows(
    model: type[Model], field: str, sessions: list[Session], *, owner: dict[str, str]
) -> list[int]:
    """How many rows of `model` belong to each session's tester and have `field` in its
    window: one query, the sessions joined as a VALUES list and counted with GROUP BY.
    `owner` maps a column of `model` to the membership attribute it must equal, e.g.
    {"tester_id": "user_id", "program_id": "program_id"}. Raw SQL because a filtered COUNT
    per session costs Django more to build than the database to run, on a page of fifty."""
    if not sessions:
        return []
    quote, meta = connection.ops.quote_name, model._meta
    column = {name: quote(meta.get_field(name).column) for name in (*owner, field)}
    keys = [f"o{k}" for k in range(len(owner))]
    matches = [f"r.{column[name]} = s.{key}" for name, key in zip(owner, keys, strict=True)]
    params: list = []
    for i, (membership, (start, end)) in enumerate(sessions):
        params += [i, *(getattr(membership, attr) for attr in owner.values())]
        params += [connection.ops.adapt_datetimefield_value(at) for at in (start, end)]
    row = "(" + ", ".join(["%s"] * (3 + len(owner))) + ")"
    # Only quoted names from the model's own metadata are formatted in; values are parameters.
    values = ", ".join([row] * len(sessions))
    sql = (
        f"WITH s(i, {', '.join(keys)}, a, b) AS (VALUES {values}) "  # noqa: S608
        f"SELECT s.i, COUNT(r.{quote(meta.pk.column)}) FROM s "
        f"LEFT JOIN {quote(meta.db_table)} r ON {' AND '.join(matches)} "
        f"AND r.{column[field]} >= s.a AND r.{column[field]} < s.b GROUP BY s.i"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = dict(cursor.fetchall())
    return [counts.get(i, 0) for i in range(len(sessions))]


def activity_for_many(time_logs: list[TimeLog]) -> list[list[Activity]]:
    """activity_for of each time log (of one tester or of many), in one query per counter;
    each log's membership is read, so select it with the logs."""
    if not time_logs:
        return []
    sessions = [(log.membership, session_window(log)) for log in time_logs]
    found: list[list[Activity]] = [[] for _ in time_logs]
    for label, counter in get_adapter().activity_counters().items():
        try:
            counts = [int(c) for c in counter(sessions)]
        except Exception:  # a broken counter must not hide the log or the other evidence
            logger.exception("activity counter %r failed", label)
            continue
        for activity, count in zip(found, counts, strict=True):
            activity.append(Activity(label=label, count=count))
    return found


def activity_for(time_log: TimeLog) -> list[Activity]:
    """What every counter of the adapter counts in the session's window, in the adapter's order."""
    return activity_for_many([time_log])[0]
