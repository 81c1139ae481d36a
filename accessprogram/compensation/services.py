"""Writes for compensation: rate cards, awards and reversals, time logs, awards on events.

Periods, stipends, top-ups and payouts have their own modules (payouts.py, stipends.py,
topups.py); the rules they all apply are in rules.py.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accessprogram.access.blocks import block_in_force
from accessprogram.audit.services import record
from accessprogram.programs.models import Membership, Program

from .ledger import write_entry
from .models import RATE_FIELDS, LedgerEntry, RateCard, TimeLog
from .money import CompensationError, to_currency, to_money
from .rules import event_key, hours_pay
from .selectors import current_rate_card

__all__ = [
    "CompensationError",
    "approve_time_log",
    "award",
    "award_for_bug",
    "award_for_form",
    "award_licence_fee",
    "log_time",
    "publish_rate_card",
    "reject_time_log",
    "reverse_entry",
]


@transaction.atomic
def publish_rate_card(
    *,
    program: Program,
    currency: str,
    effective_from: datetime.datetime | None = None,
    actor=None,
    **rates,
) -> RateCard:
    """Publish the next version of the program's rates; earlier versions stay as they were."""
    unknown = set(rates) - set(RATE_FIELDS)
    if unknown:
        raise CompensationError(f"Unknown rates: {', '.join(sorted(unknown))}.")
    currency = to_currency(currency)
    values = {field: to_money(rates.get(field, 0), what=field) for field in RATE_FIELDS}
    effective_from = effective_from or timezone.now()
    # Lock the program row so two publishers cannot pick the same version number.
    Program.objects.select_for_update().filter(pk=program.pk).first()
    latest = RateCard.objects.filter(program=program).order_by("-version").first()
    if latest is not None and effective_from < latest.effective_from:
        raise CompensationError(
            f"Version {latest.version} takes effect {latest.effective_from:%Y-%m-%d %H:%M}; "
            "a new version cannot take effect before it."
        )
    card = RateCard.objects.create(
        program=program,
        version=(latest.version if latest else 0) + 1,
        effective_from=effective_from,
        currency=currency,
        created_by=actor,
        **values,
    )
    record(
        action="compensation.rate_card.publish",
        target=card,
        actor=actor,
        program=program.slug,
        version=card.version,
        currency=currency,
        effective_from=effective_from,
        **{field: values[field] for field in RATE_FIELDS},
    )
    return card


def _same_award(entry: LedgerEntry, *, membership, kind, amount, currency) -> LedgerEntry:
    """A repeat of an award must ask for the very same thing, or it is a conflicting key."""
    asked = (membership.pk, str(kind), amount, currency)
    stored = (entry.membership_id, entry.kind, entry.amount, entry.currency)
    if asked != stored:
        raise CompensationError(
            f"Idempotency key {entry.idempotency_key!r} was already used for "
            f"{entry.amount} {entry.currency} ({entry.kind}) to membership {entry.membership_id}."
        )
    return entry


@transaction.atomic
def award(
    *,
    membership: Membership,
    kind: str,
    amount,
    currency: str,
    idempotency_key: str,
    memo: str = "",
    actor=None,
) -> LedgerEntry:
    """Credit `amount` to the tester, once per `idempotency_key`.

    A repeat with the same key returns the first entry (a retried task, a double click); a repeat
    that disagrees on tester, kind, amount or currency is an error. Concurrent first calls race
    on the key's unique constraint: the loser's insert fails inside its savepoint, and it returns
    the winner's entry, which READ COMMITTED lets it see once the winner has committed.
    """
    if kind not in LedgerEntry.POSITIVE_KINDS:
        raise CompensationError(f"{kind!r} is not a kind of award.")
    amount = to_money(amount, allow_zero=False)
    currency = to_currency(currency)
    idempotency_key = (idempotency_key or "").strip()
    if not idempotency_key or len(idempotency_key) > 200:
        raise CompensationError("An award needs an idempotency key of 1 to 200 characters.")
    if membership.role != Membership.Role.TESTER:
        raise CompensationError("Only tester memberships earn compensation.")
    asked = {"membership": membership, "kind": kind, "amount": amount, "currency": currency}

    existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_award(existing, **asked)
    try:
        entry = write_entry(
            membership=membership,
            program_id=membership.program_id,
            kind=kind,
            amount=amount,
            currency=currency,
            idempotency_key=idempotency_key,
            memo=memo,
            actor=actor,
            audit_action="compensation.award",
            audit_data={
                "membership": membership.pk,
                "kind": str(kind),
                "amount": amount,
                "currency": currency,
                "idempotency_key": idempotency_key,
            },
        )
    except IntegrityError:
        existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:  # not a duplicate key after all
            raise
        return _same_award(existing, **asked)
    return entry


