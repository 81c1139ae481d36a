"""A program's money at a glance, for the finance page: per currency what testers have earned,
what was paid out, what is still owed, and how much of that waits in payout batches.

Each figure is a SQL aggregate: two GROUP BY queries whatever the number of testers or entries.
Amounts are summed as integer cents (see selectors.sum_amounts)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BigIntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accessprogram.programs.models import Program

from .bulk import cents
from .models import LedgerEntry, Payout
from .money import from_cents

RECENT_DAYS = 30


@dataclass(frozen=True)
class CurrencySummary:
    currency: str
    earned: Decimal  # every entry but payouts: awards, stipends, top-ups, less reversals
    earned_recently: Decimal  # the same, written in the last RECENT_DAYS days
    paid: Decimal  # payout entries, as a positive amount
    owed: Decimal  # earned less paid: the program's debt to its testers
    in_batches: Decimal  # owed and frozen into a payout line that is not paid yet


def _sum(condition: Q | None = None):
    return Coalesce(Sum(cents(), filter=condition), Value(0), output_field=BigIntegerField())


def money_summary(
    *, program: Program, now: datetime.datetime | None = None
) -> list[CurrencySummary]:
    """The program's figures, one per currency it has ledger entries in (sorted)."""
    since = (now or timezone.now()) - datetime.timedelta(days=RECENT_DAYS)
    is_payout = Q(kind=LedgerEntry.Kind.PAYOUT)
    ledger = (
        LedgerEntry.objects.filter(program=program)
        .order_by("currency")
        .values("currency")
        .annotate(
            earned=_sum(~is_payout),
            earned_recently=_sum(~is_payout & Q(created_at__gte=since)),
            paid=_sum(is_payout),
        )
    )
    unpaid_lines = dict(
        Payout.objects.filter(batch__period__program=program)
        .exclude(status=Payout.Status.PAID)
        .order_by("currency")
        .values("currency")
        .annotate(total=_sum())
        .values_list("currency", "total")
    )
    return [
        CurrencySummary(
            currency=row["currency"],
            earned=from_cents(row["earned"]),
            earned_recently=from_cents(row["earned_recently"]),
            paid=from_cents(-row["paid"]),
            owed=from_cents(row["earned"] + row["paid"]),
            in_batches=from_cents(unpaid_lines.get(row["currency"], 0)),
        )
        for row in ledger
    ]
