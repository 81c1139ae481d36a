from decimal import Decimal

import pytest

from accessprogram.audit.models import AuditRecord
from accessprogram.compensation.models import LedgerEntry
from accessprogram.compensation.selectors import balance
from accessprogram.compensation.services import CompensationError, award, reverse_entry
from accessprogram.programs.models import Membership
from factories import MembershipFactory


def give(tester, amount="12.50", key="form:1", **overrides):
    arguments = {
        "membership": tester,
        "kind": LedgerEntry.Kind.AWARD_FORM,
        "amount": amount,
        "currency": "USD",
        "idempotency_key": key,
        "memo": "Form completed",
    }
    return award(**(arguments | overrides))


def test_an_award_writes_one_entry_and_one_audit_record(tester, staff):
    entry = give(tester, actor=staff)
    assert entry.amount == Decimal("12.50")
    assert isinstance(entry.amount, Decimal)
    assert (entry.membership, entry.program, entry.currency) == (tester, tester.program, "USD")
    assert entry.created_by == staff
    audit = AuditRecord.objects.get(action="compensation.award")
    assert audit.target_id == str(entry.pk)
    assert audit.data["amount"] == "12.50"
    assert balance(membership=tester, currency="USD") == Decimal("12.50")


def test_a_repeat_with_the_same_key_returns_the_first_entry(tester):
    first = give(tester)
    again = give(tester, amount=Decimal("12.5"))
    assert again.pk == first.pk
    assert LedgerEntry.objects.count() == 1
    assert AuditRecord.objects.filter(action="compensation.award").count() == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"amount": "12.51"},
        {"currency": "EUR"},
        {"kind": LedgerEntry.Kind.AWARD_BUG},
        {"membership": "other"},
    ],
)
def test_a_repeat_that_disagrees_is_refused_and_writes_nothing(tester, overrides):
    give(tester)
    if overrides.get("membership") == "other":
        overrides["membership"] = MembershipFactory(program=tester.program)
    with pytest.raises(CompensationError, match="already used"):
        give(tester, **overrides)
    assert LedgerEntry.objects.count() == 1
    assert AuditRecord.objects.filter(action="compensation.award").count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": "-5.00"}, "cannot be negative"),
        ({"amount": "0"}, "more than zero"),
        ({"amount": 5.0}, "not float"),
        ({"amount": "0.001"}, "more than two decimal places"),
        ({"currency": "BTC"}, "Unknown currency 'BTC'"),
        ({"kind": LedgerEntry.Kind.REVERSAL}, "not a kind of award"),
        ({"kind": LedgerEntry.Kind.PAYOUT}, "not a kind of award"),
        ({"idempotency_key": "  "}, "idempotency key"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(tester, overrides, message):
    with pytest.raises(CompensationError, match=message):
        give(tester, **overrides)
    assert not LedgerEntry.objects.exists()
    assert not AuditRecord.objects.filter(action="compensation.award").exists()


def test_only_testers_earn(program):
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER)
    with pytest.raises(CompensationError, match="Only tester"):
        give(reviewer)
    assert not LedgerEntry.objects.exists()


def test_a_reversal_nets_the_entry_to_zero_once(tester, staff):
    entry = give(tester, amount="40.00")
    give(tester, amount="5.00", key="form:2")
    reversal = reverse_entry(entry=entry, reason="Duplicate form", actor=staff)
    assert reversal.amount == Decimal("-40.00")
    assert reversal.kind == LedgerEntry.Kind.REVERSAL
    assert reversal.reverses == entry
    assert balance(membership=tester, currency="USD") == Decimal("5.00")
    assert AuditRecord.objects.filter(action="compensation.reversal").count() == 1

    with pytest.raises(CompensationError, match="already been reversed"):
        reverse_entry(entry=entry, reason="Again", actor=staff)
    with pytest.raises(CompensationError, match="cannot be reversed"):
        reverse_entry(entry=reversal, reason="Undo the undo", actor=staff)
    with pytest.raises(CompensationError, match="Say why"):
        reverse_entry(entry=give(tester, key="form:3"), reason=" ", actor=staff)
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REVERSAL).count() == 1


def test_sums_are_exact_to_the_cent_at_any_size(tester):
    for n in range(10):
        give(tester, amount="0.10", key=f"a:{n}")
        give(tester, amount="0.20", key=f"b:{n}")
    assert balance(membership=tester, currency="USD") == Decimal("3.00")
    for n in range(3):  # the largest amount Decimal(12, 2) holds, and a cent
        give(tester, amount="9999999999.99", key=f"big:{n}", kind=LedgerEntry.Kind.LICENCE_FEE)
    give(tester, amount="0.01", key="cent")
    assert balance(membership=tester, currency="USD") == Decimal("30000000002.98")
