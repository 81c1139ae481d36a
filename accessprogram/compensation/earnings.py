"""Reads for the tester's earnings page: balances, this period, monthly history, payouts."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from accessprogram.programs.models import Membership

from .activity import Activity, activity_for
from .models import LedgerEntry, Payout, PayoutPeriod, TimeLog
from .selectors import period_bounds, sum_amounts
from .stipends import month_of

HISTORY_MONTHS = 12
RECENT_ENTRIES = 50


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


def _earned(entries) -> list[tuple[str, Decimal]]:
    """Earnings per currency: everything but payouts (awards, top-ups, reversals of them)."""
    entries = entries.exclude(kind=LedgerEntry.Kind.PAYOUT)
    currencies = sorted(set(entries.values_list("currency", flat=True).distinct()))
    return [(c, sum_amounts(entries.filter(currency=c))) for c in currencies]


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


def monthly_history(membership: Membership, today: datetime.date):
    ledger = LedgerEntry.objects.filter(membership=membership)
    currencies = sorted(set(ledger.values_list("currency", flat=True).distinct()))
    months = []
    first, _ = month_of(today)
    for _ in range(HISTORY_MONTHS):
        months.insert(0, first)
        first, _ = month_of(first - datetime.timedelta(days=1))
    history = []
    for currency in currencies:
        rows = []
        for month in months:
            start, end = period_bounds(period_start=month, period_end=month_of(month)[1])
            entries = ledger.filter(currency=currency, created_at__gte=start, created_at__lt=end)
            earned = sum_amounts(entries.exclude(kind=LedgerEntry.Kind.PAYOUT))
            rows.append((f"{month:%b %y}", earned))
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
    today = timezone.now().astimezone(datetime.UTC).date()
    ledger = LedgerEntry.objects.filter(membership=membership)
    currencies = sorted(set(ledger.values_list("currency", flat=True).distinct()))
    label, start_day = current_period(membership, today)
    start, _ = period_bounds(period_start=start_day, period_end=start_day)
    sessions = [
        LoggedSession(
            time_log=log,
            activity=activity_for(log) if log.status != TimeLog.Status.REJECTED else [],
        )
        for log in membership.time_logs.select_related("membership")[:30]
    ]
    return Earnings(
        membership=membership,
        balances=[(c, sum_amounts(ledger.filter(currency=c))) for c in currencies],
        period_label=label,
        period_earnings=_earned(ledger.filter(created_at__gte=start)),
        history=monthly_history(membership, today),
        entries=list(ledger.order_by("-created_at", "-id")[:RECENT_ENTRIES]),
        payouts=list(
            membership.payouts.select_related("batch__period").order_by("-batch__created_at")[:12]
        ),
        closed_periods=list(
            PayoutPeriod.objects.filter(
                program_id=membership.program_id, status=PayoutPeriod.Status.CLOSED
            ).order_by("-start")
        ),
        sessions=sessions,
    )
