import datetime
from decimal import Decimal

import pytest

from accessprogram.access.models import AccessBlock
from accessprogram.access.revocation import block_access
from accessprogram.audit.models import AuditRecord
from accessprogram.audit.services import record
from accessprogram.compensation.models import LedgerEntry
from accessprogram.compensation.rules import previous_month
from accessprogram.compensation.services import CompensationError, publish_rate_card
from accessprogram.compensation.stipends import award_stipends
from accessprogram.compensation.tasks import award_monthly_stipends
from accessprogram.programs.models import Cohort, Membership
from factories import MembershipFactory

LAST_MONTH = previous_month()
MONTH_END = datetime.datetime.combine(
    LAST_MONTH.replace(day=28), datetime.time(12), tzinfo=datetime.UTC
)


@pytest.fixture
def stipend_card(program, staff):
    return publish_rate_card(
        program=program,
        currency="EUR",
        effective_from=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        actor=staff,
        monthly_stipend=Decimal("150.00"),
    )


def joined_long_ago(program):
    """Factories join testers now; these tests need testers who were there last month."""
    Membership.objects.filter(program=program).update(
        joined_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )


def stipends_of(membership):
    return LedgerEntry.objects.filter(membership=membership, kind=LedgerEntry.Kind.STIPEND)


def test_every_tester_is_paid_once_per_month(program, tester, staff, stipend_card):
    other = MembershipFactory(program=program)
    MembershipFactory(program=program, role=Membership.Role.REVIEWER)  # staff earn no stipend
    joined_long_ago(program)

    run = award_stipends(program=program, month=LAST_MONTH, actor=staff)
    assert sorted(e.membership_id for e in run.paid) == sorted([tester.pk, other.pk])
    (entry,) = stipends_of(tester)
    assert (entry.amount, entry.currency) == (Decimal("150.00"), "EUR")
    assert entry.idempotency_key == f"stipend:{tester.pk}:{LAST_MONTH:%Y-%m}"
    assert f"{LAST_MONTH:%B %Y}" in entry.memo

    again = award_stipends(program=program, month=LAST_MONTH, actor=staff)
    assert again.paid == [] and again.already_paid == 2
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.STIPEND).count() == 2
    assert AuditRecord.objects.filter(action="compensation.stipends").count() == 1


def test_the_daily_task_pays_last_month_idempotently(program, tester, stipend_card):
    joined_long_ago(program)
    assert award_monthly_stipends() == 1
    assert award_monthly_stipends() == 0
    assert stipends_of(tester).get().idempotency_key.endswith(f"{LAST_MONTH:%Y-%m}")


def test_the_task_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["award-monthly-stipends"]
    assert entry["task"] == "compensation.award_monthly_stipends"
    assert entry["schedule"] <= 24 * 60 * 60


def test_testers_revoked_before_the_month_ended_are_not_paid(program, staff, stipend_card, clock):
    cohort = Cohort.objects.create(program=program, name="Wave 1")
    revoked = MembershipFactory(program=program)
    in_revoked_cohort = MembershipFactory(program=program, cohort=cohort)
    suspended = MembershipFactory(program=program)
    kept = MembershipFactory(program=program)
    joined_long_ago(program)
    with clock(MONTH_END):
        block_access(target=revoked, kind="revocation", reason="leaked a token", actor=staff)
        block_access(target=cohort, kind="revocation", reason="wave ended", actor=staff)
        block_access(target=suspended, kind="suspension", reason="checking", actor=staff)

    paid = {e.membership_id for e in award_stipends(program=program, month=LAST_MONTH).paid}
    assert paid == {suspended.pk, kept.pk}
    assert not stipends_of(revoked).exists()
    assert not stipends_of(in_revoked_cohort).exists()


def test_revocations_are_read_from_access_blocks_not_the_audit_log(
    program, staff, stipend_card, clock
):
    """The block row is the record of a revocation: one without an audit entry still counts,
    and an audit entry with no block (a bad import, a hand-written record) does not."""
    blocked = MembershipFactory(program=program)
    audited_only = MembershipFactory(program=program)
    joined_long_ago(program)
    AccessBlock.objects.create(
        level=AccessBlock.Level.MEMBERSHIP,
        target_id=blocked.pk,
        program=program,
        kind=AccessBlock.Kind.REVOCATION,
        reason="imported from the old system",
        message="Your access has been revoked.",
        starts_at=MONTH_END,
    )
    with clock(MONTH_END):
        record(
            action="access.revocation",
            target=audited_only,
            actor=staff,
            level="membership",
            target_id=audited_only.pk,
            program=program.slug,
        )
    paid = {e.membership_id for e in award_stipends(program=program, month=LAST_MONTH).paid}
    assert paid == {audited_only.pk}


def test_a_tester_revoked_after_the_month_is_still_paid_for_it(program, staff, stipend_card):
    revoked_later = MembershipFactory(program=program)
    joined_long_ago(program)
    block_access(target=revoked_later, kind="revocation", reason="left", actor=staff)
    revoked_later.refresh_from_db()
    assert revoked_later.status == Membership.Status.REMOVED
    run = award_stipends(program=program, month=LAST_MONTH)
    assert [e.membership_id for e in run.paid] == [revoked_later.pk]


def test_testers_who_joined_after_the_month_are_not_paid(program, tester, stipend_card):
    two_months_ago = previous_month(LAST_MONTH)
    Membership.objects.filter(pk=tester.pk).update(
        joined_at=datetime.datetime.combine(LAST_MONTH, datetime.time(9), tzinfo=datetime.UTC)
    )
    assert award_stipends(program=program, month=two_months_ago).paid == []
    assert len(award_stipends(program=program, month=LAST_MONTH).paid) == 1


def test_no_stipend_rate_pays_nothing(program, tester, staff):
    joined_long_ago(program)
    publish_rate_card(
        program=program,
        currency="USD",
        effective_from=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        actor=staff,
        per_hour="30.00",
    )
    run = award_stipends(program=program, month=LAST_MONTH)
    assert run.paid == []
    assert not stipends_of(tester).exists()


def test_the_current_month_cannot_be_paid_yet(program, tester, stipend_card, today):
    with pytest.raises(CompensationError, match="has not ended yet"):
        award_stipends(program=program, month=today)
    assert not stipends_of(tester).exists()
