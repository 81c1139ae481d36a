"""Monthly stipends: the rate card's `monthly_stipend` for every tester who held access that month.

A tester is paid for a month when their tester membership began on or before its last day and
no revocation (of them, their cohort or the whole program) took effect before the month ended.
Revocations are read from the audit log, the one record of when they happened that this layer
may read (access sits beside compensation, not below it). Suspensions are temporary and do not
cost a tester the stipend.

One entry per membership and month (idempotency key `stipend:<membership>:<YYYY-MM>`), so running
it again, daily from Celery beat or by hand from the console, never pays twice.
"""

import calendar
import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accessprogram.audit.models import AuditRecord
from accessprogram.audit.services import record
from accessprogram.programs.models import Membership, Program

from .models import LedgerEntry
from .money import CompensationError
from .selectors import current_rate_card, period_bounds, stipend_key
from .services import award


@dataclass
class StipendRun:
    month: datetime.date
    paid: list[LedgerEntry] = field(default_factory=list)  # written by this run
    already_paid: int = 0  # written by an earlier run
    currency: str = ""
    amount: object = None


def month_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of the month `day` falls in."""
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def previous_month(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.now().astimezone(datetime.UTC).date()
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _revocations(program: Program) -> list[tuple[str, int, datetime.datetime]]:
    records = AuditRecord.objects.filter(action="access.revocation", data__program=program.slug)
    return [
        (str(r.data.get("level")), int(r.data.get("target_id") or 0), r.occurred_at)
        for r in records.only("data", "occurred_at")
    ]


def eligible_memberships(*, program: Program, month: datetime.date) -> list[Membership]:
    """Tester memberships that held access during `month` (see the module docstring)."""
    first, last = month_of(month)
    _, month_end = period_bounds(period_start=first, period_end=last)
    revocations = _revocations(program)
    revoked_by_end = {(level, target) for level, target, at in revocations if at < month_end}
    revoked_ever = {(level, target) for level, target, _ in revocations}
    if ("program", program.pk) in revoked_by_end:
        return []
    testers = Membership.objects.filter(
        program=program, role=Membership.Role.TESTER, joined_at__lt=month_end
    ).order_by("pk")
    eligible = []
    for membership in testers:
        if ("membership", membership.pk) in revoked_by_end:
            continue
        if membership.cohort_id and ("cohort", membership.cohort_id) in revoked_by_end:
            continue
        # Removed with no record of when: not known to have held access, so not paid.
        if membership.status == Membership.Status.REMOVED and (
            ("membership", membership.pk) not in revoked_ever
        ):
            continue
        eligible.append(membership)
    return eligible


@transaction.atomic
def award_stipends(*, program: Program, month: datetime.date, actor=None) -> StipendRun:
    """Pay `month`'s stipend (rate card in effect at its end) to every eligible tester, once."""
    first, last = month_of(month)
    today = timezone.now().astimezone(datetime.UTC).date()
    if last >= today:
        raise CompensationError(
            f"{first:%B %Y} has not ended yet: stipends are paid once the month is over."
        )
    _, month_end = period_bounds(period_start=first, period_end=last)
    run = StipendRun(month=first)
    card = current_rate_card(program=program, at=month_end - datetime.timedelta(microseconds=1))
    if card is None or card.monthly_stipend <= 0:
        return run
    run.currency, run.amount = card.currency, card.monthly_stipend
    for membership in eligible_memberships(program=program, month=first):
        key = stipend_key(membership=membership, month=first)
        if LedgerEntry.objects.filter(idempotency_key=key).exists():
            run.already_paid += 1
            continue
        run.paid.append(
            award(
                membership=membership,
                kind=LedgerEntry.Kind.STIPEND,
                amount=card.monthly_stipend,
                currency=card.currency,
                idempotency_key=key,
                memo=f"Stipend for {first:%B %Y} (rates v{card.version})",
                actor=actor,
            )
        )
    if run.paid:
        record(
            action="compensation.stipends",
            target=program,
            actor=actor,
            month=f"{first:%Y-%m}",
            count=len(run.paid),
            amount=card.monthly_stipend,
            currency=card.currency,
        )
    return run
