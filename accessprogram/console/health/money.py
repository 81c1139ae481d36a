"""Money of a program: earned and paid this period, owed now, per currency, with daily trends.

"This period" is the payout period that covers today (UTC), or the calendar month when none
does. Earned: every ledger entry of the period but payouts (awards, stipends, fees, top-ups,
less reversals). Paid: what payout entries took out in the period. Owed: the testers' balance
now, all time (earned and not yet paid). Sums are exact integer cents (compensation.bulk).
"""

import datetime
import operator
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce

from django.db.models import BigIntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from accessprogram.compensation.bulk import cents, sum_cents
from accessprogram.compensation.models import LedgerEntry, PayoutPeriod
from accessprogram.compensation.money import from_cents
from accessprogram.compensation.rules import month_of, period_bounds

from .charts import Series
from .trends import Window

PAYOUT = Q(kind=LedgerEntry.Kind.PAYOUT)


@dataclass(frozen=True)
class CurrencyFigures:
    currency: str
    earned: Decimal
    paid: Decimal
    owed: Decimal
    earned_trend: Series
    paid_trend: Series


@dataclass(frozen=True)
class Money:
    start: datetime.date
    end: datetime.date
    period: PayoutPeriod | None  # None: the calendar month
    currencies: list[CurrencyFigures]


def _cents_where(condition: Q):
    return Coalesce(Sum(cents(), filter=condition), Value(0), output_field=BigIntegerField())


def money(*, program_ids, window: Window) -> dict[int, Money]:
    """Three queries whatever the number of testers and ledger entries."""
    today = window.today
    periods = {
        period.program_id: period
        for period in PayoutPeriod.objects.filter(
            program_id__in=program_ids, start__lte=today, end__gte=today
        )
    }
    spans = {
        pk: (periods[pk].start, periods[pk].end) if pk in periods else month_of(today)
        for pk in program_ids
    }
    entries = LedgerEntry.objects.filter(program_id__in=program_ids).order_by()
    in_period = reduce(
        operator.or_,
        (
            Q(program_id=pk, created_at__gte=bounds[0], created_at__lt=bounds[1])
            for pk, bounds in (
                (pk, period_bounds(period_start=start, period_end=end))
                for pk, (start, end) in spans.items()
            )
        ),
        Q(pk__in=[]),
    )
    sums = {
        (row["program_id"], row["currency"]): row
        for row in entries.values("program_id", "currency").annotate(
            owed=sum_cents(),
            earned=_cents_where(in_period & ~PAYOUT),
            paid=_cents_where(in_period & PAYOUT),
        )
    }
    by_day: dict[tuple[int, str], dict[str, dict]] = defaultdict(lambda: defaultdict(dict))
    for row in (
        entries.filter(created_at__gte=window.since, created_at__lte=window.now)
        .annotate(day=TruncDate("created_at", tzinfo=datetime.UTC))
        .values("program_id", "currency", "day")
        .annotate(earned=_cents_where(~PAYOUT), paid=_cents_where(PAYOUT))
    ):
        key = (row["program_id"], row["currency"])
        by_day[key]["earned"][row["day"]] = row["earned"]
        by_day[key]["paid"][row["day"]] = row["paid"]
    found = {}
    for pk in program_ids:
        currencies = sorted({c for p, c in (*sums, *by_day) if p == pk})
        figures = []
        for currency in currencies:
            totals = sums.get((pk, currency), {"earned": 0, "paid": 0, "owed": 0})
            daily = by_day.get((pk, currency), {})
            figures.append(
                CurrencyFigures(
                    currency=currency,
                    earned=from_cents(totals["earned"]),
                    paid=from_cents(-totals["paid"]),
                    owed=from_cents(totals["owed"]),
                    earned_trend=_money_series(daily.get("earned", {}), window, "Earned", currency),
                    paid_trend=_money_series(
                        daily.get("paid", {}), window, "Paid", currency, sign=-1
                    ),
                )
            )
        start, end = spans[pk]
        found[pk] = Money(start=start, end=end, period=periods.get(pk), currencies=figures)
    return found


def _money_series(cents_by_day: dict, window: Window, label: str, currency: str, sign=1):
    return Series(
        label=label,
        unit=currency,
        points=tuple((day, from_cents(sign * cents_by_day.get(day, 0))) for day in window.dates),
    )