@transaction.atomic
def reverse_entry(*, entry: LedgerEntry, reason: str, actor) -> LedgerEntry:
    """Cancel an award with an entry of the opposite amount. Each entry is reversed at most once."""
    reason = (reason or "").strip()
    if not reason:
        raise CompensationError("Say why the entry is reversed.")
    if entry.kind in (LedgerEntry.Kind.REVERSAL, LedgerEntry.Kind.PAYOUT):
        raise CompensationError(f"A {entry.get_kind_display().lower()} cannot be reversed.")
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise CompensationError(f"Entry #{entry.pk} has already been reversed.")
    try:
        reversal = write_entry(
            membership_id=entry.membership_id,
            program_id=entry.program_id,
            kind=LedgerEntry.Kind.REVERSAL,
            amount=-entry.amount,
            currency=entry.currency,
            idempotency_key=event_key("reversal", entry.pk),
            reverses=entry,
            memo=reason,
            actor=actor,
            audit_action="compensation.reversal",
            audit_data={
                "reverses": entry.pk,
                "amount": -entry.amount,
                "currency": entry.currency,
                "reason": reason,
            },
        )
    except IntegrityError:
        raise CompensationError(f"Entry #{entry.pk} has already been reversed.") from None
    return reversal


@transaction.atomic
def log_time(
    *, membership: Membership, started_at: datetime.datetime, minutes: int, description: str
) -> TimeLog:
    """A tester reports a testing session; it waits for staff approval."""
    if membership.role != Membership.Role.TESTER or not membership.is_active:
        raise CompensationError("Only active testers can log testing time.")
    if membership.program.status != Program.Status.ACTIVE:
        raise CompensationError("This program is not open: no new testing time can be logged.")
    block = block_in_force(membership=membership)  # on the tester, their cohort or program
    if block is not None:
        raise CompensationError(
            f"No testing time can be logged while access is withdrawn: {block.message}"
        )
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise CompensationError("Minutes must be a whole number.")
    if not 1 <= minutes <= TimeLog.MAX_MINUTES:
        raise CompensationError(f"A session lasts 1 to {TimeLog.MAX_MINUTES} minutes.")
    if started_at > timezone.now():
        raise CompensationError("A session cannot start in the future.")
    description = (description or "").strip()
    if not description:
        raise CompensationError("Describe what you tested.")
    time_log = TimeLog.objects.create(
        membership=membership, started_at=started_at, minutes=minutes, description=description
    )
    record(
        action="compensation.time_log.create",
        target=time_log,
        actor=membership.user,
        minutes=minutes,
        started_at=started_at,
    )
    return time_log


def _decide(time_log: TimeLog, *, actor) -> TimeLog:
    """The log, locked, if it can still be decided by `actor`."""
    locked = TimeLog.objects.select_for_update().select_related("membership").get(pk=time_log.pk)
    if locked.status != TimeLog.Status.PENDING:
        raise CompensationError(f"This time log was already {locked.status}.")
    if actor is not None and actor.pk == locked.membership.user_id:
        raise CompensationError("Testers cannot decide on their own time logs.")
    return locked


