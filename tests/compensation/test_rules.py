"""The rules of compensation (rules.py), checked on their own: dates, rounding, keys."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import BigIntegerField, Value
from django.db.models.functions import Cast
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accessprogram.compensation.models import LedgerEntry
from accessprogram.compensation.rules import (
    event_key,
    floor_owed,
    floor_owed_cents,
    hours_pay,
    month_of,
    months_ending_in,
    period_bounds,
    periodic_key,
    previous_month,
    top_up,
)
from accessprogram.programs.models import Membership, Program

D = datetime.date


def test_a_period_runs_from_its_first_midnight_to_the_midnight_after_its_last_day():
    start, end = period_bounds(period_start=D(2026, 2, 1), period_end=D(2026, 2, 28))
    assert start == datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC)
    assert end == datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)


def test_months():
    assert month_of(D(2028, 2, 10)) == (D(2028, 2, 1), D(2028, 2, 29))
    assert previous_month(D(2026, 1, 15)) == D(2025, 12, 1)
    # A month's stipend belongs to the period its last day falls in.
    assert months_ending_in(D(2026, 1, 15), D(2026, 3, 30)) == [D(2026, 1, 1), D(2026, 2, 1)]
    assert months_ending_in(D(2026, 1, 1), D(2026, 1, 30)) == []


def test_hours_pay_rounds_to_the_nearest_cent_and_the_floor_rounds_up():
    # 20 min at 10.00/h is 3.333...: paid 3.33, while the floor owes 3.34.
    assert hours_pay(per_hour=Decimal("10.00"), minutes=20) == Decimal("3.33")
    assert hours_pay(per_hour=Decimal("10.01"), minutes=30) == Decimal("5.01")  # 5.005 up
    assert floor_owed(floor_per_hour=Decimal("10.00"), minutes=20) == Decimal("3.34")
    assert top_up(owed=Decimal("3.34"), earned=Decimal("5.00")) == Decimal("0.00")
    assert top_up(owed=Decimal("3.34"), earned=Decimal("1.00")) == Decimal("2.34")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    floor=st.decimals(min_value=0, max_value=1000, places=2),
    minutes=st.integers(min_value=0, max_value=100 * 24 * 60),
)
def test_the_database_floor_agrees_with_the_python_floor_to_the_cent(program, floor, minutes):
    # As in topups.py, the minutes are a bigint: times the floor in cents they overflow int4.
    minutes_column = Cast(Value(minutes), BigIntegerField())
    owed = floor_owed_cents(minutes=minutes_column, floor_per_hour=floor)
    cents = Program.objects.filter(pk=program.pk).annotate(owed=owed).values_list("owed").get()[0]
    assert Decimal(cents) / 100 == floor_owed(floor_per_hour=floor, minutes=minutes)


def test_periodic_keys_name_the_tester_and_the_dates_paid_for(tester):
    def key(**dates) -> str:
        row = Membership.objects.filter(pk=tester.pk).annotate(key=periodic_key(**dates))
        return row.values_list("key", flat=True).get()

    stipend = key(kind=LedgerEntry.Kind.STIPEND, pays_from=D(2026, 1, 1), pays_until=D(2026, 1, 31))
    assert stipend == f"stipend:{tester.pk}:2026-01"
    top_up = key(
        kind=LedgerEntry.Kind.MINIMUM_TOP_UP, pays_from=D(2026, 1, 5), pays_until=D(2026, 2, 4)
    )
    assert top_up == f"topup:{tester.pk}:2026-01-05:2026-02-04"
    with pytest.raises(ValueError, match="not a periodic award"):
        periodic_key(kind=LedgerEntry.Kind.AWARD_BUG, pays_from=D(2026, 1, 1), pays_until=None)


def test_event_keys():
    assert event_key("timelog", 7) == "timelog:7"
    with pytest.raises(ValueError, match="No idempotency key"):
        event_key("time-log", 7)
