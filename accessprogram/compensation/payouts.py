"""Payout periods, their close and the payout lines it freezes.

Closing a period, in one transaction: write the minimum-rate top-ups of the period and the
stipends of the months that end in it (both idempotent), then freeze every entry written up to
the period's end (and those top-ups and stipends) that no earlier batch holds into one line per
tester and currency. A tester whose total in a currency is not positive (a reversal larger than
what is owed) gets no line; those entries stay unbatched and net against later earnings.

Marking a line paid writes a negative PAYOUT ledger entry (key `payout:<line>`), so the tester's
balance drops by exactly what left the bank. A failed line writes nothing; it can be marked paid
later or put back to pending for the next payment run.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accessprogram.audit.services import record
from accessprogram.programs.models import Program

from .models import LedgerEntry, Payout, PayoutBatch, PayoutItem, PayoutPeriod
from .money import CompensationError, to_money
from .selectors import months_ending_in, period_bounds
from .services import close_period_top_ups
from .stipends import award_stipends


def _today() -> datetime.date:
    return timezone.now().astimezone(datetime.UTC).date()


def _lock_program(program: Program) -> None:
    # One period change of a program at a time: overlap checks and closes see a stable picture.
    Program.objects.select_for_update().filter(pk=program.pk).first()


@transaction.atomic
def open_period(
    *, program: Program, start: datetime.date, end: datetime.date, minimum_hourly_rate, actor
) -> PayoutPeriod:
    if end < start:
        raise CompensationError("The period ends before it starts.")
    minimum_hourly_rate = to_money(minimum_hourly_rate, what="minimum hourly rate")
    _lock_program(program)
    periods = PayoutPeriod.objects.filter(program=program)
    clash = periods.filter(start__lte=end, end__gte=start).order_by("start").first()
    if clash is not None:
        raise CompensationError(
            f"It overlaps the period {clash.start} to {clash.end}; periods cannot overlap."
        )
    last_closed = periods.filter(status=PayoutPeriod.Status.CLOSED).order_by("-end").first()
    if last_closed is not None and start < last_closed.end:
        raise CompensationError(
            f"The period {last_closed.start} to {last_closed.end} is already closed: "
            "a new period must come after it."
        )
    period = PayoutPeriod.objects.create(
        program=program,
        start=start,
        end=end,
        minimum_hourly_rate=minimum_hourly_rate,
        opened_by=actor,
    )
    record(
        action="compensation.period.open",
        target=period,
        actor=actor,
        start=start,
        end=end,
        minimum_hourly_rate=minimum_hourly_rate,
    )
    return period


@transaction.atomic
def close_period(*, period: PayoutPeriod, actor) -> PayoutBatch:
    program = period.program
    _lock_program(program)
    period = PayoutPeriod.objects.select_for_update().get(pk=period.pk)
    if period.is_closed:
        raise CompensationError(f"The period {period.start} to {period.end} is already closed.")
    if period.end >= _today():
        raise CompensationError(
            f"The period runs until {period.end}: close it once that day is over."
        )
    earlier_open = PayoutPeriod.objects.filter(
        program=program, status=PayoutPeriod.Status.OPEN, end__lt=period.start
    ).first()
    if earlier_open is not None:
        raise CompensationError(
            f"Close the earlier period {earlier_open.start} to {earlier_open.end} first."
        )

    # Stipends first: a month's stipend counts toward the floor of the period it ends in.
    months = months_ending_in(period.start, period.end)
    for month in months:
        award_stipends(program=program, month=month, actor=actor)
    if period.minimum_hourly_rate > 0:
        close_period_top_ups(
            program=program,
            period_start=period.start,
            period_end=period.end,
            floor_per_hour=period.minimum_hourly_rate,
            actor=actor,
        )

    _, end_bound = period_bounds(period_start=period.start, period_end=period.end)
    belongs = Q(created_at__lt=end_bound) | Q(
        kind=LedgerEntry.Kind.MINIMUM_TOP_UP,
        idempotency_key__endswith=f":{period.start}:{period.end}",
    )
    for month in months:
        belongs |= Q(kind=LedgerEntry.Kind.STIPEND, idempotency_key__endswith=f":{month:%Y-%m}")
    entries = (
        LedgerEntry.objects.filter(program=program, payout_item__isnull=True)
        .exclude(kind=LedgerEntry.Kind.PAYOUT)
        .filter(belongs)
        .order_by("membership_id", "currency", "id")
    )
    groups: dict[tuple[int, str], list[LedgerEntry]] = defaultdict(list)
    for entry in entries:
        groups[(entry.membership_id, entry.currency)].append(entry)

    batch = PayoutBatch.objects.create(period=period, created_by=actor)
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    lines = 0
    for (membership_id, currency), group in sorted(groups.items()):
        amount = sum((entry.amount for entry in group), Decimal("0.00"))
        if amount <= 0:
            continue  # nothing owed: these entries net against later earnings
        line = Payout.objects.create(
            batch=batch, membership_id=membership_id, currency=currency, amount=amount
        )
        PayoutItem.objects.bulk_create(PayoutItem(payout=line, entry=entry) for entry in group)
        totals[currency] += amount
        lines += 1

    period.status = PayoutPeriod.Status.CLOSED
    period.closed_by = actor
    period.closed_at = timezone.now()
    period.save(update_fields=["status", "closed_by", "closed_at"])
    record(
        action="compensation.period.close",
        target=period,
        actor=actor,
        start=period.start,
        end=period.end,
        batch=batch.pk,
        lines=lines,
        totals={currency: str(total) for currency, total in sorted(totals.items())},
    )
    return batch


def _locked_line(line: Payout) -> Payout:
    locked = (
        Payout.objects.select_for_update()
        .select_related("batch__period__program", "membership")
        .get(pk=line.pk)
    )
    if locked.status == Payout.Status.PAID:
        raise CompensationError(f"Payout line {locked.reference} is already paid.")
    return locked


def _decide_line(line: Payout, *, status: str, actor, action: str, fields=None, **audit) -> Payout:
    """Move a locked line to `status` (and `fields`), note who decided when, and audit it."""
    fields = fields or {}
    line.status = status
    line.decided_at = timezone.now()
    line.decided_by = actor
    for name, value in fields.items():
        setattr(line, name, value)
    line.save(update_fields=["status", "decided_at", "decided_by", *fields])
    record(
        action=action,
        target=line,
        actor=actor,
        program=line.batch.period.program.slug,
        membership=line.membership_id,
        **audit,
    )
    return line


@transaction.atomic
def mark_payout_paid(*, line: Payout, provider_reference: str = "", actor) -> Payout:
    """The money left: write the PAYOUT entry (once per line) and mark the line paid."""
    provider_reference = (provider_reference or "").strip()
    if len(provider_reference) > 200:
        raise CompensationError("The provider reference is too long (at most 200 characters).")
    line = _locked_line(line)
    try:
        with transaction.atomic():
            entry = LedgerEntry.objects.create(
                membership_id=line.membership_id,
                program_id=line.batch.period.program_id,
                kind=LedgerEntry.Kind.PAYOUT,
                amount=-line.amount,
                currency=line.currency,
                idempotency_key=f"payout:{line.pk}",
                memo=f"Paid out {line.reference}"
                + (f" ({provider_reference})" if provider_reference else ""),
                created_by=actor,
            )
    except IntegrityError:
        raise CompensationError(f"Payout line {line.reference} is already paid.") from None
    return _decide_line(
        line,
        status=Payout.Status.PAID,
        actor=actor,
        action="compensation.payout.paid",
        fields={"provider_reference": provider_reference},
        amount=line.amount,
        currency=line.currency,
        ledger_entry=entry.pk,
        provider_reference=provider_reference,
    )


@transaction.atomic
def mark_payout_failed(*, line: Payout, reason: str, actor) -> Payout:
    """The provider could not pay: nothing is written to the ledger; the line can be retried."""
    reason = (reason or "").strip()
    if not reason:
        raise CompensationError("Say why the payout failed.")
    line = _locked_line(line)
    return _decide_line(
        line,
        status=Payout.Status.FAILED,
        actor=actor,
        action="compensation.payout.failed",
        fields={"failure_reason": reason[:500]},
        amount=line.amount,
        currency=line.currency,
        reason=reason[:500],
    )


@transaction.atomic
def retry_payout(*, line: Payout, actor) -> Payout:
    """Put a failed line back to pending, so the next payment file includes it."""
    line = _locked_line(line)
    if line.status != Payout.Status.FAILED:
        raise CompensationError(f"Payout line {line.reference} has not failed.")
    return _decide_line(
        line,
        status=Payout.Status.PENDING,
        actor=actor,
        action="compensation.payout.retry",
        previous_failure=line.failure_reason,
    )