@transaction.atomic
def approve_time_log(*, time_log: TimeLog, actor) -> TimeLog:
    """Approve the session and pay its hours at the rate in effect when it started."""
    time_log = _decide(time_log, actor=actor)
    card = current_rate_card(program=time_log.membership.program, at=time_log.started_at)
    if card is None:
        raise CompensationError("The program has no rate card in effect for this session.")
    now = timezone.now()
    time_log.status = TimeLog.Status.APPROVED
    time_log.decided_by = actor
    time_log.decided_at = now
    time_log.save(update_fields=["status", "decided_by", "decided_at"])
    amount = hours_pay(per_hour=card.per_hour, minutes=time_log.minutes)
    if amount > 0:  # a zero rate still counts the hours towards the minimum hourly rate
        award(
            membership=time_log.membership,
            kind=LedgerEntry.Kind.AWARD_HOURS,
            amount=amount,
            currency=card.currency,
            idempotency_key=event_key("timelog", time_log.pk),
            memo=f"{time_log.minutes} min at {card.per_hour}/h (rates v{card.version})",
            actor=actor,
        )
    record(
        action="compensation.time_log.approve",
        target=time_log,
        actor=actor,
        minutes=time_log.minutes,
        amount=amount,
        currency=card.currency,
    )
    return time_log


@transaction.atomic
def reject_time_log(*, time_log: TimeLog, reason: str, actor) -> TimeLog:
    reason = (reason or "").strip()
    if not reason:
        raise CompensationError("Say why the time log is rejected.")
    time_log = _decide(time_log, actor=actor)
    time_log.status = TimeLog.Status.REJECTED
    time_log.decided_by = actor
    time_log.decided_at = timezone.now()
    time_log.decision_reason = reason[:500]
    time_log.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    record(action="compensation.time_log.reject", target=time_log, actor=actor, reason=reason)
    return time_log


# --- Awards on events (called by feedback, review and the console) ----------------------------


def _award_from_rate_card(
    *, membership: Membership, kind: str, rate_field: str, idempotency_key: str, memo: str, actor
) -> LedgerEntry | None:
    """Award the current rate card's `rate_field`, once per key; None when no rate applies."""
    rate_card = current_rate_card(program=membership.program)
    if rate_card is None:
        return None
    amount = getattr(rate_card, rate_field)
    if amount <= 0 or membership.role != Membership.Role.TESTER:
        return None
    return award(
        membership=membership,
        kind=kind,
        amount=amount,
        currency=rate_card.currency,
        idempotency_key=idempotency_key,
        memo=f"{memo} (rate card v{rate_card.version})",
        actor=actor,
    )


def award_for_form(*, membership: Membership, response_id: int, form_title: str, actor=None):
    """Pay for a completed feedback form: once per response, at the rate in force now."""
    return _award_from_rate_card(
        membership=membership,
        kind=LedgerEntry.Kind.AWARD_FORM,
        rate_field="per_form_completed",
        idempotency_key=event_key("form-response", response_id),
        memo=f"Feedback form completed: {form_title}"[:400],
        actor=actor,
    )


def award_for_bug(*, membership: Membership, bug_id: int, severity: str, title: str, actor=None):
    """Pay for a confirmed bug report by its severity: once per report."""
    return _award_from_rate_card(
        membership=membership,
        kind=LedgerEntry.Kind.AWARD_BUG,
        rate_field=f"per_bug_{severity}",
        idempotency_key=event_key("bug-confirmed", bug_id),
        memo=f"Bug confirmed ({severity}): {title}"[:400],
        actor=actor,
    )


def award_licence_fee(*, membership: Membership, share_request_id: int, actor=None):
    """Pay the licence fee when the organisers use a tester's approved output: once per output."""
    return _award_from_rate_card(
        membership=membership,
        kind=LedgerEntry.Kind.LICENCE_FEE,
        rate_field="licence_fee",
        idempotency_key=event_key("licence-fee", share_request_id),
        memo=f"Output used by the organisers (share request {share_request_id})",
        actor=actor,
    )
