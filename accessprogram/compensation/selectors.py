"""Reads for compensation: rate cards, balances, statement entries and period figures.

A period is a pair of dates, both included, in UTC: entries count by `created_at`, hours by the
moment their time log was approved (the same moment its hours award was written). Stipends are
the exception for the minimum rate: a month's stipend is written once the month is over, so it
counts toward the floor of the period in which its month ends, whenever it was written.
"""

import calendar
import datetime
from decimal import ROUND_CEILING, Decimal

from django.db.models import BigIntegerField, F, Q, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import timezone

from accessprogram.programs.models import Membership, Program

from .models import LedgerEntry, Payout, PayoutBatch, RateCard, TimeLog
from .money import CENT

# Earnings the minimum hourly rate is measured against: pay for testing work. Licence fees pay
# for the use of a tester's output, not for their time, so they do not fill the floor.
FLOOR_EARNING_KINDS = (
    LedgerEntry.Kind.AWARD_FORM,
    LedgerEntry.Kind.AWARD_BUG,
    LedgerEntry.Kind.AWARD_HOURS,
    LedgerEntry.Kind.STIPEND,
)


def current_rate_card(*, program: Program, at: datetime.datetime | None = None) -> RateCard | None:
    """The version in effect at `at` (now by default): the latest one effective by then."""
    at = at or timezone.now()
    return (
        RateCard.objects.filter(program=program, effective_from__lte=at)
        .order_by("-effective_from", "-version")
        .first()
    )


def sum_amounts(entries: QuerySet) -> Decimal:
    """Exact sum of `entries`' amounts.

    Summed as integer cents in the database: SQLite keeps decimals as floating point, and a
    float sum of many rows could drift by a cent; an integer sum cannot.
    """
    cents = entries.aggregate(
        cents=Coalesce(Sum(Cast(Round(F("amount") * 100), BigIntegerField())), 0)
    )["cents"]
    return (Decimal(cents) / 100).quantize(CENT)


def period_bounds(
    *, period_start: datetime.date, period_end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) in UTC for the dates `period_start` to `period_end`, both included."""
    start = datetime.datetime.combine(period_start, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(period_end, datetime.time.min, tzinfo=datetime.UTC)
    return start, end + datetime.timedelta(days=1)


def balance(*, membership: Membership, currency: str) -> Decimal:
    return sum_amounts(LedgerEntry.objects.filter(membership=membership, currency=currency))


def statement_entries(
    *, membership: Membership, period_start: datetime.date, period_end: datetime.date
) -> QuerySet:
    """Every entry of the tester in the period, oldest first, in all currencies."""
    start, end = period_bounds(period_start=period_start, period_end=period_end)
    return LedgerEntry.objects.filter(
        membership=membership, created_at__gte=start, created_at__lt=end
    ).order_by("created_at", "id")


def period_earnings(
    *,
    membership: Membership,
    period_start: datetime.date,
    period_end: datetime.date,
    currency: str,
    kinds=FLOOR_EARNING_KINDS,
) -> Decimal:
    """Earnings of the period in `currency`: awards of `kinds`, less reversals of them.

    Top-ups, payouts and their reversals are not earnings.
    """
    kinds = [str(kind) for kind in kinds]
    stipend = str(LedgerEntry.Kind.STIPEND)
    by_date = [kind for kind in kinds if kind != stipend]
    entries = statement_entries(
        membership=membership, period_start=period_start, period_end=period_end
    ).filter(currency=currency)
    earned = sum_amounts(
        entries.filter(
            Q(kind__in=by_date) | Q(kind=LedgerEntry.Kind.REVERSAL, reverses__kind__in=by_date)
        )
    )
    if stipend not in kinds:
        return earned
    # A month's stipend counts in the period its month ends in, whenever it was written.
    months = months_ending_in(period_start, period_end)
    if not months:
        return earned
    stipends = LedgerEntry.objects.filter(membership=membership, currency=currency).filter(
        Q(kind=stipend, pays_from__in=months)
        | Q(kind=LedgerEntry.Kind.REVERSAL, reverses__kind=stipend, reverses__pays_from__in=months)
    )
    return earned + sum_amounts(stipends)


def months_ending_in(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first days of the months whose last day falls in [start, end]."""
    months, day = [], start.replace(day=1)
    while day <= end:
        last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        if start <= last <= end:
            months.append(day)
        day = last + datetime.timedelta(days=1)
    return months


def approved_minutes(
    *, membership: Membership, period_start: datetime.date, period_end: datetime.date
) -> int:
    start, end = period_bounds(period_start=period_start, period_end=period_end)
    return (
        TimeLog.objects.filter(
            membership=membership,
            status=TimeLog.Status.APPROVED,
            decided_at__gte=start,
            decided_at__lt=end,
        ).aggregate(minutes=Sum("minutes"))["minutes"]
        or 0
    )


def minimum_top_up(
    *,
    membership: Membership,
    period_start: datetime.date,
    period_end: datetime.date,
    floor_per_hour: Decimal,
    currency: str,
) -> Decimal:
    """What brings the tester's period earnings up to `floor_per_hour` times approved hours.

    Never negative; rounded up to the cent, so earnings plus top-up are never below the floor.
    Earlier top-ups are not earnings, so asking again after the close gives the same answer.
    """
    minutes = approved_minutes(
        membership=membership, period_start=period_start, period_end=period_end
    )
    owed = (Decimal(floor_per_hour) * minutes / 60).quantize(CENT, rounding=ROUND_CEILING)
    earned = period_earnings(
        membership=membership, period_start=period_start, period_end=period_end, currency=currency
    )
    return max(Decimal("0.00"), owed - earned)


def payout_totals(*, batch: PayoutBatch) -> list[tuple[str, dict[str, Decimal]]]:
    """Per currency (sorted), what a batch's lines add up to and how much of it is paid: one
    GROUP BY query however many lines the batch has."""
    zero = Decimal("0.00")
    rows = (
        Payout.objects.filter(batch=batch)
        .order_by("currency")
        .values("currency")
        .annotate(all=Sum("amount"), paid=Sum("amount", filter=Q(status=Payout.Status.PAID)))
    )
    return [(row["currency"], {"all": row["all"], "paid": row["paid"] or zero}) for row in rows]
