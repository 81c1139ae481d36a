"""Monthly stipends: the rate card's `monthly_stipend` for every tester who held access that month.

A tester is paid for a month when their tester membership began on or before its last day and
no revocation (of them, their cohort or the whole program) took effect before the month ended.
Revocations are access's block rows (access.blocks.revoked_targets; access sits below
compensation). Suspensions are temporary and do not cost a tester the stipend.

One entry per membership and month (the month's dates stored on the entry, unique per tester;
idempotency key `stipend:<membership>:<YYYY-MM>`), so running it again, daily from Celery beat,
by hand from the console or within a period's close, never pays twice. Every eligible tester is
paid by one `INSERT ... SELECT` (see bulk.py): the statements sent do not grow with the program.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
)

from accessprogram.access.blocks import revoked_targets
from accessprogram.audit.services import record
from accessprogram.commit_durability import relax_commit_durability
from accessprogram.programs.models import Membership, Program

from .bulk import created_now, insert_from_select
from .models import LedgerEntry, RateCard
from .money import CompensationError
from .rules import last_moment, month_of, period_bounds, periodic_key, utc_today
from .selectors import current_rate_card


@dataclass
class StipendRun:
    month: datetime.date
    paid_count: int = 0  # written by this run
    already_paid: int = 0  # written by an earlier run
    currency: str = ""
    amount: object = None
    program_id: int | None = None
    _written_after: int = 0  # ledger ids above this one of the month's stipends are this run's

    @property
    def paid(self) -> list[LedgerEntry]:
        """The entries this run wrote, read on demand (a big run's callers want the count)."""
        if not self.paid_count:
            return []
        return list(
            LedgerEntry.objects.filter(
                program_id=self.program_id,
                kind=LedgerEntry.Kind.STIPEND,
                pays_from=self.month,
                pk__gt=self._written_after,
            ).order_by("membership_id")
        )


def eligible_memberships(*, program: Program, month: datetime.date) -> QuerySet:
    """Tester memberships that held access during `month` (see the module docstring)."""
    first, last = month_of(month)
    _, month_end = period_bounds(period_start=first, period_end=last)
    if revoked_targets(program_id=program.pk, level="program", before=month_end).exists():
        return Membership.objects.none()
    revoked_by_end = revoked_targets(program_id=program.pk, level="membership", before=month_end)
    return (
        Membership.objects.filter(
            program=program, role=Membership.Role.TESTER, joined_at__lt=month_end
        )
        .exclude(pk__in=revoked_by_end)
        .exclude(
            cohort__in=revoked_targets(program_id=program.pk, level="cohort", before=month_end)
        )
        # Removed with no record of when: not known to have held access, so not paid.
        .exclude(
            Q(status=Membership.Status.REMOVED)
            & ~Q(pk__in=revoked_targets(program_id=program.pk, level="membership"))
        )
    )


def stipend_card(*, program: Program, month: datetime.date) -> RateCard | None:
    """The rates in effect at the end of `month`, if they pay a stipend at all."""
    first, last = month_of(month)
    card = current_rate_card(program=program, at=last_moment(period_start=first, period_end=last))
    return card if card is not None and card.monthly_stipend > 0 else None


def write_stipends(*, program: Program, month: datetime.date, card: RateCard, actor) -> int:
    """Insert the month's stipend of every eligible tester not paid yet; how many were written.

    No audit record: callers write one summary for the whole run. The caller holds the program
    lock, so two runs never compute from different pictures."""
    first, last = month_of(month)
    paid = LedgerEntry.objects.filter(
        membership=OuterRef("pk"), kind=LedgerEntry.Kind.STIPEND, pays_from=first, pays_until=last
    )
    unpaid = eligible_memberships(program=program, month=first).exclude(Exists(paid))
    return insert_from_select(
        LedgerEntry,
        unpaid,
        {
            "membership_id": F("pk"),
            "program_id": Value(program.pk, output_field=IntegerField()),
            "kind": Value(LedgerEntry.Kind.STIPEND.value, output_field=CharField()),
            "amount": Value(
                card.monthly_stipend, output_field=LedgerEntry._meta.get_field("amount")
            ),
            "currency": Value(card.currency, output_field=CharField()),
            "idempotency_key": periodic_key(
                kind=LedgerEntry.Kind.STIPEND, pays_from=first, pays_until=last
            ),
            "memo": Value(
                f"Stipend for {first:%B %Y} (rates v{card.version})", output_field=CharField()
            ),
            "created_at": Value(created_now(), output_field=DateTimeField()),
            "created_by_id": Value(getattr(actor, "pk", None), output_field=IntegerField()),
            "pays_from": Value(first, output_field=DateField()),
            "pays_until": Value(last, output_field=DateField()),
        },
    )


@transaction.atomic
def award_stipends(*, program: Program, month: datetime.date, actor=None) -> StipendRun:
    """Pay `month`'s stipend (rate card in effect at its end) to every eligible tester, once."""
    relax_commit_durability()  # idempotent bulk work: see accessprogram.commit_durability
    first, last = month_of(month)
    if last >= utc_today():
        raise CompensationError(
            f"{first:%B %Y} has not ended yet: stipends are paid once the month is over."
        )
    run = StipendRun(month=first, program_id=program.pk)
    card = stipend_card(program=program, month=first)
    if card is None:
        return run
    run.currency, run.amount = card.currency, card.monthly_stipend
    # One run of a program at a time: ids written after this point are this run's.
    Program.objects.select_for_update(no_key=True).filter(pk=program.pk).first()
    month_stipends = LedgerEntry.objects.filter(
        program=program, kind=LedgerEntry.Kind.STIPEND, pays_from=first
    )
    run._written_after = month_stipends.aggregate(last=Max("pk"))["last"] or 0
    run.paid_count = write_stipends(program=program, month=first, card=card, actor=actor)
    run.already_paid = (
        eligible_memberships(program=program, month=first)
        .filter(
            Exists(month_stipends.filter(membership=OuterRef("pk"), pk__lte=run._written_after))
        )
        .count()
    )
    if run.paid_count:
        record(
            action="compensation.stipends",
            target=program,
            actor=actor,
            month=f"{first:%Y-%m}",
            count=run.paid_count,
            amount=card.monthly_stipend,
            currency=card.currency,
        )
    return run
