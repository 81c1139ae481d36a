"""Reads for compensation: rate cards, balances, statement entries and period figures.

The rules these figures follow (period dates, which earnings fill the floor, rounding) live in
rules.py; here they are applied to one tester's ledger.
"""

import datetime
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from accessprogram.programs.models import Membership, Program

from .bulk import sum_cents
from .models import LedgerEntry, Payout, PayoutBatch, RateCard, TimeLog
from .money import from_cents
from .rules import floor_earnings, floor_owed, period_bounds, top_up


def current_rate_card(*, program: Program, at: datetime.datetime | None = None) -> RateCard | None:
    """The version in effect at `at` (now by default): the latest one effective by then."""
    at = at or timezone.now()
    return (
        RateCard.objects.filter(program=program, effective_from__lte=at)
        .order_by("-effective_from", "-version")
        .first()
    )


def upcoming_rate_card(*, program: Program, at: datetime.datetime | None = None) -> RateCard | None:
    """The next version to take effect after `at` (now by default), if one is published."""
    at = at or timezone.now()
    return (
        RateCard.objects.filter(program=program, effective_from__gt=at)
        .order_by("effective_from", "version")
        .first()
    )


def sum_amounts(entries: QuerySet) -> Decimal:
    """Exact sum of `entries`' amounts.

    Summed as integer cents in the database: SQLite keeps decimals as floating point, and a
    float sum of many rows could drift by a cent; an integer sum cannot.
    """
    return from_cents(entries.aggregate(cents=sum_cents())["cents"])


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
) -> Decimal:
    """Earnings of the period in `currency` toward the floor (see rules.floor_earnings)."""
    entries = LedgerEntry.objects.filter(membership=membership, currency=currency)
    return sum_amounts(
        entries.filter(floor_earnings(period_start=period_start, period_end=period_end))
    )


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

    Earlier top-ups are not earnings, so asking again after the close gives the same answer.
    """
    minutes = approved_minutes(
        membership=membership, period_start=period_start, period_end=period_end
    )
    earned = period_earnings(
        membership=membership, period_start=period_start, period_end=period_end, currency=currency
    )
    return top_up(owed=floor_owed(floor_per_hour=floor_per_hour, minutes=minutes), earned=earned)


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
