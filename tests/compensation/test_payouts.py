"""Payout lines: paid writes one negative ledger entry, failed writes none; the provider file."""

import datetime
from decimal import Decimal

import pytest

from accessprogram.audit.models import AuditRecord
from accessprogram.compensation.exports import payout_csv
from accessprogram.compensation.models import LedgerEntry, Payout
from accessprogram.compensation.payouts import (
    close_period,
    mark_payout_failed,
    mark_payout_paid,
    open_period,
    retry_payout,
)
from accessprogram.compensation.selectors import balance
from accessprogram.compensation.services import CompensationError, award
from factories import MembershipFactory, UserFactory


@pytest.fixture
def batch(program, tester, staff, clock, today):
    """Last week's batch: the tester is owed 12.34 USD and 5.00 EUR, Zoë 100.10 USD."""
    tester.user.first_name, tester.user.last_name = "Ada", "Lovelace"
    tester.user.email = "ada@example.com"
    tester.user.save()
    zoe = MembershipFactory(
        program=program,
        user=UserFactory(username="zoe", email="=zoe@example.com", first_name="Zoë"),
    )
    with clock(
        datetime.datetime.combine(today, datetime.time(1), tzinfo=datetime.UTC)
        - datetime.timedelta(days=3)
    ):
        for membership, amount, currency, key in [
            (tester, "10.00", "USD", "a"),
            (tester, "2.34", "USD", "b"),
            (tester, "5.00", "EUR", "c"),
            (zoe, "100.10", "USD", "d"),
        ]:
            award(
                membership=membership,
                kind=LedgerEntry.Kind.AWARD_BUG,
                amount=amount,
                currency=currency,
                idempotency_key=key,
            )
    period = open_period(
        program=program,
        start=today - datetime.timedelta(days=7),
        end=today - datetime.timedelta(days=1),
        minimum_hourly_rate=0,
        actor=staff,
    )
    return close_period(period=period, actor=staff)


def line_of(batch, membership, currency):
    return batch.lines.get(membership=membership, currency=currency)


def test_marking_paid_writes_one_negative_entry(batch, tester, staff):
    line = line_of(batch, tester, "USD")
    assert balance(membership=tester, currency="USD") == Decimal("12.34")
    mark_payout_paid(line=line, provider_reference="PAYPAL-7Q2", actor=staff)

    line.refresh_from_db()
    assert (line.status, line.provider_reference, line.decided_by) == ("paid", "PAYPAL-7Q2", staff)
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.PAYOUT)
    assert (entry.amount, entry.currency, entry.membership) == (Decimal("-12.34"), "USD", tester)
    assert entry.idempotency_key == f"payout:{line.pk}"
    assert balance(membership=tester, currency="USD") == Decimal("0.00")
    assert balance(membership=tester, currency="EUR") == Decimal("5.00")
    record = AuditRecord.objects.get(action="compensation.payout.paid")
    assert record.data["amount"] == "12.34" and record.data["ledger_entry"] == entry.pk


def test_paying_a_paid_line_again_is_refused_and_writes_nothing(batch, tester, staff):
    line = line_of(batch, tester, "USD")
    mark_payout_paid(line=line, actor=staff)
    for again in (
        lambda: mark_payout_paid(line=line, actor=staff),
        lambda: mark_payout_failed(line=line, reason="bounced", actor=staff),
        lambda: retry_payout(line=line, actor=staff),
    ):
        with pytest.raises(CompensationError, match="already paid"):
            again()
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PAYOUT).count() == 1
    assert AuditRecord.objects.filter(action__startswith="compensation.payout.").count() == 1


def test_a_failed_line_writes_nothing_and_can_be_paid_later(batch, tester, staff):
    line = line_of(batch, tester, "EUR")
    with pytest.raises(CompensationError, match="Say why"):
        mark_payout_failed(line=line, reason="  ", actor=staff)
    mark_payout_failed(line=line, reason="IBAN rejected by the bank", actor=staff)
    line.refresh_from_db()
    assert (line.status, line.failure_reason) == ("failed", "IBAN rejected by the bank")
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PAYOUT).exists()
    assert balance(membership=tester, currency="EUR") == Decimal("5.00")

    retry_payout(line=line, actor=staff)
    line.refresh_from_db()
    assert line.status == Payout.Status.PENDING
    mark_payout_failed(line=line, reason="bounced again", actor=staff)
    mark_payout_paid(line=line, provider_reference="manual transfer", actor=staff)
    assert balance(membership=tester, currency="EUR") == Decimal("0.00")
    actions = list(
        AuditRecord.objects.filter(action__startswith="compensation.payout.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "compensation.payout.failed",
        "compensation.payout.retry",
        "compensation.payout.failed",
        "compensation.payout.paid",
    ]


def test_the_payout_file_is_exact(batch, tester, program):
    period = batch.period
    lines = {(line.membership.user.username, line.currency): line for line in batch.lines.all()}
    ada_eur, ada_usd = lines[(tester.user.username, "EUR")], lines[(tester.user.username, "USD")]
    zoe_usd = lines[("zoe", "USD")]
    note = f"{program.name}: earnings {period.start} to {period.end}"
    prefix = f"EAP-{program.pk}-{period.pk}"
    assert payout_csv(batch) == (
        "recipient_email,name,amount,currency,reference,note\r\n"
        f"ada@example.com,Ada Lovelace,5.00,EUR,{prefix}-{ada_eur.pk},{note}\r\n"
        f"'=zoe@example.com,Zoë,100.10,USD,{prefix}-{zoe_usd.pk},{note}\r\n"
        f"ada@example.com,Ada Lovelace,12.34,USD,{prefix}-{ada_usd.pk},{note}\r\n"
    )


def test_paid_lines_leave_the_payout_file(batch, tester, staff):
    mark_payout_paid(line=line_of(batch, tester, "USD"), actor=staff)
    mark_payout_failed(line=line_of(batch, tester, "EUR"), reason="bounced", actor=staff)
    rows = payout_csv(batch).splitlines()
    assert len(rows) == 3  # header, Ada's failed EUR line (to retry) and Zoë's
    assert not any(",12.34,USD," in row for row in rows)
