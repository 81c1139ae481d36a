"""Statements reconcile with the ledger exactly, over random histories (hypothesis)."""

import csv
import datetime
import io
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accessprogram.compensation.exports import statement_csv
from accessprogram.compensation.models import LedgerEntry
from accessprogram.compensation.payouts import close_period, mark_payout_paid, open_period
from accessprogram.compensation.rules import period_bounds
from accessprogram.compensation.selectors import sum_amounts
from accessprogram.compensation.services import award, reverse_entry
from accessprogram.compensation.statements import statement_for
from factories import UserFactory

amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2, allow_nan=False
)
kinds = st.sampled_from(
    [
        LedgerEntry.Kind.AWARD_FORM,
        LedgerEntry.Kind.AWARD_BUG,
        LedgerEntry.Kind.STIPEND,
        LedgerEntry.Kind.LICENCE_FEE,
    ]
)
# (days before today, kind, amount, currency, reversed the same day)
histories = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=12),
        kinds,
        amounts,
        st.sampled_from(["USD", "EUR"]),
        st.booleans(),
    ),
    min_size=1,
    max_size=10,
)


class Rollback(Exception):
    pass


def in_savepoint(check):
    try:
        with transaction.atomic():
            check()
            raise Rollback
    except Rollback:
        pass


def ledger_as_of(membership, currency, moment) -> Decimal:
    return sum_amounts(
        LedgerEntry.objects.filter(membership=membership, currency=currency, created_at__lt=moment)
    )


def assert_reconciles(statement, membership):
    start, end = period_bounds(period_start=statement.period_start, period_end=statement.period_end)
    in_period = LedgerEntry.objects.filter(
        membership=membership, created_at__gte=start, created_at__lt=end
    )
    listed = [line.entry.pk for sheet in statement.currencies for line in sheet.lines]
    assert sorted(listed) == sorted(in_period.values_list("pk", flat=True))
    for sheet in statement.currencies:
        assert sheet.opening == ledger_as_of(membership, sheet.currency, start)
        assert sheet.closing == ledger_as_of(membership, sheet.currency, end)
        movement = sum_amounts(in_period.filter(currency=sheet.currency))
        assert sheet.closing - sheet.opening == movement
        assert sum(sheet.totals_by_kind.values(), Decimal("0")) == movement
        running = sheet.opening
        for line in sheet.lines:
            running += line.entry.amount
            assert line.balance == running
        assert running == sheet.closing
        assert all(isinstance(v, Decimal) for v in (sheet.opening, sheet.closing, running))
    # The CSV says the same, to the cent.
    rows = list(csv.DictReader(io.StringIO(statement_csv(statement))))
    for sheet in statement.currencies:
        mine = [row for row in rows if row["currency"] == sheet.currency]
        assert mine[0]["kind"] == "opening_balance"
        assert Decimal(mine[0]["balance"]) == sheet.opening
        assert mine[-1]["kind"] == "closing_balance"
        assert Decimal(mine[-1]["balance"]) == sheet.closing
        entries = mine[1:-1]
        assert sum((Decimal(row["amount"]) for row in entries), Decimal("0")) == sheet.movement
        if entries:
            assert Decimal(entries[-1]["balance"]) == sheet.closing


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories, pay=st.booleans())
def test_statements_reconcile_with_the_ledger(program, tester, clock, today, history, pay):
    def check():
        staff = UserFactory(username="property-staff")
        for index, (days_ago, kind, amount, currency, reverse) in enumerate(history):
            moment = datetime.datetime.combine(
                today - datetime.timedelta(days=days_ago), datetime.time(12), tzinfo=datetime.UTC
            )
            with clock(moment):
                entry = award(
                    membership=tester,
                    kind=kind,
                    amount=amount,
                    currency=currency,
                    idempotency_key=f"h:{index}",
                )
                if reverse:
                    reverse_entry(entry=entry, reason="correction", actor=staff)
        first = (today - datetime.timedelta(days=7), today - datetime.timedelta(days=3))
        second = (today - datetime.timedelta(days=2), today)
        if pay:  # close the first period and pay every line: payouts land in the second
            period = open_period(
                program=program,
                start=first[0],
                end=first[1],
                minimum_hourly_rate=0,
                actor=staff,
            )
            for line in close_period(period=period, actor=staff).lines.all():
                mark_payout_paid(line=line, actor=staff)
        earlier = statement_for(membership=tester, period_start=first[0], period_end=first[1])
        later = statement_for(membership=tester, period_start=second[0], period_end=second[1])
        assert_reconciles(earlier, tester)
        assert_reconciles(later, tester)
        # One statement ends where the next begins (no day between them).
        closing = {s.currency: s.closing for s in earlier.currencies}
        for sheet in later.currencies:
            assert sheet.opening == closing.get(sheet.currency, Decimal("0.00"))

    in_savepoint(check)


def test_a_statement_lists_entries_with_running_balances(program, tester, clock, today):
    day = today - datetime.timedelta(days=2)
    noon = datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)
    with clock(noon - datetime.timedelta(days=5)):
        award(
            membership=tester,
            kind="award_form",
            amount="5.00",
            currency="USD",
            idempotency_key="before",
        )
    with clock(noon):
        bug = award(
            membership=tester,
            kind="award_bug",
            amount="40.00",
            currency="USD",
            idempotency_key="bug",
            memo="Bug confirmed (high): flicker",
        )
        reversal = reverse_entry(entry=bug, reason="duplicate report", actor=UserFactory())
    statement = statement_for(membership=tester, period_start=day, period_end=day)
    (usd,) = statement.currencies
    assert (usd.opening, usd.closing) == (Decimal("5.00"), Decimal("5.00"))
    assert [(line.entry.pk, line.balance) for line in usd.lines] == [
        (bug.pk, Decimal("45.00")),
        (reversal.pk, Decimal("5.00")),
    ]
    assert usd.totals_by_kind == {"award_bug": Decimal("40.00"), "reversal": Decimal("-40.00")}
    assert statement_csv(statement) == (
        "date,entry,kind,description,currency,amount,balance\r\n"
        f"{day},,opening_balance,Opening balance,USD,,5.00\r\n"
        f"{day} 12:00:00,{bug.pk},award_bug,Bug confirmed (high): flicker,USD,40.00,45.00\r\n"
        f"{day} 12:00:00,{reversal.pk},reversal,duplicate report,USD,-40.00,5.00\r\n"
        f"{day},,closing_balance,Closing balance,USD,0.00,5.00\r\n"
    )
