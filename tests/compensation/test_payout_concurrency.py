"""Racing finance staff: two closes of one period, many mark-paid clicks on one line.

Threads with their own database connections; on PostgreSQL the program and line row locks
decide, on SQLite the serialised writers do. Either way: one batch, one payout entry.
"""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from accessprogram.audit.verify import verify_chain
from accessprogram.compensation.models import LedgerEntry, PayoutBatch, PayoutItem
from accessprogram.compensation.payouts import close_period, mark_payout_paid, open_period
from accessprogram.compensation.selectors import balance
from accessprogram.compensation.services import CompensationError, award

pytestmark = pytest.mark.django_db(transaction=True)


def race(count, action):
    """Run `action` in `count` threads released together; return (results, errors)."""
    start = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            start.wait()
            results.append(action())
        except BaseException as error:  # collected and checked by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_one_close_and_one_payout_however_many_clicks(program, tester, staff, clock, today):
    with clock(
        datetime.datetime.combine(today, datetime.time(8), tzinfo=datetime.UTC)
        - datetime.timedelta(days=2)
    ):
        for n in range(20):
            award(
                membership=tester,
                kind=LedgerEntry.Kind.AWARD_FORM,
                amount=Decimal(f"{n + 1}.25"),
                currency="USD",
                idempotency_key=f"form:{n}",
            )
    period = open_period(
        program=program,
        start=today - datetime.timedelta(days=7),
        end=today - datetime.timedelta(days=1),
        minimum_hourly_rate=0,
        actor=staff,
    )

    batches, errors = race(4, lambda: close_period(period=period, actor=staff))
    assert len(batches) == 1
    assert len(errors) == 3 and all(isinstance(e, CompensationError) for e in errors), errors
    assert PayoutBatch.objects.count() == 1
    assert PayoutItem.objects.count() == 20
    (line,) = batches[0].lines.all()
    assert line.amount == Decimal("215.00")  # 1.25 + 2.25 + ... + 20.25 = 210 + 20 x 0.25

    paid, errors = race(6, lambda: mark_payout_paid(line=line, actor=staff))
    assert len(paid) == 1
    assert len(errors) == 5 and all("already paid" in str(e) for e in errors), errors
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PAYOUT).count() == 1
    assert balance(membership=tester, currency="USD") == Decimal("0.00")
    assert verify_chain().ok
