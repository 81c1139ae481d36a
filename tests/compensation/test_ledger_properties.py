"""Properties of the ledger's arithmetic and of the minimum-rate top-up, over random histories."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accessprogram.compensation.models import LedgerEntry, TimeLog
from accessprogram.compensation.selectors import (
    balance,
    minimum_top_up,
    period_earnings,
    statement_entries,
    sum_amounts,
)
from accessprogram.compensation.services import (
    approve_time_log,
    award,
    log_time,
    publish_rate_card,
    reverse_entry,
)
from accessprogram.compensation.topups import close_period_top_ups
from factories import UserFactory

# Anything Decimal(12, 2) holds, from a cent up.
amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2, allow_nan=False
)
award_kinds = st.sampled_from(
    [
        LedgerEntry.Kind.AWARD_FORM,
        LedgerEntry.Kind.AWARD_BUG,
        LedgerEntry.Kind.AWARD_HOURS,
        LedgerEntry.Kind.STIPEND,
        LedgerEntry.Kind.LICENCE_FEE,
    ]
)
histories = st.lists(
    st.tuples(award_kinds, amounts, st.sampled_from(["USD", "EUR"]), st.booleans()),
    min_size=1,
    max_size=12,
)
PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Rollback(Exception):
    pass


def in_savepoint(check):
    """Run one example inside a savepoint that is rolled back, so examples do not mix."""
    try:
        with transaction.atomic():
            check()
            raise Rollback
    except Rollback:
        pass


@PROPERTY_SETTINGS
@given(history=histories)
def test_balance_is_the_exact_sum_of_awards_and_reversals(tester, history):
    def check():
        staff = UserFactory(username="property-staff")
        expected = {"USD": Decimal("0"), "EUR": Decimal("0")}
        for index, (kind, amount, currency, reverse) in enumerate(history):
            entry = award(
                membership=tester,
                kind=kind,
                amount=amount,
                currency=currency,
                idempotency_key=f"k:{index}",
            )
            expected[currency] += amount
            if reverse:
                reversal = reverse_entry(entry=entry, reason="correction", actor=staff)
                assert reversal.amount == -entry.amount
                assert entry.amount + reversal.amount == 0
                expected[currency] -= amount
        for currency, total in expected.items():
            got = balance(membership=tester, currency=currency)
            assert isinstance(got, Decimal)
            assert got == total
            stored = LedgerEntry.objects.filter(membership=tester, currency=currency)
            amounts_stored = list(stored.values_list("amount", flat=True))
            assert all(isinstance(value, Decimal) for value in amounts_stored)
            assert sum(amounts_stored, Decimal("0")) == total

    in_savepoint(check)


@PROPERTY_SETTINGS
@given(
    hours=st.lists(st.integers(min_value=1, max_value=600), max_size=4),
    earnings=st.lists(
        st.tuples(award_kinds, st.decimals(Decimal("0.01"), Decimal("5000"), places=2)),
        max_size=5,
    ),
    floor=st.decimals(min_value=Decimal("0"), max_value=Decimal("200"), places=2),
    per_hour=st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2),
)
def test_the_top_up_brings_earnings_to_the_floor_and_reconciles(
    program, tester, hours, earnings, floor, per_hour
):
    def check():
        staff = UserFactory(username="property-staff")
        now = timezone.now()
        today = now.astimezone(datetime.UTC).date()
        period = {"period_start": today, "period_end": today}
        publish_rate_card(
            program=program,
            currency="USD",
            effective_from=now - datetime.timedelta(days=1),
            per_hour=per_hour,
        )
        for minutes in hours:
            time_log = log_time(
                membership=tester,
                started_at=now - datetime.timedelta(minutes=minutes),
                minutes=minutes,
                description="session",
            )
            approve_time_log(time_log=time_log, actor=staff)
        for index, (kind, amount) in enumerate(earnings):
            award(
                membership=tester,
                kind=kind,
                amount=amount,
                currency="USD",
                idempotency_key=f"e:{index}",
            )
        asked = {"membership": tester, "floor_per_hour": floor, "currency": "USD", **period}
        top_up = minimum_top_up(**asked)
        assert isinstance(top_up, Decimal)
        assert top_up >= 0

        close_period_top_ups(program=program, floor_per_hour=floor, actor=staff, **period)
        minutes = sum(
            TimeLog.objects.filter(membership=tester, status="approved").values_list(
                "minutes", flat=True
            )
        )
        earned = period_earnings(membership=tester, currency="USD", **period)
        written = sum_amounts(LedgerEntry.objects.filter(kind=LedgerEntry.Kind.MINIMUM_TOP_UP))
        assert written == top_up
        # Never below the floor after the top-up, and never more than a cent of rounding above
        # what was needed when a top-up was due.
        assert (earned + written) * 60 >= floor * minutes
        if written > 0:
            assert (earned + written - Decimal("0.01")) * 60 < floor * minutes
        # The statement of the period lists every entry, and they add up to the balance.
        entries = statement_entries(membership=tester, **period)
        assert sum_amounts(entries.filter(currency="USD")) == balance(
            membership=tester, currency="USD"
        )
        assert sum(entries.values_list("amount", flat=True), Decimal("0")) == balance(
            membership=tester, currency="USD"
        )
        # Asking again after the close gives the same answer: top-ups are not earnings.
        assert minimum_top_up(**asked) == top_up

    in_savepoint(check)
