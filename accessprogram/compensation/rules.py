"""How a payout is computed: every rule of compensation, in one place.

Read top to bottom: the dates a period covers, what approved hours pay, which earnings fill the
minimum hourly rate and what it owes, what a period's close freezes, and the idempotency key of
every kind of ledger entry. Services, selectors and the set-based writers (stipends.py,
topups.py, payouts.py) apply these rules; none restates them.

A period is a pair of dates, both included, in UTC: entries count by `created_at`, hours by the
moment their time log was approved (the same moment its hours award was written). Stipends are
the exception for the minimum rate: a month's stipend is written once the month is over, so it
counts toward the floor of the period in which its month ends, whenever it was written.
"""

import calendar
import datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.db.models import BigIntegerField, CharField, Expression, ExpressionWrapper, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from .models import LedgerEntry
from .money import CENT

Kind = LedgerEntry.Kind

# --- Periods and months -----------------------------------------------------------------------


def utc_today() -> datetime.date:
    """Today's date in UTC, the calendar every period and month is counted in."""
    return timezone.now().astimezone(datetime.UTC).date()


def period_has_ended(*, period_end: datetime.date, today: datetime.date | None = None) -> bool:
    """A period can be closed once its last day is over (in UTC): before that, earnings of its
    last day may still arrive."""
    return period_end < (today or utc_today())


def period_bounds(
    *, period_start: datetime.date, period_end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) in UTC for the dates `period_start` to `period_end`, both included."""
    start = datetime.datetime.combine(period_start, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(period_end, datetime.time.min, tzinfo=datetime.UTC)
    return start, end + datetime.timedelta(days=1)


def last_moment(*, period_start: datetime.date, period_end: datetime.date) -> datetime.datetime:
    """The period's last microsecond: the rates in effect then decide a month's stipend and a
    period's top-up currency (a card taking effect at the next midnight belongs to the next)."""
    _, end = period_bounds(period_start=period_start, period_end=period_end)
    return end - datetime.timedelta(microseconds=1)


def month_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of the month `day` falls in."""
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def previous_month(today: datetime.date | None = None) -> datetime.date:
    """The first day of the month before the one `today` (in UTC by default) falls in."""
    today = today or utc_today()
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def months_ending_in(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first days of the months whose last day falls in [start, end]: the months whose
    stipends belong to that period."""
    months, day = [], start.replace(day=1)
    while day <= end:
        first, last = month_of(day)
        if start <= last <= end:
            months.append(first)
        day = last + datetime.timedelta(days=1)
    return months


# --- Pay for approved hours -------------------------------------------------------------------


def hours_pay(*, per_hour: Decimal, minutes: int) -> Decimal:
    """What `minutes` of approved testing earn at `per_hour`, to the nearest cent."""
    return (per_hour * minutes / 60).quantize(CENT, rounding=ROUND_HALF_UP)


# --- The minimum hourly rate (the floor) ------------------------------------------------------

# Earnings the minimum hourly rate is measured against: pay for testing work. Licence fees pay
# for the use of a tester's output, not for their time, so they do not fill the floor. Top-ups,
# payouts and their reversals are not earnings either.
FLOOR_EARNING_KINDS = (Kind.AWARD_FORM, Kind.AWARD_BUG, Kind.AWARD_HOURS, Kind.STIPEND)


def floor_earnings(
    *, period_start: datetime.date, period_end: datetime.date, through: str = ""
) -> Q:
    """Ledger entries that count as the period's earnings toward the floor: awards of
    FLOOR_EARNING_KINDS less reversals of them, by date, except stipends, which count in the
    period their month ends in. `through` prefixes each lookup (`ledger_entries__` from a
    membership), so one rule serves the per-tester read and the all-testers write."""

    def entry(**lookups) -> Q:
        return Q(**{f"{through}{name}": value for name, value in lookups.items()})

    start, end = period_bounds(period_start=period_start, period_end=period_end)
    by_date = [str(kind) for kind in FLOOR_EARNING_KINDS if kind != Kind.STIPEND]
    earned = entry(created_at__gte=start, created_at__lt=end) & (
        entry(kind__in=by_date) | entry(kind=Kind.REVERSAL, reverses__kind__in=by_date)
    )
    months = months_ending_in(period_start, period_end)
    if months:
        earned |= entry(kind=Kind.STIPEND, pays_from__in=months) | entry(
            kind=Kind.REVERSAL, reverses__kind=Kind.STIPEND, reverses__pays_from__in=months
        )
    return earned


