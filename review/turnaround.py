"""Turnaround percentiles (median and p90) per group, computed by the database.

PostgreSQL has ordered-set aggregates: `percentile_cont(0.5)` is the median (the mean of the two
middle values for an even count) and `percentile_disc(0.9)` the nearest-rank p90, both for all
groups in one query. SQLite has neither: there the rows are counted per group in one query and
the k-th row of each group is read with ORDER BY ... LIMIT/OFFSET, so the cost is a few queries
per group (programs, reviewers), never a pass over every row in Python.
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, QuerySet


class _Percentile(Aggregate):
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()

    def __init__(self, expression, *, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


class PercentileCont(_Percentile):
    function = "percentile_cont"


class PercentileDisc(_Percentile):
    function = "percentile_disc"


@dataclass(frozen=True)
class Turnaround:
    count: int
    median: timedelta | None
    p90: timedelta | None


def nearest_rank(count: int, fraction: float) -> int:
    """0-based index of the nearest-rank percentile among `count` ordered values."""
    return max(math.ceil(fraction * count), 1) - 1


def turnarounds(rows: QuerySet, *, group: str, start: str, end: str) -> dict[int, Turnaround]:
    """{group value: Turnaround of `end - start`} over `rows`."""
    took = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    grouped = rows.order_by().values(group)
    if connection.vendor == "postgresql":
        return {
            row[group]: Turnaround(row["n"], row["median"], row["p90"])
            for row in grouped.annotate(
                n=Count("pk"),
                median=PercentileCont(took, fraction=0.5),
                p90=PercentileDisc(took, fraction=0.9),
            )
        }
    found = {}
    for row in grouped.annotate(n=Count("pk")):
        key, count = row[group], row["n"]
        ordered = rows.filter(**{group: key}).annotate(took=took).order_by("took")
        ordered = ordered.values_list("took", flat=True)
        middle = list(ordered[(count - 1) // 2 : count // 2 + 1])  # one or two middle values
        rank = nearest_rank(count, 0.9)
        found[key] = Turnaround(
            count, sum(middle, timedelta()) / len(middle), ordered[rank : rank + 1].get()
        )
    return found
