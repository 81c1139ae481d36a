"""Statements: a tester's ledger over a period, with opening, running and closing balances.

Entries count by when they were written (`created_at`, UTC), like a bank statement: a top-up or
payout written after a period's end appears on the next statement. Every figure is an exact
Decimal sum of ledger rows, so statements reconcile with the ledger to the cent.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from accessprogram.programs.models import Membership

from .models import LedgerEntry
from .rules import period_bounds
from .selectors import statement_entries, sum_amounts


@dataclass
class StatementLine:
    entry: LedgerEntry
    balance: Decimal


@dataclass
class CurrencyStatement:
    currency: str
    opening: Decimal
    closing: Decimal = Decimal("0.00")
    lines: list[StatementLine] = field(default_factory=list)
    totals_by_kind: dict[str, Decimal] = field(default_factory=dict)

    @property
    def kind_rows(self) -> list[tuple[str, Decimal]]:
        labels = dict(LedgerEntry.Kind.choices)
        return [(labels[kind], total) for kind, total in self.totals_by_kind.items()]

    @property
    def movement(self) -> Decimal:
        return self.closing - self.opening


@dataclass
class Statement:
    membership: Membership
    period_start: datetime.date
    period_end: datetime.date
    currencies: list[CurrencyStatement]


def statement_for(
    *, membership: Membership, period_start: datetime.date, period_end: datetime.date
) -> Statement:
    """The statement of `membership` for the dates `period_start` to `period_end` (included)."""
    start, _ = period_bounds(period_start=period_start, period_end=period_end)
    before = LedgerEntry.objects.filter(membership=membership, created_at__lt=start)
    entries = list(
        statement_entries(
            membership=membership, period_start=period_start, period_end=period_end
        ).select_related("reverses")
    )
    currencies = sorted(
        set(before.values_list("currency", flat=True).distinct())
        | {entry.currency for entry in entries}
    )
    kind_order = list(LedgerEntry.Kind.values)
    result = []
    for currency in currencies:
        opening = sum_amounts(before.filter(currency=currency))
        sheet = CurrencyStatement(currency=currency, opening=opening)
        running = opening
        totals: dict[str, Decimal] = {}
        for entry in entries:
            if entry.currency != currency:
                continue
            running += entry.amount
            sheet.lines.append(StatementLine(entry=entry, balance=running))
            totals[entry.kind] = totals.get(entry.kind, Decimal("0.00")) + entry.amount
        sheet.closing = running
        sheet.totals_by_kind = {kind: totals[kind] for kind in kind_order if kind in totals}
        result.append(sheet)
    return Statement(
        membership=membership,
        period_start=period_start,
        period_end=period_end,
        currencies=result,
    )