def floor_owed(*, floor_per_hour: Decimal, minutes: int) -> Decimal:
    """The floor times approved hours, rounded up to the cent: earnings plus top-up are never
    below the floor."""
    return (Decimal(floor_per_hour) * minutes / 60).quantize(CENT, rounding=ROUND_CEILING)


def floor_owed_cents(*, minutes: Expression, floor_per_hour: Decimal) -> ExpressionWrapper:
    """floor_owed in the database, in whole cents, for a set-based write: integer arithmetic,
    so SQLite and PostgreSQL agree to the cent with floor_owed."""
    floor_cents = int(floor_per_hour * 100)
    # Integer division of non-negative integers rounds down on both backends; +59 rounds up.
    return ExpressionWrapper((minutes * floor_cents + 59) / 60, output_field=BigIntegerField())


def top_up(*, owed: Decimal, earned: Decimal) -> Decimal:
    """What brings earnings up to what the floor owes; never negative."""
    return max(Decimal("0.00"), owed - earned)


# --- What a period's close freezes ------------------------------------------------------------


def frozen_by_close(*, period_start: datetime.date, period_end: datetime.date) -> Q:
    """Entries a close of the period freezes into payout lines (if no earlier batch holds them):
    everything written before its end, plus its top-ups and the stipends of the months ending
    in it (written after the end, by the close itself)."""
    _, end = period_bounds(period_start=period_start, period_end=period_end)
    frozen = Q(created_at__lt=end) | Q(
        kind=Kind.MINIMUM_TOP_UP, pays_from=period_start, pays_until=period_end
    )
    months = months_ending_in(period_start, period_end)
    if months:
        frozen |= Q(kind=Kind.STIPEND, pays_from__in=months)
    return frozen


# --- Idempotency keys -------------------------------------------------------------------------
# One ledger entry per thing paid for. Keys are stored in entries already written: the formats
# never change. Periodic entries also store the dates they pay for (pays_from, pays_until), so
# nothing ever parses a key.

EVENT_KEYS = ("timelog", "form-response", "bug-confirmed", "licence-fee", "reversal", "payout")


def event_key(event: str, ref: int) -> str:
    """`<event>:<id>`: the key of the one entry for a time log, a form response, a confirmed bug,
    a used output, the reversal of an entry or a paid payout line."""
    if event not in EVENT_KEYS:
        raise ValueError(f"No idempotency key for {event!r}.")
    return f"{event}:{ref}"


def periodic_key(
    *, kind: str, pays_from: datetime.date, pays_until: datetime.date, membership="pk"
) -> Concat:
    """The key of a tester's stipend (`stipend:<membership>:<YYYY-MM>`) or minimum-rate top-up
    (`topup:<membership>:<start>:<end>`), as an expression over the membership id `membership`
    (a field of the rows a set-based write selects)."""
    if kind == Kind.STIPEND:
        prefix, suffix = "stipend", f"{pays_from:%Y-%m}"
    elif kind == Kind.MINIMUM_TOP_UP:
        prefix, suffix = "topup", f"{pays_from}:{pays_until}"
    else:
        raise ValueError(f"{kind!r} is not a periodic award.")
    return Concat(
        Value(f"{prefix}:"),
        Cast(membership, CharField()),
        Value(f":{suffix}"),
        output_field=CharField(),
    )
