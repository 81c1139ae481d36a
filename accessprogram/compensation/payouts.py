"""Payout periods, their close and the payout lines it freezes.

Closing a period, in one transaction: write the stipends of the months that end in it and the
minimum-rate top-ups of the period (both idempotent), then freeze every entry written up to
the period's end (and those top-ups and stipends) that no earlier batch holds into one line per
tester and currency. Every step is set-based (see bulk.py): a close of 10 testers and one of
10,000 send the same statements, and one audit record sums the close up. A tester whose total in
a currency is not positive (a reversal larger than what is owed) gets no line; those entries stay
unbatched and net against later earnings.

Marking a line paid writes a negative PAYOUT ledger entry (key `payout:<line>`), so the tester's
balance drops by exactly what left the bank. A failed line writes nothing; it can be marked paid
later or put back to pending for the next payment run.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import CharField, Count, F, IntegerField, Value
from django.utils import timezone

from accessprogram.audit.services import record
from accessprogram.commit_durability import relax_commit_durability
from accessprogram.programs.models import Program

from .bulk import (
    CentsToMoney,
    avoid_nested_loops,
    insert_from_select,
    plan_without_jit,
    sum_cents,
)
from .ledger import write_entry
from .models import LedgerEntry, Payout, PayoutBatch, PayoutItem, PayoutPeriod
from .money import CompensationError, from_cents, to_money
from .rules import event_key, frozen_by_close, months_ending_in, period_has_ended
from .stipends import stipend_card, write_stipends
from .topups import top_up_currency, write_top_ups


def _lock_program(program: Program) -> None:
    # One period change of a program at a time: overlap checks and closes see a stable picture.
    # NO KEY UPDATE: rows that merely reference the program (an invitation, an access block, an
    # audit of a revocation) check their foreign key with KEY SHARE and must not wait for a close.
    Program.objects.select_for_update(no_key=True).filter(pk=program.pk).first()


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


def _freeze_lines(*, batch: PayoutBatch, program: Program) -> None:
    """One line per tester and currency whose unbatched entries add up to more than nothing,
    then every such entry into its line: two `INSERT ... SELECT`s, whatever the program's size."""
    unbatched = (
        LedgerEntry.objects.filter(program=program, payout_item__isnull=True)
        .exclude(kind=LedgerEntry.Kind.PAYOUT)
        .filter(frozen_by_close(period_start=batch.period.start, period_end=batch.period.end))
    )
    owed = (
        unbatched.order_by()
        .values("membership_id", "currency")
        .annotate(owed_cents=sum_cents())
        .filter(owed_cents__gt=0)  # nothing owed: these entries net against later earnings
    )
    insert_from_select(
        Payout,
        owed,
        {
            "batch_id": Value(batch.pk, output_field=IntegerField()),
            "membership_id": F("membership_id"),
            "currency": F("currency"),
            "amount": CentsToMoney(F("owed_cents")),
            "status": Value(Payout.Status.PENDING.value, output_field=CharField()),
            "provider_reference": Value("", output_field=CharField()),
            "failure_reason": Value("", output_field=CharField()),
        },
    )
    if connection.vendor == "postgresql":
        # The lines were just written: without fresh statistics the planner takes the table for
        # the (near) empty one it last saw and joins every entry to it by a scan (minutes at 10k
        # testers instead of a second). ANALYZE counts this transaction's own new rows.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Payout._meta.db_table)}")
    # The line of an entry: same tester and currency, in this batch (a join through membership).
    # Hash joins only: the planner takes the rows left unbatched for a few hundred (the share of
    # a LEFT JOIN ... IS NULL it cannot estimate) and looks each of 212,000 entries up twice by
    # index (2 s at 10k testers); an anti-join form it can estimate is worse, a nested loop
    # that re-reads payout items as this very statement appends them (minutes).
    avoid_nested_loops()
    in_a_line = unbatched.filter(
        membership__payouts__batch=batch, membership__payouts__currency=F("currency")
    )
    insert_from_select(
        PayoutItem,
        in_a_line,
        {"payout_id": F("membership__payouts__pk"), "entry_id": F("pk")},
        skip_conflicts=False,  # unbatched entries only, the program locked: none can collide
    )


@dataclass(frozen=True)
class CloseStage:
    """Where a close has got to, for progress shown while it runs in the background."""

    done: int
    total: int
    label: str


CLOSE_STAGES = ("Paying stipends", "Writing minimum-rate top-ups", "Freezing payout lines")


def refuse_unless_ended(period: PayoutPeriod) -> None:
    if not period_has_ended(period_end=period.end):
        raise CompensationError(
            f"The period runs until {period.end}: close it once that day is over."
        )


