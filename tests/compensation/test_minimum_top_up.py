import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accessprogram.audit.models import AuditRecord
from accessprogram.compensation.models import LedgerEntry
from accessprogram.compensation.selectors import minimum_top_up, period_earnings
from accessprogram.compensation.services import (
    CompensationError,
    approve_time_log,
    award,
    log_time,
    publish_rate_card,
    reverse_entry,
)
from accessprogram.compensation.topups import close_period_top_ups, top_up_currency
from factories import MembershipFactory


def approved_hours(tester, staff, minutes):
    time_log = log_time(
        membership=tester,
        started_at=timezone.now() - datetime.timedelta(hours=1),
        minutes=minutes,
        description="Testing",
    )
    return approve_time_log(time_log=time_log, actor=staff)


def give(tester, amount, key, kind=LedgerEntry.Kind.AWARD_FORM):
    return award(membership=tester, kind=kind, amount=amount, currency="USD", idempotency_key=key)


def test_the_top_up_fills_the_gap_to_the_floor(tester, staff, rate_card, today):
    approved_hours(tester, staff, 240)  # 4 h at 30.00 = 120.00
    give(tester, "15.00", "form:1")
    give(tester, "900.00", "licence:1", kind=LedgerEntry.Kind.LICENCE_FEE)  # not pay for time
    period = {"membership": tester, "period_start": today, "period_end": today}
    assert minimum_top_up(**period, floor_per_hour=Decimal("40.00"), currency="USD") == Decimal(
        "25.00"
    )  # 4 h at 40.00 = 160.00, earned 135.00
    assert minimum_top_up(**period, floor_per_hour=Decimal("20.00"), currency="USD") == 0
    assert minimum_top_up(**period, floor_per_hour=Decimal("40.00"), currency="EUR") == Decimal(
        "160.00"
    )  # nothing earned in euros


def test_a_reversed_award_no_longer_counts(tester, staff, rate_card, today):
    approved_hours(tester, staff, 60)
    bonus = give(tester, "50.00", "form:1")
    period = {"membership": tester, "period_start": today, "period_end": today, "currency": "USD"}
    assert minimum_top_up(**period, floor_per_hour=Decimal("60.00")) == 0
    reverse_entry(entry=bonus, reason="Form was empty", actor=staff)
    assert minimum_top_up(**period, floor_per_hour=Decimal("60.00")) == Decimal("30.00")


def test_closing_writes_one_top_up_per_tester_once(program, tester, staff, rate_card, today):
    underpaid = tester
    well_paid = MembershipFactory(program=program)
    idle = MembershipFactory(program=program)
    approved_hours(underpaid, staff, 120)  # 60.00 earned
    approved_hours(well_paid, staff, 60)  # 30.00 earned
    give(well_paid, "100.00", "form:w")

    close = {"program": program, "period_start": today, "period_end": today, "actor": staff}
    top_ups = close_period_top_ups(**close, floor_per_hour="45.00")
    assert [(t.membership, t.amount) for t in top_ups] == [(underpaid, Decimal("30.00"))]
    entry = top_ups[0]
    assert entry.kind == LedgerEntry.Kind.MINIMUM_TOP_UP
    assert entry.currency == "USD"  # the rate card's
    assert entry.idempotency_key == f"topup:{underpaid.pk}:{today}:{today}"
    assert not LedgerEntry.objects.filter(membership=idle).exists()

    again = close_period_top_ups(**close, floor_per_hour="45.00")
    assert [t.pk for t in again] == [entry.pk]
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.MINIMUM_TOP_UP).count() == 1
    assert AuditRecord.objects.filter(action="compensation.period.top_ups").count() == 2
    # The top-up is not an earning: asking again gives the same answer.
    assert minimum_top_up(
        membership=underpaid,
        period_start=today,
        period_end=today,
        floor_per_hour=Decimal("45.00"),
        currency="USD",
    ) == Decimal("30.00")
    assert period_earnings(
        membership=underpaid, period_start=today, period_end=today, currency="USD"
    ) == Decimal("60.00")


@pytest.mark.parametrize(
    ("floor", "currency", "start_offset", "message"),
    [
        ("-1.00", "USD", 0, "cannot be negative"),
        ("10.00", "CAD", 0, "Unknown currency"),
        ("10.00", "USD", 1, "ends before it starts"),
    ],
)
def test_bad_close_writes_nothing(
    program, tester, staff, rate_card, today, floor, currency, start_offset, message
):
    approved_hours(tester, staff, 600)
    with pytest.raises(CompensationError, match=message):
        close_period_top_ups(
            program=program,
            period_start=today + datetime.timedelta(days=start_offset),
            period_end=today,
            floor_per_hour=floor,
            currency=currency,
            actor=staff,
        )
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.MINIMUM_TOP_UP).exists()


def test_the_top_up_currency_is_that_of_the_rates_in_force_on_the_periods_last_day(
    program, staff, rate_card, today
):
    """A card taking effect at the midnight after the period belongs to the next period (as for
    stipends): its currency does not decide this period's top-ups."""
    period_end = today - datetime.timedelta(days=1)
    publish_rate_card(
        program=program,
        currency="EUR",
        effective_from=datetime.datetime.combine(today, datetime.time.min, tzinfo=datetime.UTC),
        actor=staff,
    )
    currency = top_up_currency(program=program, period_start=period_end, period_end=period_end)
    assert currency == rate_card.currency == "USD"
    assert top_up_currency(program=program, period_start=today, period_end=today) == "EUR"
