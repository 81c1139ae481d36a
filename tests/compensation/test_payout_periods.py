"""Opening and closing payout periods: no overlaps, one close, top-ups and a frozen batch."""

import datetime
from decimal import Decimal

import pytest

from accessprogram.audit.models import AuditRecord
from accessprogram.compensation.models import LedgerEntry, Payout, PayoutItem, PayoutPeriod
from accessprogram.compensation.payouts import close_period, open_period
from accessprogram.compensation.services import (
    CompensationError,
    approve_time_log,
    award,
    log_time,
    publish_rate_card,
    reverse_entry,
)
from factories import MembershipFactory


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def give(membership, amount, key, currency="USD", kind=LedgerEntry.Kind.AWARD_FORM):
    return award(
        membership=membership, kind=kind, amount=amount, currency=currency, idempotency_key=key
    )


@pytest.fixture
def old_rate_card(program, staff):
    """30.00 an hour in USD, since long before any period here."""
    return publish_rate_card(
        program=program,
        currency="USD",
        effective_from=at(datetime.date(2020, 1, 1)),
        actor=staff,
        per_hour="30.00",
    )


@pytest.fixture
def last_week(today):
    return today - datetime.timedelta(days=7), today - datetime.timedelta(days=1)


def test_periods_cannot_overlap(program, staff, today):
    first = open_period(
        program=program,
        start=today - datetime.timedelta(days=14),
        end=today - datetime.timedelta(days=8),
        minimum_hourly_rate="0",
        actor=staff,
    )
    for start, end in [
        (first.start, first.end),
        (first.end, first.end + datetime.timedelta(days=3)),
        (first.start - datetime.timedelta(days=3), first.start),
        (first.start + datetime.timedelta(days=1), first.end - datetime.timedelta(days=1)),
    ]:
        with pytest.raises(CompensationError, match="overlaps"):
            open_period(program=program, start=start, end=end, minimum_hourly_rate=0, actor=staff)
    assert PayoutPeriod.objects.count() == 1
    # Adjacent is fine, and another program's periods do not count.
    open_period(
        program=program,
        start=first.end + datetime.timedelta(days=1),
        end=today,
        minimum_hourly_rate=0,
        actor=staff,
    )
    open_period(
        program=MembershipFactory().program,
        start=first.start,
        end=first.end,
        minimum_hourly_rate=0,
        actor=staff,
    )
    assert PayoutPeriod.objects.count() == 3
    assert AuditRecord.objects.filter(action="compensation.period.open").count() == 3


@pytest.mark.parametrize(
    ("offsets", "rate", "message"),
    [((0, -1), "0", "ends before it starts"), ((-3, -1), "-5.00", "cannot be negative")],
)
def test_bad_periods_write_nothing(program, staff, today, offsets, rate, message):
    with pytest.raises(CompensationError, match=message):
        open_period(
            program=program,
            start=today + datetime.timedelta(days=offsets[0]),
            end=today + datetime.timedelta(days=offsets[1]),
            minimum_hourly_rate=rate,
            actor=staff,
        )
    assert not PayoutPeriod.objects.exists()


