"""The close is set-based: a constant number of statements, nothing new on a re-run, and the
same money as the tester-by-tester arithmetic of the selectors."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accessprogram.audit.models import AuditRecord
from accessprogram.compensation.models import LedgerEntry, Payout, PayoutItem, TimeLog
from accessprogram.compensation.payouts import close_period, open_period
from accessprogram.compensation.rules import months_ending_in, previous_month
from accessprogram.compensation.selectors import minimum_top_up
from accessprogram.compensation.services import (
    CompensationError,
    award,
    publish_rate_card,
    reverse_entry,
)
from accessprogram.compensation.stipends import award_stipends
from accessprogram.compensation.topups import close_period_top_ups
from accessprogram.programs.models import Membership
from factories import MembershipFactory, ProgramFactory

LAST_MONTH = previous_month()
# The whole of last month: its stipend and its hours both fall in the period.
PERIOD_END = LAST_MONTH.replace(day=28) + datetime.timedelta(days=4)
PERIOD_END = PERIOD_END.replace(day=1) - datetime.timedelta(days=1)
LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def seed_program(testers: int, *, staff):
    """A program of `testers` testers, written in bulk: each has approved hours (1 h) and a form
    award in the period; every third an extra bug award, every fifth a reversed one."""
    program = ProgramFactory()
    publish_rate_card(
        program=program,
        currency="USD",
        effective_from=LONG_AGO,
        actor=staff,
        per_hour="20.00",
        monthly_stipend="50.00",
    )
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"{program.slug}-t{i}", email=f"{program.slug}-t{i}@example.com")
        for i in range(testers)
    )
    Membership.objects.bulk_create(
        Membership(user=user, program=program, role=Membership.Role.TESTER) for user in users
    )
    memberships = list(Membership.objects.filter(program=program, role=Membership.Role.TESTER))
    Membership.objects.filter(program=program).update(joined_at=LONG_AGO)
    TimeLog.objects.bulk_create(
        TimeLog(
            membership=m,
            started_at=at(LAST_MONTH, 9),
            minutes=60 + m.pk % 120,
            description="seeded",
            status=TimeLog.Status.APPROVED,
            decided_at=at(LAST_MONTH, 15),
        )
        for m in memberships
    )
    ledger = models.QuerySet(LedgerEntry)  # seeding only: the ledger's manager refuses bulk writes
    entries = []
    for m in memberships:
        entries.append(("form", m, Decimal("5.00")))
        if m.pk % 3 == 0:
            entries.append(("bug", m, Decimal("40.00")))
    ledger.bulk_create(
        LedgerEntry(
            membership=m,
            program=program,
            kind=f"award_{kind}",
            amount=amount,
            currency="USD",
            idempotency_key=f"seed:{program.pk}:{kind}:{m.pk}",
            created_at=at(LAST_MONTH),
        )
        for kind, m, amount in entries
    )
    bugs = ledger.filter(program=program, kind="award_bug")
    reversed_ = [entry for entry in bugs if entry.membership_id % 5 == 0]
    ledger.bulk_create(
        LedgerEntry(
            membership_id=e.membership_id,
            program=program,
            kind="reversal",
            amount=-e.amount,
            currency="USD",
            idempotency_key=f"reversal:{e.pk}",
            reverses=e,
            created_at=at(LAST_MONTH, 13),
        )
        for e in reversed_
    )
    period = open_period(
        program=program,
        start=LAST_MONTH,
        end=PERIOD_END,
        minimum_hourly_rate="60.00",
        actor=staff,
    )
    return program, period


def ledger_counts():
    return (LedgerEntry.objects.count(), Payout.objects.count(), PayoutItem.objects.count())


def statements(captured) -> list[str]:
    """The statements sent, as kind and table (savepoint names differ between runs)."""
    return [re.sub(r"s\d+_x\d+", "savepoint", q["sql"])[:40] for q in captured.captured_queries]


def test_the_close_sends_the_same_statements_for_10_and_1000_testers(staff):
    small, small_period = seed_program(10, staff=staff)
    large, large_period = seed_program(1000, staff=staff)

    with CaptureQueriesContext(connection) as small_close:
        close_period(period=small_period, actor=staff)
    with CaptureQueriesContext(connection) as large_close:
        close_period(period=large_period, actor=staff)

    assert len(small_close.captured_queries) == len(large_close.captured_queries)
    assert statements(small_close) == statements(large_close)
    for program, testers in ((small, 10), (large, 1000)):
        lines = Payout.objects.filter(batch__period__program=program)
        assert lines.count() == testers  # everyone earned something
        stipends = LedgerEntry.objects.filter(program=program, kind="stipend")
        assert stipends.count() == testers
        top_ups = LedgerEntry.objects.filter(program=program, kind="minimum_top_up")
        assert top_ups.exists()


def test_one_summary_audit_record_per_close(staff):
    program, period = seed_program(25, staff=staff)
    before = AuditRecord.objects.count()
    batch = close_period(period=period, actor=staff)

    (summary,) = AuditRecord.objects.order_by("sequence")[before:]
    assert summary.action == "compensation.period.close"
    assert summary.data["lines"] == 25 == batch.lines.count()
    assert summary.data["stipends_written"] == {f"{LAST_MONTH:%Y-%m}": 25}
    top_ups = LedgerEntry.objects.filter(program=program, kind="minimum_top_up")
    assert summary.data["top_ups_written"] == top_ups.count() > 0
    assert Decimal(summary.data["top_ups_total"]) == sum(t.amount for t in top_ups)
    owed = sum(line.amount for line in batch.lines.all())
    assert summary.data["totals"] == {"USD": str(owed)}


def test_re_running_every_step_of_a_close_writes_nothing(staff):
    program, period = seed_program(30, staff=staff)
    close_period(period=period, actor=staff)
    written = ledger_counts()
    audit = AuditRecord.objects.count()

    with pytest.raises(CompensationError, match="already closed"):
        close_period(period=period, actor=staff)
    assert award_stipends(program=program, month=LAST_MONTH, actor=staff).paid == []
    again = close_period_top_ups(
        program=program,
        period_start=period.start,
        period_end=period.end,
        floor_per_hour=period.minimum_hourly_rate,
        actor=staff,
    )
    assert len(again) == LedgerEntry.objects.filter(kind="minimum_top_up").count()
    assert ledger_counts() == written
    # The top-up run notes that it ran; the stipend run that paid nobody writes nothing.
    assert AuditRecord.objects.count() == audit + 1


def test_a_periodic_award_cannot_be_written_twice_even_under_another_key(staff):
    program, period = seed_program(1, staff=staff)
    close_period(period=period, actor=staff)
    stipend = LedgerEntry.objects.get(kind="stipend")
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            membership_id=stipend.membership_id,
            program=program,
            kind="stipend",
            amount=stipend.amount,
            currency="USD",
            idempotency_key="another-key",
            pays_from=stipend.pays_from,
            pays_until=stipend.pays_until,
        )


# --- Equivalence with the per-tester arithmetic ------------------------------------------------

award_kinds = st.sampled_from(["award_form", "award_bug", "award_hours", "stipend", "licence_fee"])
tester_histories = st.lists(
    st.fixed_dictionaries(
        {
            "minutes": st.lists(st.integers(min_value=1, max_value=900), max_size=3),
            "awards": st.lists(
                st.tuples(
                    award_kinds,
                    st.decimals(Decimal("0.01"), Decimal("3000"), places=2),
                    st.sampled_from(["USD", "EUR"]),
                    st.booleans(),  # reversed
                    st.booleans(),  # inside the period (else: before it)
                ),
                max_size=5,
            ),
        }
    ),
    min_size=1,
    max_size=4,
)


class Rollback(Exception):
    pass


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    histories=tester_histories,
    floor=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("150"), places=2),
    stipend=st.sampled_from([Decimal("0"), Decimal("0.01"), Decimal("75.50")]),
)
def test_set_based_close_pays_exactly_what_the_per_tester_arithmetic_says(
    staff, histories, floor, stipend
):
    try:
        with transaction.atomic():
            check_close(staff, histories, floor, stipend)
            raise Rollback
    except Rollback:
        pass


def check_close(staff, histories, floor, stipend):
    program = ProgramFactory()
    publish_rate_card(
        program=program,
        currency="USD",
        effective_from=LONG_AGO,
        per_hour="12.34",
        monthly_stipend=stipend,
    )
    testers = [MembershipFactory(program=program) for _ in histories]
    Membership.objects.filter(program=program).update(joined_at=LONG_AGO)
    for tester, history in zip(testers, histories, strict=True):
        for index, minutes in enumerate(history["minutes"]):
            TimeLog.objects.create(
                membership=tester,
                started_at=at(LAST_MONTH, 8),
                minutes=minutes,
                description="x",
                status=TimeLog.Status.APPROVED,
                decided_at=at(LAST_MONTH + datetime.timedelta(days=index), 16),
            )
        for index, (kind, amount, currency, reverse, inside) in enumerate(history["awards"]):
            when = at(LAST_MONTH, 10) if inside else at(LAST_MONTH - datetime.timedelta(days=3))
            entry = award(
                membership=tester,
                kind=kind,
                amount=amount,
                currency=currency,
                idempotency_key=f"h:{tester.pk}:{index}",
            )
            # Written now, dated back (seeding only: the ledger refuses updates through its manager)
            models.QuerySet(LedgerEntry).filter(pk=entry.pk).update(created_at=when)
            if reverse:
                entry.refresh_from_db()
                reversal = reverse_entry(entry=entry, reason="r", actor=staff)
                models.QuerySet(LedgerEntry).filter(pk=reversal.pk).update(created_at=when)
    period = open_period(
        program=program, start=LAST_MONTH, end=PERIOD_END, minimum_hourly_rate=floor, actor=staff
    )
    assert months_ending_in(period.start, period.end) == [LAST_MONTH]

    # What the tester-by-tester code would have paid: the stipend, then the top-up it leaves.
    stipend_of = {t.pk: stipend for t in testers} if stipend > 0 else {}
    expected_top_up = {}
    with transaction.atomic():
        if stipend > 0:
            for tester in testers:
                award(
                    membership=tester,
                    kind="stipend",
                    amount=stipend,
                    currency="USD",
                    idempotency_key=f"expected-stipend:{tester.pk}",
                )
                models.QuerySet(LedgerEntry).filter(
                    idempotency_key=f"expected-stipend:{tester.pk}"
                ).update(pays_from=LAST_MONTH, pays_until=PERIOD_END)
        for tester in testers:
            amount = minimum_top_up(
                membership=tester,
                period_start=period.start,
                period_end=period.end,
                floor_per_hour=floor,
                currency="USD",
            )
            if amount > 0:
                expected_top_up[tester.pk] = amount
        expected_lines = {}
        for tester in testers:
            for currency in ("USD", "EUR"):
                total = sum(
                    LedgerEntry.objects.filter(membership=tester, currency=currency).values_list(
                        "amount", flat=True
                    ),
                    Decimal("0"),
                )
                if currency == "USD":
                    total += expected_top_up.get(tester.pk, Decimal("0"))
                if total > 0:
                    expected_lines[(tester.pk, currency)] = total
        transaction.set_rollback(True)

    batch = close_period(period=period, actor=staff)

    written_stipends = dict(
        LedgerEntry.objects.filter(
            program=program, kind="stipend", pays_from=LAST_MONTH
        ).values_list("membership_id", "amount")
    )
    assert written_stipends == stipend_of
    written_top_ups = dict(
        LedgerEntry.objects.filter(program=program, kind="minimum_top_up").values_list(
            "membership_id", "amount"
        )
    )
    assert written_top_ups == expected_top_up
    lines = {(line.membership_id, line.currency): line.amount for line in batch.lines.all()}
    assert lines == expected_lines
    for line in batch.lines.all():
        assert sum(item.entry.amount for item in line.items.all()) == line.amount
