"""CSV files: payout batches for a payment provider, statements for testers and accountants.

The payout file follows the layout of PayPal Payouts' bulk upload (recipient email, amount,
currency code, reference id, note to the recipient), with a header row and the recipient's name
added after the email so a person checking the file can read it. Amounts are Decimal strings
with exactly two places, never floats. The reference names the payout line exactly, so the
provider's report maps back to it.

Cells that a spreadsheet would run as a formula (leading =, +, - or @) are prefixed with an
apostrophe; only names, emails and memos can start that way, never amounts.
"""

import csv
import io
from collections.abc import Iterable

from accessprogram.spreadsheet import safe_cell

from .models import LedgerEntry, Payout, PayoutBatch
from .statements import Statement

PAYOUT_HEADER = ["recipient_email", "name", "amount", "currency", "reference", "note"]
STATEMENT_HEADER = ["date", "entry", "kind", "description", "currency", "amount", "balance"]


def _money(amount) -> str:
    return f"{amount:.2f}"


def _write(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def payout_lines_to_pay(batch: PayoutBatch):
    """Lines the payment file carries: every line not paid yet (pending, and failed ones)."""
    return (
        batch.lines.exclude(status=Payout.Status.PAID)
        .select_related("membership__user", "batch__period__program")
        .order_by("currency", "membership__user__email", "pk")
    )


def payout_csv(batch: PayoutBatch) -> str:
    period = batch.period
    note = f"{period.program.name}: earnings {period.start} to {period.end}"
    rows = [PAYOUT_HEADER]
    for line in payout_lines_to_pay(batch):
        user = line.membership.user
        rows.append(
            [
                safe_cell(user.email),
                safe_cell(user.get_full_name() or user.username),
                _money(line.amount),
                line.currency,
                line.reference,
                safe_cell(note),
            ]
        )
    return _write(rows)


def statement_csv(statement: Statement) -> str:
    """Per currency: an opening row, every entry with its running balance, a closing row."""
    labels = dict(LedgerEntry.Kind.choices)
    rows = [STATEMENT_HEADER]
    for sheet in statement.currencies:
        rows.append(
            [
                f"{statement.period_start}",
                "",
                "opening_balance",
                "Opening balance",
                sheet.currency,
                "",
                _money(sheet.opening),
            ]
        )
        for line in sheet.lines:
            entry = line.entry
            rows.append(
                [
                    entry.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    str(entry.pk),
                    entry.kind,
                    safe_cell(entry.memo or labels.get(entry.kind, entry.kind)),
                    entry.currency,
                    _money(entry.amount),
                    _money(line.balance),
                ]
            )
        rows.append(
            [
                f"{statement.period_end}",
                "",
                "closing_balance",
                "Closing balance",
                sheet.currency,
                _money(sheet.movement),
                _money(sheet.closing),
            ]
        )
    return _write(rows)
