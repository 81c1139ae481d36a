"""Closing a period in the background: queued once, progress by stage, safe to retry."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accessprogram.compensation import background
from accessprogram.compensation.models import LedgerEntry, Payout, PayoutPeriod, TimeLog
from accessprogram.compensation.money import CompensationError
from accessprogram.compensation.payouts import CloseStage, close_period_in_stages, open_period
from accessprogram.compensation.services import (
    approve_time_log,
    award,
    log_time,
    publish_rate_card,
)
from accessprogram.compensation.tasks import run_period_close
from accessprogram.operations.models import BackgroundOperation
from accessprogram.programs.models import Membership
from factories import MembershipFactory

LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


@pytest.fixture
def finance(program):
    return MembershipFactory(program=program, role=Membership.Role.FINANCE)


@pytest.fixture
def period(program, tester, staff, clock, today):
    """Last week, with a 40.00 form award, 2 h approved for nothing and a 30.00/h minimum."""
    publish_rate_card(program=program, currency="USD", effective_from=LONG_AGO, actor=staff)
    start, end = today - datetime.timedelta(days=7), today - datetime.timedelta(days=1)
    with clock(datetime.datetime.combine(start, datetime.time(12), tzinfo=datetime.UTC)):
        award(
            membership=tester,
            kind="award_form",
            amount="40.00",
            currency="USD",
            idempotency_key="f",
        )
        log = log_time(
            membership=tester,
            started_at=datetime.datetime.combine(start, datetime.time(9), tzinfo=datetime.UTC),
            minutes=120,
            description="tests",
        )
        approve_time_log(time_log=log, actor=staff)
        assert TimeLog.objects.get().status == "approved"
    return open_period(
        program=program, start=start, end=end, minimum_hourly_rate="30.00", actor=staff
    )


def test_a_second_request_while_one_is_live_joins_it(period, finance):
    first, started = background.queue_period_close(period=period, actor=finance.user)
    again, started_again = background.queue_period_close(period=period, actor=finance.user)
    assert (started, started_again) == (True, False)
    assert again.pk == first.pk
    # The database holds the rule too, whatever the code above did.
    with pytest.raises(IntegrityError), transaction.atomic():
        BackgroundOperation.objects.create(
            kind=first.kind, program=first.program, subject=first.subject
        )


def test_the_task_closes_reports_stages_and_runs_once(period, finance, tester):
    operation, _ = background.queue_period_close(period=period, actor=finance.user)
    run_period_close(operation.pk)

    operation.refresh_from_db()
    assert operation.status == BackgroundOperation.Status.DONE
    assert (operation.progress_done, operation.progress_total) == (3, 3)
    assert operation.result["summary"] == "Closed: 1 payout lines."
    (line,) = Payout.objects.all()
    assert line.amount == Decimal("60.00")  # 40.00 earned + 20.00 top-up to 2 h at 30.00
    period.refresh_from_db()
    assert period.is_closed

    written = LedgerEntry.objects.count()
    run_period_close(operation.pk)  # the broker delivers the message again
    operation.refresh_from_db()
    assert operation.attempts == 1 and operation.status == BackgroundOperation.Status.DONE
    assert LedgerEntry.objects.count() == written and Payout.objects.count() == 1


def test_a_close_that_died_half_way_finishes_on_retry_without_paying_twice(period, finance):
    seen = []

    def dies_before_freezing(stage: CloseStage):
        seen.append(stage.label)
        if stage.done == 2:
            raise RuntimeError("worker lost")

    with pytest.raises(RuntimeError):
        close_period_in_stages(period=period, actor=finance.user, progress=dies_before_freezing)
    assert seen == ["Paying stipends", "Writing minimum-rate top-ups", "Freezing payout lines"]
    assert LedgerEntry.objects.filter(kind="minimum_top_up").count() == 1  # committed stage
    assert not PayoutPeriod.objects.get(pk=period.pk).is_closed

    operation, _ = background.queue_period_close(period=period, actor=finance.user)
    run_period_close(operation.pk)
    operation.refresh_from_db()
    assert operation.status == BackgroundOperation.Status.DONE
    assert LedgerEntry.objects.filter(kind="minimum_top_up").count() == 1
    (line,) = Payout.objects.all()
    assert line.amount == Decimal("60.00")


def test_a_refused_close_fails_with_its_reason_and_can_be_asked_again(
    program, staff, finance, today
):
    yesterday = today - datetime.timedelta(days=1)
    open_period(program=program, start=yesterday, end=yesterday, minimum_hourly_rate=0, actor=staff)
    earlier = today - datetime.timedelta(days=5)
    open_period(program=program, start=earlier, end=earlier, minimum_hourly_rate=0, actor=staff)
    later = PayoutPeriod.objects.get(program=program, start=yesterday)
    operation, _ = background.queue_period_close(period=later, actor=finance.user)
    run_period_close(operation.pk)
    operation.refresh_from_db()
    assert operation.status == BackgroundOperation.Status.FAILED
    assert "Close the earlier period" in operation.error
    again, started = background.queue_period_close(period=later, actor=finance.user)
    assert started and again.pk != operation.pk


def test_a_period_that_has_not_ended_is_refused_before_anything_is_queued(
    program, staff, finance, today
):
    running = open_period(
        program=program, start=today, end=today, minimum_hourly_rate=0, actor=staff
    )
    with pytest.raises(CompensationError, match="close it once that day is over"):
        background.queue_period_close(period=running, actor=finance.user)
    assert not BackgroundOperation.objects.exists()


def test_the_progress_fragment_polls_while_live_and_reloads_when_done(
    client, period, finance, program
):
    client.force_login(finance.user)
    operation, _ = background.queue_period_close(period=period, actor=finance.user)
    fragment_url = reverse("console:operation", args=[program.slug, operation.pk])

    page = client.get(reverse("console:finance-period", args=[program.slug, period.pk]))
    html = page.content.decode()
    assert f'hx-get="{fragment_url}?polling=1"' in html
    assert "Waiting for a worker" in html
    assert "Close this period" not in html  # no second close while one is live

    run_period_close(operation.pk)
    done = client.get(fragment_url + "?polling=1", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    assert "Closed: 1 payout lines." in done.content.decode()
    assert "hx-get" not in done.content.decode()


def test_other_programs_operations_are_not_found(client, period, finance):
    operation, _ = background.queue_period_close(period=period, actor=finance.user)
    outsider = MembershipFactory(role=Membership.Role.FINANCE)
    client.force_login(outsider.user)
    url = reverse("console:operation", args=[outsider.program.slug, operation.pk])
    assert client.get(url).status_code == 404


def test_a_stage_rolled_back_by_a_deadlock_is_run_again(period, finance, monkeypatch):
    from django.db import OperationalError

    from accessprogram.compensation import payouts

    class DeadlockDetected(Exception):
        sqlstate = "40P01"

    real_top_up = payouts._top_up
    calls = []

    def deadlocks_once(locked, actor):
        calls.append(1)
        if len(calls) == 1:
            real_top_up(locked, actor)  # writes, then the database rolls the stage back
            raise OperationalError("deadlock detected") from DeadlockDetected()
        return real_top_up(locked, actor)

    monkeypatch.setattr(payouts, "_top_up", deadlocks_once)
    batch = close_period_in_stages(period=period, actor=finance.user, progress=lambda stage: None)
    assert len(calls) == 2
    assert LedgerEntry.objects.filter(kind="minimum_top_up").count() == 1
    assert batch.lines.get().amount == Decimal("60.00")
