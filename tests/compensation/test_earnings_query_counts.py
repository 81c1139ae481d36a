"""The tester's earnings page sends as many queries at 100 ledger entries and time logs as at
10: sums are GROUP BY queries (per currency, per month) and each activity counter answers for
every session at once."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from query_counts import assert_flat

from accessprogram.compensation.models import LedgerEntry, TimeLog

pytestmark = pytest.mark.django_db
serial = itertools.count()


def add_entries_and_sessions(membership, n):
    now = timezone.now()
    for _ in range(n):
        i = next(serial)
        LedgerEntry.objects.create(
            membership=membership,
            program=membership.program,
            kind=[LedgerEntry.Kind.AWARD_FORM, LedgerEntry.Kind.PAYOUT][i % 2],
            amount=Decimal("12.50") if i % 2 == 0 else Decimal("-3.00"),
            currency=["USD", "EUR", "GBP"][i % 3],
            idempotency_key=f"count-{i}",
            created_at=now - timedelta(days=17 * (i % 20)),
        )
        TimeLog.objects.create(
            membership=membership,
            started_at=now - timedelta(days=i % 40, hours=2),
            minutes=60,
            description="tried long prompts",
        )


def test_earnings_page(client, tester):
    client.force_login(tester.user)
    assert_flat(client, "/earnings/", lambda n: add_entries_and_sessions(tester, n))


def test_monthly_sums_match_the_entries(client, tester):
    add_entries_and_sessions(tester, 40)
    client.force_login(tester.user)
    section = client.get("/earnings/").context["sections"][0]
    entries = LedgerEntry.objects.filter(membership=tester)
    for currency, balance in section.balances:
        assert balance == sum(e.amount for e in entries.filter(currency=currency))
    for chart in section.history:
        earned = entries.filter(currency=chart["currency"]).exclude(kind=LedgerEntry.Kind.PAYOUT)
        recent = earned.filter(created_at__gte=timezone.now() - timedelta(days=330))
        shown = sum(amount for _, amount in chart["rows"])
        assert sum(e.amount for e in recent) <= shown <= sum(e.amount for e in earned)
