"""The window of a dashboard (the last 7 or 30 UTC days) and daily figures counted by the
database: one GROUP BY (program, day) per query, whatever the number of rows; the days without
rows are filled in as zeros here (at most programs x days values, never rows).

Past days are settled: the times that date a figure (created, completed, decided, detected,
written to the ledger) are set once and never move. So the figures of the days before today are
kept in the cache and a dashboard asks the database only about today's rows, in the same one
query. The few figures that can still change for a past day (the average wait of a job asked
for yesterday and dispatched today) are at most PAST_DAYS_SECONDS old.
"""

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet
from django.db.models.functions import TruncDate

from .charts import Series

PAST_DAYS_SECONDS = 600
RANGES = (7, 30)
DEFAULT_RANGE = 7


@dataclass(frozen=True)
class Window:
    """The last `days` UTC days up to `now`, today included."""

    now: datetime.datetime
    days: int = DEFAULT_RANGE

    @property
    def today(self) -> datetime.date:
        return self.now.astimezone(datetime.UTC).date()

    @property
    def dates(self) -> list[datetime.date]:
        return [self.today - datetime.timedelta(days=back) for back in range(self.days - 1, -1, -1)]

    @property
    def since(self) -> datetime.datetime:
        """Midnight (UTC) that starts the window's first day."""
        first = self.today - datetime.timedelta(days=self.days - 1)
        return datetime.datetime.combine(first, datetime.time.min, tzinfo=datetime.UTC)

    @property
    def midnight(self) -> datetime.datetime:
        """The start of today (UTC): rows from here on are read afresh on every request."""
        return datetime.datetime.combine(self.today, datetime.time.min, tzinfo=datetime.UTC)

    @property
    def week_ago(self) -> datetime.datetime:
        return self.now - datetime.timedelta(days=7)


Daily = dict[int, dict[str, dict[datetime.date, object]]]


def daily(
    rows: QuerySet, *, field: str, window: Window, program: str = "program_id", **values
) -> Daily:
    """{program id: {name: {day: value}}} of the aggregates `values` over `rows` whose datetime
    `field` falls in the window, grouped by `program` (the lookup of the program's id) and the
    UTC day of `field`. One query: over the whole window, or over today when the days before
    are in the cache."""

    def grouped(since: datetime.datetime) -> QuerySet:
        return (
            rows.filter(**{f"{field}__gte": since, f"{field}__lte": window.now})
            .annotate(day=TruncDate(field, tzinfo=datetime.UTC))
            .order_by()
            .values(program, "day")
            .annotate(**values)
        )

    settled = rows.filter(**{f"{field}__gte": window.since, f"{field}__lt": window.midnight})
    key = cache_key(  # what the settled days' query would ask, without the moving `now`
        "daily",
        settled.annotate(day=TruncDate(field, tzinfo=datetime.UTC))
        .values(program, "day")
        .annotate(**values),
    )
    past = cache.get(key)
    found: Daily = defaultdict(lambda: defaultdict(dict))
    for row in grouped(window.since if past is None else window.midnight):
        for name in values:
            found[row[program]][name][row["day"]] = row[name]
    if past is None:
        cache.set(key, _before(found, window.today), PAST_DAYS_SECONDS)
    else:
        for program_id, named in past.items():
            for name, by_day in named.items():
                found[program_id][name].update(by_day)
    return found


def cache_key(kind: str, query: QuerySet | object) -> str:
    """A cache key naming exactly what `query` asks (its SQL and parameters, or a value)."""
    if isinstance(query, QuerySet):
        query = query.query.sql_with_params()
    return f"health:{kind}:" + hashlib.sha256(repr(query).encode()).hexdigest()


def _before(found: Daily, today: datetime.date) -> dict:
    """The days before `today` of `found`, as plain dicts (for the cache)."""
    return {
        program_id: {
            name: {day: value for day, value in by_day.items() if day < today}
            for name, by_day in named.items()
        }
        for program_id, named in found.items()
    }


def series(
    found: Daily, program_id: int, name: str, *, window: Window, label: str, unit: str = "", zero=0
) -> Series:
    """The daily values `name` of one program as a Series over every day of the window."""
    by_day = found.get(program_id, {}).get(name, {})
    return Series(
        label=label,
        unit=unit,
        points=tuple((day, by_day.get(day) or zero) for day in window.dates),
    )