def test_closing_freezes_what_is_owed_up_to_the_end(
    program, tester, staff, rate_card, clock, last_week
):
    start, end = last_week
    other = MembershipFactory(program=program)
    owes_back = MembershipFactory(program=program)
    with clock(at(start - datetime.timedelta(days=30))):
        before = give(tester, "7.00", "old")  # never paid out before: carried into this batch
    with clock(at(start)):
        give(tester, "10.00", "a")
        give(tester, "4.50", "eur", currency="EUR")
        give(other, "20.00", "b")
        wrong = give(owes_back, "30.00", "c")
    with clock(at(end, 23)):
        give(tester, "0.25", "late-on-the-last-day")
        reverse_entry(entry=wrong, reason="duplicate form", actor=staff)
        give(owes_back, "5.00", "d")
    after = give(tester, "99.00", "today")  # after the end: next period

    period = open_period(program=program, start=start, end=end, minimum_hourly_rate=0, actor=staff)
    batch = close_period(period=period, actor=staff)

    lines = {(line.membership_id, line.currency): line.amount for line in batch.lines.all()}
    assert lines == {
        (tester.pk, "USD"): Decimal("17.25"),
        (tester.pk, "EUR"): Decimal("4.50"),
        (other.pk, "USD"): Decimal("20.00"),
        (owes_back.pk, "USD"): Decimal("5.00"),
    }
    assert all(line.status == Payout.Status.PENDING for line in batch.lines.all())
    frozen = set(PayoutItem.objects.values_list("entry_id", flat=True))
    assert before.pk in frozen and after.pk not in frozen
    period.refresh_from_db()
    assert period.is_closed and period.closed_by == staff and period.closed_at is not None
    record = AuditRecord.objects.get(action="compensation.period.close")
    assert record.data["lines"] == 4
    assert record.data["totals"] == {"EUR": "4.50", "USD": "42.25"}


def test_a_negative_total_gets_no_line_and_nets_later(
    program, tester, staff, rate_card, clock, today
):
    with clock(at(today - datetime.timedelta(days=20))):
        paid_before = give(tester, "50.00", "x")
    first = open_period(
        program=program,
        start=today - datetime.timedelta(days=21),
        end=today - datetime.timedelta(days=15),
        minimum_hourly_rate=0,
        actor=staff,
    )
    close_period(period=first, actor=staff)
    with clock(at(today - datetime.timedelta(days=10))):
        reverse_entry(entry=paid_before, reason="form was empty", actor=staff)
    second = open_period(
        program=program,
        start=today - datetime.timedelta(days=14),
        end=today - datetime.timedelta(days=8),
        minimum_hourly_rate=0,
        actor=staff,
    )
    assert not close_period(period=second, actor=staff).lines.exists()
    with clock(at(today - datetime.timedelta(days=5))):
        give(tester, "80.00", "y")
    third = open_period(
        program=program,
        start=today - datetime.timedelta(days=7),
        end=today - datetime.timedelta(days=1),
        minimum_hourly_rate=0,
        actor=staff,
    )
    (line,) = close_period(period=third, actor=staff).lines.all()
    assert line.amount == Decimal("30.00")  # 80.00 less the 50.00 reversed after its payout run


def test_closing_writes_the_minimum_top_ups_into_the_batch(
    program, tester, staff, old_rate_card, clock, last_week
):
    start, end = last_week
    with clock(at(start, 15)):
        time_log = log_time(
            membership=tester, started_at=at(start, 10), minutes=120, description="Motion tests"
        )
        approve_time_log(time_log=time_log, actor=staff)  # 2 h at 30.00 = 60.00
    period = open_period(
        program=program, start=start, end=end, minimum_hourly_rate="45.00", actor=staff
    )
    batch = close_period(period=period, actor=staff)
    (line,) = batch.lines.all()
    assert line.amount == Decimal("90.00")  # 60.00 for the hours + a 30.00 top-up
    top_up = LedgerEntry.objects.get(kind=LedgerEntry.Kind.MINIMUM_TOP_UP)
    assert top_up.amount == Decimal("30.00")
    assert top_up.payout_item.payout == line


def test_closing_pays_the_stipend_of_a_month_ending_in_the_period(
    program, tester, staff, clock, today
):
    from accessprogram.programs.models import Membership

    Membership.objects.filter(pk=tester.pk).update(joined_at=at(datetime.date(2020, 1, 1)))
    publish_rate_card(
        program=program,
        currency="USD",
        effective_from=at(datetime.date(2020, 1, 1)),
        monthly_stipend="100.00",
    )
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - datetime.timedelta(days=1)
    period = open_period(
        program=program,
        start=last_month_end.replace(day=1),
        end=last_month_end,
        minimum_hourly_rate=0,
        actor=staff,
    )
    (line,) = close_period(period=period, actor=staff).lines.all()
    assert line.amount == Decimal("100.00")
    assert line.items.get().entry.kind == LedgerEntry.Kind.STIPEND


