"""The one way a single ledger row is written: awards, reversals and payouts all come here.

Set-based runs (stipends, top-ups, a close's lines) write many rows in one statement instead;
see bulk.py.
"""

from django.db import transaction

from accessprogram.audit.services import record

from .models import LedgerEntry


def write_entry(
    *, actor, memo: str = "", audit_action: str = "", audit_data: dict | None = None, **fields
) -> LedgerEntry:
    """Insert one entry (`fields` as LedgerEntry takes them) inside a savepoint, with its audit
    record, when `audit_action` names one, last in it: the record holds the audit chain lock
    until commit, so it is taken as late as possible.

    A clash on the idempotency key (or any constraint) rolls the savepoint back and raises
    IntegrityError: the caller says what a repeat means (the same award again, a double
    reversal, a line already paid)."""
    with transaction.atomic():
        entry = LedgerEntry.objects.create(memo=memo[:500], created_by=actor, **fields)
        if audit_action:
            record(action=audit_action, target=entry, actor=actor, **(audit_data or {}))
    return entry
