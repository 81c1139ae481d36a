"""The window of a dashboard (the last 7 or 30 UTC days) and daily figures counted by the
database: one GROUP BY (program, day) per query, whatever the number of rows; the days without
rows are filled in as zeros here (at most programs x days values, never rows)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.functions import TruncDate

from .charts import Series

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
    def week_ago(self) -> datetime.datetime:
        return self.now - datetime.timedelta(days=7)


Daily = dict[int, dict[str, dict[datetime.date, object]]]


def daily(
    rows: QuerySet, *, field: str, window: Window, program: str = "program_id", **values
) -> Daily:
    """{program id: {name: {day: value}}} of the aggregates `values` over `rows` whose datetime
    `field` falls in the window, grouped by `program` (the lookup of the program's id) and the
    UTC day of `field`."""
    grouped = (
        rows.filter(**{f"{field}__gte": window.since, f"{field}__lte": window.now})
        .annotate(day=TruncDate(field, tzinfo=datetime.UTC))
        .order_by()
        .values(program, "day")
        .annotate(**values)
    )
    found: Daily = defaultdict(lambda: defaultdict(dict))
    for row in grouped:
        for name in values:
            found[row[program]][name][row["day"]] = row[name]
    return found


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