def test_a_period_is_closed_once_and_only_when_over(program, tester, staff, rate_card, today):
    running = open_period(
        program=program, start=today, end=today, minimum_hourly_rate=0, actor=staff
    )
    with pytest.raises(CompensationError, match="once that day is over"):
        close_period(period=running, actor=staff)
    past = open_period(
        program=program,
        start=today - datetime.timedelta(days=3),
        end=today - datetime.timedelta(days=1),
        minimum_hourly_rate=0,
        actor=staff,
    )
    close_period(period=past, actor=staff)
    with pytest.raises(CompensationError, match="already closed"):
        close_period(period=past, actor=staff)
    assert AuditRecord.objects.filter(action="compensation.period.close").count() == 1
    with pytest.raises(CompensationError, match="must come after it"):
        open_period(
            program=program,
            start=today - datetime.timedelta(days=10),
            end=today - datetime.timedelta(days=5),
            minimum_hourly_rate=0,
            actor=staff,
        )


def test_periods_close_in_order(program, staff, today):
    older = open_period(
        program=program,
        start=today - datetime.timedelta(days=10),
        end=today - datetime.timedelta(days=6),
        minimum_hourly_rate=0,
        actor=staff,
    )
    newer = open_period(
        program=program,
        start=today - datetime.timedelta(days=5),
        end=today - datetime.timedelta(days=1),
        minimum_hourly_rate=0,
        actor=staff,
    )
    with pytest.raises(CompensationError, match="Close the earlier period"):
        close_period(period=newer, actor=staff)
    close_period(period=older, actor=staff)
    close_period(period=newer, actor=staff)


def test_a_failed_close_writes_nothing(program, tester, staff, clock, last_week):
    """No rate card, so the minimum rate has no currency: the whole close rolls back."""
    start, end = last_week
    with clock(at(start)):
        give(tester, "10.00", "a")
    period = open_period(
        program=program, start=start, end=end, minimum_hourly_rate="20.00", actor=staff
    )
    with pytest.raises(CompensationError, match="no rate card"):
        close_period(period=period, actor=staff)
    period.refresh_from_db()
    assert not period.is_closed
    assert not Payout.objects.exists() and not PayoutItem.objects.exists()
    assert not hasattr(period, "batch") or period.batch is None


def test_a_months_stipend_counts_toward_that_months_floor_and_no_other(
    program, tester, staff, clock, today
):
    from accessprogram.compensation.selectors import period_earnings
    from accessprogram.programs.models import Membership

    Membership.objects.filter(pk=tester.pk).update(joined_at=at(datetime.date(2020, 1, 1)))
    publish_rate_card(
        program=program,
        currency="USD",
        effective_from=at(datetime.date(2020, 1, 1)),
        per_hour="30.00",
        monthly_stipend="100.00",
    )
    month_end = today.replace(day=1) - datetime.timedelta(days=1)
    month_start = month_end.replace(day=1)
    with clock(at(month_start, 15)):
        time_log = log_time(
            membership=tester, started_at=at(month_start, 5), minutes=600, description="Tests"
        )
        approve_time_log(time_log=time_log, actor=staff)  # 10 h at 30.00 = 300.00
    period = open_period(
        program=program,
        start=month_start,
        end=month_end,
        minimum_hourly_rate="45.00",  # 450.00 for 10 h
        actor=staff,
    )

    (line,) = close_period(period=period, actor=staff).lines.all()

    # 300.00 for the hours + the 100.00 stipend leave 50.00 to the floor, not 150.00.
    top_up = LedgerEntry.objects.get(kind=LedgerEntry.Kind.MINIMUM_TOP_UP)
    assert top_up.amount == Decimal("50.00")
    assert line.amount == Decimal("450.00")
    # The stipend, written after its month, does not fill the floor of the period it was
    # written in.
    assert period_earnings(
        membership=tester, period_start=today, period_end=today, currency="USD"
    ) == Decimal("0.00")
