"""Reads for the tester's earnings page: balances, this period, monthly history, payouts."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models.functions import TruncMonth

from accessprogram.programs.models import Membership

from .activity import Activity, activity_for_many
from .bulk import sum_cents
from .models import LedgerEntry, Payout, PayoutPeriod, TimeLog
from .money import from_cents
from .rules import month_of, period_bounds, utc_today

HISTORY_MONTHS = 12
RECENT_ENTRIES = 50
CLOSED_PERIODS_SHOWN = 24


@dataclass
class LoggedSession:
    time_log: TimeLog
    activity: list[Activity]


@dataclass
class Earnings:
    membership: Membership
    balances: list[tuple[str, Decimal]]
    period_label: str
    period_earnings: list[tuple[str, Decimal]]
    history: list[dict]  # per currency: currency, rows of (month, earnings), title, chart_id
    entries: list[LedgerEntry]
    payouts: list[Payout]
    closed_periods: list[PayoutPeriod]
    sessions: list[LoggedSession] = field(default_factory=list)


def _per_currency(entries) -> list[tuple[str, Decimal]]:
    """(currency, sum) for each currency of `entries`, in one GROUP BY query."""
    rows = entries.order_by().values("currency").annotate(cents=sum_cents()).order_by("currency")
    return [(row["currency"], from_cents(row["cents"])) for row in rows]


def _earned(entries) -> list[tuple[str, Decimal]]:
    """Earnings per currency: everything but payouts (awards, top-ups, reversals of them)."""
    return _per_currency(entries.exclude(kind=LedgerEntry.Kind.PAYOUT))


def tester_memberships(user):
    """Every tester membership of `user`, removed ones too: money earned stays theirs."""
    return (
        Membership.objects.filter(user=user, role=Membership.Role.TESTER)
        .select_related("program")
        .order_by("program__name")
    )


def current_period(membership: Membership, today: datetime.date) -> tuple[str, datetime.date]:
    """The open period containing today, else the calendar month: its label and first day."""
    period = PayoutPeriod.objects.filter(
        program_id=membership.program_id, start__lte=today, end__gte=today
    ).first()
    if period is not None:
        return f"{period.start:%-d %b} to {period.end:%-d %b %Y}", period.start
    first, _ = month_of(today)
    return f"{first:%B %Y}", first


def monthly_history(membership: Membership, today: datetime.date, currencies: list[str]):
    """Earnings per currency and UTC month over the last HISTORY_MONTHS months (one query)."""
    months = []
    first, _ = month_of(today)
    for _ in range(HISTORY_MONTHS):
        months.insert(0, first)
        first, _ = month_of(first - datetime.timedelta(days=1))
    since, _ = period_bounds(period_start=months[0], period_end=months[0])
    sums = {
        (row["currency"], row["month"].date()): from_cents(row["cents"])
        for row in LedgerEntry.objects.filter(membership=membership, created_at__gte=since)
        .exclude(kind=LedgerEntry.Kind.PAYOUT)
        .annotate(month=TruncMonth("created_at", tzinfo=datetime.UTC))
        .order_by()
        .values("currency", "month")
        .annotate(cents=sum_cents())
    }
    history = []
    for currency in currencies:
        rows = [(f"{month:%b %y}", sums.get((currency, month), from_cents(0))) for month in months]
        history.append(
            {
                "currency": currency,
                "rows": rows,
                "title": f"Earnings per month, last {HISTORY_MONTHS} months ({currency})",
                "chart_id": f"earnings-{membership.pk}-{currency.lower()}",
            }
        )
    return history


def earnings_for(membership: Membership) -> Earnings:
    today = utc_today()
    ledger = LedgerEntry.objects.filter(membership=membership)
    balances = _per_currency(ledger)
    label, start_day = current_period(membership, today)
    start, _ = period_bounds(period_start=start_day, period_end=start_day)
    logs = list(membership.time_logs.select_related("membership")[:30])
    evidenced = [log for log in logs if log.status != TimeLog.Status.REJECTED]
    activity = dict(zip(evidenced, activity_for_many(evidenced), strict=True))
    sessions = [LoggedSession(time_log=log, activity=activity.get(log, [])) for log in logs]
    return Earnings(
        membership=membership,
        balances=balances,
        period_label=label,
        period_earnings=_earned(ledger.filter(created_at__gte=start)),
        history=monthly_history(membership, today, [currency for currency, _ in balances]),
        entries=list(ledger.order_by("-created_at", "-id")[:RECENT_ENTRIES]),
        payouts=list(
            membership.payouts.select_related("batch__period").order_by("-batch__created_at")[:12]
        ),
        closed_periods=list(
            PayoutPeriod.objects.filter(
                program_id=membership.program_id, status=PayoutPeriod.Status.CLOSED
            ).order_by("-start")[:CLOSED_PERIODS_SHOWN]
        ),
        sessions=sessions,
    )
