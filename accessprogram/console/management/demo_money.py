"""The demo's money: a month of earnings already paid, and a month under way.

`manage.py seed_demo` calls `seed_money` once per demo program (it does nothing when the program
has payout periods), so a newcomer's finance pages, statements and earnings show what they are
for: last month's awards and stipends in a closed period whose payout batch is paid, this
month's open period, an approved time log and one waiting for a decision.

Last month's awards are history: they are written with the moment they were earned (through
ledger.write_entry, the one way a ledger row is written, with its audit record), which only makes
sense before any period exists, hence the guard.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from accessprogram.compensation import payouts, rules
from accessprogram.compensation.ledger import write_entry
from accessprogram.compensation.models import LedgerEntry, PayoutPeriod, RateCard
from accessprogram.compensation.services import approve_time_log, log_time
from accessprogram.programs.models import Membership, Program

Kind = LedgerEntry.Kind

# (tester username, kind, amount, day of last month, memo)
LAST_MONTH_AWARDS = [
    ("artist", Kind.AWARD_FORM, "5.00", 3, "Form: First impressions"),
    ("artist", Kind.AWARD_BUG, "40.00", 9, "Bug #1 confirmed (high): audio drifts in 12 s clips"),
    ("artist", Kind.AWARD_FORM, "5.00", 17, "Form: Week two check-in"),
    ("artist2", Kind.AWARD_FORM, "5.00", 4, "Form: First impressions"),
    ("artist2", Kind.AWARD_BUG, "20.00", 12, "Bug #2 confirmed (medium): preview stalls at 90%"),
]


def seed_money(*, program: Program, testers: dict[str, Membership], finance) -> bool:
    """Write the demo's money once; False when the program already has periods."""
    if PayoutPeriod.objects.filter(program=program).exists():
        return False
    first, last = rules.month_of(rules.previous_month())
    # The demo testers took part all of last month: they are due its stipend.
    joined = datetime.datetime.combine(first, datetime.time(9), tzinfo=datetime.UTC)
    Membership.objects.filter(pk__in=[m.pk for m in testers.values()]).update(joined_at=joined)
    card = RateCard.objects.filter(program=program).order_by("effective_from").first()
    for n, (username, kind, amount, day, memo) in enumerate(LAST_MONTH_AWARDS, start=1):
        _earned_then(
            membership=testers[username],
            kind=kind,
            amount=Decimal(amount),
            currency=card.currency if card else "EUR",
            at=datetime.datetime.combine(first.replace(day=day), datetime.time(15), datetime.UTC),
            key=f"demo:{program.slug}:{first:%Y-%m}:{n}",
            memo=memo,
            actor=finance,
        )
    closed = payouts.open_period(
        program=program, start=first, end=last, minimum_hourly_rate=Decimal("0"), actor=finance
    )
    batch = payouts.close_period(period=closed, actor=finance)
    for n, line in enumerate(batch.lines.order_by("pk"), start=1):
        payouts.mark_payout_paid(
            line=line, provider_reference=f"DEMO-TRANSFER-{n:03d}", actor=finance
        )
    today = rules.utc_today()
    this_month_first, this_month_last = rules.month_of(today)
    payouts.open_period(
        program=program,
        start=this_month_first,
        end=this_month_last,
        minimum_hourly_rate=Decimal("20.00"),
        actor=finance,
    )
    _time_logs(testers=testers, finance=finance)
    return True


def _earned_then(*, membership, kind, amount, currency, at, key, memo, actor) -> None:
    write_entry(
        membership_id=membership.pk,
        program_id=membership.program_id,
        kind=kind,
        amount=amount,
        currency=currency,
        idempotency_key=key,
        created_at=at,
        memo=memo,
        actor=actor,
        audit_action="compensation.award",
        audit_data={
            "membership": membership.pk,
            "kind": str(kind),
            "amount": amount,
            "currency": currency,
            "idempotency_key": key,
            "earned_at": at.isoformat(),
            "seeded": "manage.py seed_demo",
        },
    )


def _time_logs(*, testers, finance) -> None:
    """This month: one session approved (paid at the hourly rate), one waiting for finance."""
    now = timezone.now()
    approved = log_time(
        membership=testers["artist"],
        started_at=now - datetime.timedelta(hours=26),
        minutes=90,
        description="Tried camera-motion prompts at every size; noted where motion blurs.",
    )
    approve_time_log(time_log=approved, actor=finance)
    log_time(
        membership=testers["artist2"],
        started_at=now - datetime.timedelta(hours=3),
        minutes=45,
        description="Compared 4 s and 12 s renders of the same storyboard.",
    )
