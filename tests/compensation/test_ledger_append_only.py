from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from accessprogram.compensation.models import AppendOnlyError, LedgerEntry
from accessprogram.compensation.services import award


@pytest.fixture
def entry(tester):
    return award(
        membership=tester,
        kind=LedgerEntry.Kind.AWARD_BUG,
        amount="20.00",
        currency="GBP",
        idempotency_key="bug:7",
    )


def test_an_entry_cannot_be_saved_again(entry):
    entry.amount = Decimal("2000.00")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.save(update_fields=["amount"])
    assert LedgerEntry.objects.get().amount == Decimal("20.00")


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.count() == 1


def test_bulk_writes_are_refused(entry):
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("1.00"))
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.bulk_update([entry], ["amount"])
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.bulk_create([LedgerEntry(membership=entry.membership)])
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.update_or_create(idempotency_key="bug:7", defaults={"memo": "x"})
    assert LedgerEntry.objects.get().amount == Decimal("20.00")


@pytest.mark.parametrize(
    ("kind", "amount", "currency", "reverses"),
    [
        ("award_bug", "-20.00", "GBP", False),  # an award must add money
        ("payout", "20.00", "GBP", False),  # a payout must take it away
        ("reversal", "-20.00", "GBP", False),  # a reversal must name its entry
        ("award_bug", "20.00", "GBP", True),  # only a reversal names one
        ("award_bug", "20.00", "JPY", False),  # known currencies only
    ],
)
def test_the_database_refuses_what_the_services_would(entry, kind, amount, currency, reverses):
    row = LedgerEntry(
        membership=entry.membership,
        program=entry.program,
        kind=kind,
        amount=Decimal(amount),
        currency=currency,
        idempotency_key="raw",
        reverses=entry if reverses else None,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        QuerySet(model=LedgerEntry).bulk_create([row])  # a plain QuerySet, like raw SQL
