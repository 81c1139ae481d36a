import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accessprogram.audit.models import AuditRecord
from accessprogram.compensation.models import LedgerEntry, TimeLog
from accessprogram.compensation.services import (
    CompensationError,
    approve_time_log,
    log_time,
    publish_rate_card,
    reject_time_log,
)
from accessprogram.programs.models import Membership
from factories import MembershipFactory


def an_hour_ago():
    return timezone.now() - datetime.timedelta(hours=1)


def test_approving_pays_the_hours_at_the_rate_in_effect(tester, staff, rate_card):
    time_log = log_time(
        membership=tester, started_at=an_hour_ago(), minutes=95, description="Tried long prompts"
    )
    assert time_log.status == TimeLog.Status.PENDING
    approve_time_log(time_log=time_log, actor=staff)
    time_log.refresh_from_db()
    assert (time_log.status, time_log.decided_by) == (TimeLog.Status.APPROVED, staff)
    entry = LedgerEntry.objects.get()
    assert entry.kind == LedgerEntry.Kind.AWARD_HOURS
    assert entry.idempotency_key == f"timelog:{time_log.pk}"
    assert entry.amount == Decimal("47.50")  # 30.00 an hour for 95 minutes
    assert entry.currency == "USD"
    assert AuditRecord.objects.filter(action="compensation.time_log.approve").count() == 1

    with pytest.raises(CompensationError, match="already approved"):
        approve_time_log(time_log=time_log, actor=staff)
    assert LedgerEntry.objects.count() == 1


def test_a_zero_hourly_rate_approves_without_an_entry(tester, staff, program):
    publish_rate_card(
        program=program, currency="EUR", effective_from=an_hour_ago() - datetime.timedelta(hours=1)
    )
    time_log = log_time(membership=tester, started_at=an_hour_ago(), minutes=60, description="x")
    approve_time_log(time_log=time_log, actor=staff)
    assert TimeLog.objects.get().status == TimeLog.Status.APPROVED
    assert not LedgerEntry.objects.exists()


def test_rejecting_pays_nothing(tester, staff, rate_card):
    time_log = log_time(membership=tester, started_at=an_hour_ago(), minutes=30, description="x")
    with pytest.raises(CompensationError, match="Say why"):
        reject_time_log(time_log=time_log, reason="", actor=staff)
    reject_time_log(time_log=time_log, reason="No activity that day", actor=staff)
    time_log.refresh_from_db()
    assert time_log.status == TimeLog.Status.REJECTED
    assert time_log.decision_reason == "No activity that day"
    with pytest.raises(CompensationError, match="already rejected"):
        approve_time_log(time_log=time_log, actor=staff)
    assert not LedgerEntry.objects.exists()


def test_no_rate_card_means_no_approval(tester, staff):
    time_log = log_time(membership=tester, started_at=an_hour_ago(), minutes=30, description="x")
    with pytest.raises(CompensationError, match="no rate card"):
        approve_time_log(time_log=time_log, actor=staff)
    assert TimeLog.objects.get().status == TimeLog.Status.PENDING


def test_testers_cannot_approve_their_own_time(tester, rate_card):
    time_log = log_time(membership=tester, started_at=an_hour_ago(), minutes=30, description="x")
    with pytest.raises(CompensationError, match="their own"):
        approve_time_log(time_log=time_log, actor=tester.user)
    assert TimeLog.objects.get().status == TimeLog.Status.PENDING
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("minutes", "started", "description", "message"),
    [
        (0, -1, "x", "1 to 1440 minutes"),
        (-30, -1, "x", "1 to 1440 minutes"),
        (1441, -30, "x", "1 to 1440 minutes"),
        (1.5, -1, "x", "whole number"),
        (30, +1, "x", "future"),
        (30, -1, "   ", "Describe"),
    ],
)
def test_bad_time_logs_write_nothing(tester, minutes, started, description, message):
    with pytest.raises(CompensationError, match=message):
        log_time(
            membership=tester,
            started_at=timezone.now() + datetime.timedelta(hours=started),
            minutes=minutes,
            description=description,
        )
    assert not TimeLog.objects.exists()


def test_only_active_testers_log_time(program):
    for membership in (
        MembershipFactory(program=program, role=Membership.Role.REVIEWER),
        MembershipFactory(program=program, status=Membership.Status.SUSPENDED),
    ):
        with pytest.raises(CompensationError, match="Only active testers"):
            log_time(membership=membership, started_at=an_hour_ago(), minutes=5, description="x")
    assert not TimeLog.objects.exists()
