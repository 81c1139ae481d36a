"""Money of a program: earned and paid this period, owed now, per currency, with daily trends.

"This period" is the payout period that covers today (UTC), or the calendar month when none
does. Earned: every ledger entry of the period but payouts (awards, stipends, fees, top-ups,
less reversals). Paid: what payout entries took out in the period. Owed: the testers' balance
now, all time (earned and not yet paid). Sums are exact integer cents (compensation.bulk).

The ledger is append-only, so its sums up to midnight never change: they are kept in the cache
(see trends.py) and a dashboard sums only today's entries, in the same one query.
"""

import datetime
import operator
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce

from django.core.cache import cache
from django.db.models import BigIntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from accessprogram.compensation.bulk import cents
from accessprogram.compensation.models import Currency, LedgerEntry, PayoutPeriod
from accessprogram.compensation.money import from_cents
from accessprogram.compensation.rules import month_of, period_bounds

from .charts import Series
from .trends import PAST_DAYS_SECONDS, Window, cache_key, daily

PAYOUT = Q(kind=LedgerEntry.Kind.PAYOUT)
TOTALS = ("owed", "earned", "paid")


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
    sums = _totals(entries, spans=spans, window=window)
    per_day = daily(
        entries,
        field="created_at",
        window=window,
        **{
            f"{name}_{currency}": _cents_where(kind & Q(currency=currency))
            for currency in Currency.values
            for name, kind in (("earned", ~PAYOUT), ("paid", PAYOUT))
        },
    )
    found = {}
    for pk in program_ids:
        named = per_day.get(pk, {})
        in_window = {
            name.rsplit("_", 1)[1] for name, by_day in named.items() if any(by_day.values())
        }
        figures = []
        for currency in sorted({c for p, c in sums if p == pk} | in_window):
            totals = sums.get((pk, currency), dict.fromkeys(TOTALS, 0))
            figures.append(
                CurrencyFigures(
                    currency=currency,
                    earned=from_cents(totals["earned"]),
                    paid=from_cents(-totals["paid"]),
                    owed=from_cents(totals["owed"]),
                    earned_trend=_money_series(
                        named.get(f"earned_{currency}", {}), window, "Earned", currency
                    ),
                    paid_trend=_money_series(
                        named.get(f"paid_{currency}", {}), window, "Paid", currency, sign=-1
                    ),
                )
            )
        start, end = spans[pk]
        found[pk] = Money(start=start, end=end, period=periods.get(pk), currencies=figures)
    return found


def _totals(entries: QuerySet, *, spans: dict, window: Window) -> dict[tuple[int, str], dict]:
    """{(program id, currency): {"owed", "earned", "paid": cents}}: one query, over every entry
    the first time in a day, over today's entries when the sums up to midnight are cached."""
    in_period = reduce(
        operator.or_,
        (
            Q(program_id=pk, created_at__gte=start, created_at__lt=end)
            for pk, (start, end) in (
                (pk, period_bounds(period_start=first, period_end=last))
                for pk, (first, last) in spans.items()
            )
        ),
        Q(pk__in=[]),
    )
    sums = {
        "owed": _cents_where(Q()),
        "earned": _cents_where(in_period & ~PAYOUT),
        "paid": _cents_where(in_period & PAYOUT),
    }
    today = Q(created_at__gte=window.midnight)
    key = cache_key("money", (sorted(spans.items()), window.midnight))
    past = cache.get(key)
    rows = entries if past is None else entries.filter(today)
    if past is None:  # the same query, also telling today's part apart
        sums |= {
            "owed_today": _cents_where(today),
            "earned_today": _cents_where(in_period & ~PAYOUT & today),
            "paid_today": _cents_where(in_period & PAYOUT & today),
        }
    found = {
        (row["program_id"], row["currency"]): row
        for row in rows.values("program_id", "currency").annotate(**sums)
    }
    if past is None:
        past = {
            group: {name: row[name] - row[f"{name}_today"] for name in TOTALS}
            for group, row in found.items()
        }
        cache.set(key, past, PAST_DAYS_SECONDS)
    else:
        for group, before in past.items():
            row = found.setdefault(group, dict.fromkeys(TOTALS, 0))
            for name in TOTALS:
                row[name] += before[name]
    return found


def _money_series(cents_by_day: dict, window: Window, label: str, currency: str, sign=1):
    return Series(
        label=label,
        unit=currency,
        points=tuple((day, from_cents(sign * cents_by_day.get(day, 0))) for day in window.dates),
    )