def _closable(period: PayoutPeriod) -> PayoutPeriod:
    """The period, locked with its program, if it can be closed now; CompensationError if not."""
    _lock_program(period.program)
    period = PayoutPeriod.objects.select_for_update().get(pk=period.pk)
    if period.is_closed:
        raise CompensationError(f"The period {period.start} to {period.end} is already closed.")
    refuse_unless_ended(period)
    earlier_open = PayoutPeriod.objects.filter(
        program=period.program, status=PayoutPeriod.Status.OPEN, end__lt=period.start
    ).first()
    if earlier_open is not None:
        raise CompensationError(
            f"Close the earlier period {earlier_open.start} to {earlier_open.end} first."
        )
    return period


def _pay_stipends(period: PayoutPeriod, actor) -> dict[str, int]:
    """Stipends of the months ending in the period: a month's stipend counts toward the floor of
    the period it ends in, so they come first. {month: written}."""
    written = {}
    for month in months_ending_in(period.start, period.end):
        card = stipend_card(program=period.program, month=month)
        if card is not None:
            written[f"{month:%Y-%m}"] = write_stipends(
                program=period.program, month=month, card=card, actor=actor
            )
    return written


def _top_up(period: PayoutPeriod, actor):
    if period.minimum_hourly_rate <= 0:
        return None
    return write_top_ups(
        program=period.program,
        period_start=period.start,
        period_end=period.end,
        floor_per_hour=period.minimum_hourly_rate,
        currency=top_up_currency(
            program=period.program, period_start=period.start, period_end=period.end
        ),
        actor=actor,
    )


def _freeze_and_close(period: PayoutPeriod, actor, *, stipends, top_ups) -> PayoutBatch:
    """The batch and its lines, the period closed, and the one audit record of the close."""
    batch = PayoutBatch.objects.create(period=period, created_by=actor)
    _freeze_lines(batch=batch, program=period.program)
    totals = (
        Payout.objects.filter(batch=batch)
        .order_by("currency")
        .values("currency")
        .annotate(lines=Count("pk"), owed_cents=sum_cents())
    )
    totals = {row["currency"]: row for row in totals}
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
        lines=sum(row["lines"] for row in totals.values()),
        totals={currency: str(from_cents(row["owed_cents"])) for currency, row in totals.items()},
        stipends_written=stipends,
        top_ups_written=top_ups.written if top_ups else 0,
        top_ups_total=str(top_ups.total) if top_ups else "0.00",
        top_ups_currency=top_ups.currency if top_ups else None,
    )
    return batch


@transaction.atomic
def close_period(*, period: PayoutPeriod, actor) -> PayoutBatch:
    """Stipends, top-ups, then the batch, in one transaction: each a constant number of
    statements, and one audit record for the whole close."""
    relax_commit_durability()  # idempotent bulk work: see accessprogram.commit_durability
    plan_without_jit()
    period = _closable(period)
    stipends = _pay_stipends(period, actor)
    top_ups = _top_up(period, actor)
    return _freeze_and_close(period, actor, stipends=stipends, top_ups=top_ups)


DEADLOCK_RETRIES = 3


def _deadlocked(error: OperationalError) -> bool:
    # PostgreSQL's deadlock_detected and serialization_failure: the stage was rolled back whole.
    return getattr(error.__cause__, "sqlstate", None) in ("40P01", "40001")


def close_period_in_stages(*, period: PayoutPeriod, actor, progress) -> PayoutBatch:
    """The same close as close_period, one transaction per stage, telling `progress(CloseStage)`
    before each, so a page can show how far it got (a running transaction's writes are not
    visible to it). Stipends and top-ups are idempotent: if the close dies after them, running
    it again writes none twice and freezes them into the batch. A stage the database rolled back
    to break a deadlock (with a revocation, say) is run again, a few times."""
    results = {}
    for done, label in enumerate(CLOSE_STAGES):
        progress(CloseStage(done, len(CLOSE_STAGES), label))
        for attempt in range(DEADLOCK_RETRIES + 1):
            try:
                with transaction.atomic():
                    # Bulk and idempotent: its commit need not queue revocations behind a
                    # flush (accessprogram.commit_durability); the operation's "done" is durable.
                    relax_commit_durability()
                    plan_without_jit()
                    locked = _closable(period)
                    if done == 0:
                        results["stipends"] = _pay_stipends(locked, actor)
                    elif done == 1:
                        results["top_ups"] = _top_up(locked, actor)
                    else:
                        return _freeze_and_close(locked, actor, **results)
                break
            except OperationalError as error:
                if attempt == DEADLOCK_RETRIES or not _deadlocked(error):
                    raise
    raise AssertionError("unreachable: the last stage returns the batch")


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
        entry = write_entry(
            membership_id=line.membership_id,
            program_id=line.batch.period.program_id,
            kind=LedgerEntry.Kind.PAYOUT,
            amount=-line.amount,
            currency=line.currency,
            idempotency_key=event_key("payout", line.pk),
            memo=f"Paid out {line.reference}"
            + (f" ({provider_reference})" if provider_reference else ""),
            actor=actor,
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
