"""One program with known figures for the health dashboard tests (selectors, pages, browser).

Times are fixed relative to NOW (18:00 UTC today), passed to the selectors as the window's end,
so every row falls on a known UTC day whatever the hour the tests run.
"""

import datetime
import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from accessprogram.access.models import AccessBlock, LeakAlert, LeakReport
from accessprogram.access.services import issue_token
from accessprogram.compensation.models import LedgerEntry, PayoutPeriod
from accessprogram.feedback.models import BugReport, FeedbackForm, FormResponse
from accessprogram.programs.models import Membership, Program
from factories import GenerationFactory, MembershipFactory
from generation.models import Generation
from review.models import ShareRequest

Status = Generation.Status
keys = itertools.count()


def evening_today() -> datetime.datetime:
    return (
        timezone.now().astimezone(datetime.UTC).replace(hour=18, minute=0, second=0, microsecond=0)
    )


def day(days_ago: int, *, hour: int = 12, now: datetime.datetime) -> datetime.datetime:
    return (now - datetime.timedelta(days=days_ago)).replace(hour=hour)


@dataclass
class Seeded:
    program: Program
    now: datetime.datetime
    testers: list[Membership]
    manager: Membership


def generation(program, tester, *, status, created, dispatched=None, completed=None):
    job = GenerationFactory(program=program, tester=tester.user, status=status)
    Generation.objects.filter(pk=job.pk).update(
        created_at=created, dispatched_at=dispatched, completed_at=completed
    )
    return job


def seed_program(program: Program, *, now: datetime.datetime, testers: int = 4) -> Seeded:
    """The figures the tests expect (N = now, 18:00 UTC today):

    Testers: 4 active + 1 removed; active this week 3 (t3 asked only 10 days ago).
    Queue: 2 queued (oldest 40 min), 2 rendering. Waits of the jobs dispatched in the last 24 h:
    60, 120, 120 and 300 s (median 120 s). Completed: 2 today, 1 yesterday, 1 ten days ago;
    failed: 1 two days ago. Share requests: 3 pending, 2 over a 24 h SLA; 1 approved yesterday.
    Blocks in force: 1 membership, 1 token (a lifted one does not count). Leak alerts: 1 open
    (today), 1 resolved (4 days ago); leak reports: 1 open (yesterday).
    Money (USD; a payout period from 3 days ago to 3 days ahead): awards of 10.00 today and
    25.00 yesterday, a reversal of 5.00 and a payout of 20.00 today, an award of 7.00 40 days
    ago: earned 30.00 this period, paid 20.00, owed 17.00.
    Feedback: one open form for everyone, 2 of 4 completed (yesterday and today). Bugs open: 1
    critical, 2 high (one confirmed; a fixed one is not open).
    """
    members = [MembershipFactory(program=program) for _ in range(testers)]
    MembershipFactory(program=program, status=Membership.Status.REMOVED)
    manager = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)
    t0, t1, t2, t3 = members[:4]
    minutes = datetime.timedelta(minutes=1)
    # Queue now.
    generation(program, t0, status=Status.QUEUED, created=now - 40 * minutes)
    generation(program, t1, status=Status.QUEUED, created=now - 5 * minutes)
    generation(
        program, t1, status=Status.IN_PROGRESS, created=now - 3 * minutes, dispatched=now - minutes
    )
    # Finished jobs (the ones dispatched in the last 24 h waited 60, 120 and 300 s).
    for created, wait, completed in (
        (now - 2 * 60 * minutes, 60, now - 100 * minutes),
        (now - 3 * 60 * minutes, 120, now - 150 * minutes),
    ):
        generation(
            program,
            t0,
            status=Status.COMPLETED,
            created=created,
            dispatched=created + datetime.timedelta(seconds=wait),
            completed=completed,
        )
    yesterday = day(1, now=now)
    generation(
        program,
        t2,
        status=Status.COMPLETED,
        created=yesterday - 5 * minutes,
        dispatched=yesterday,
        completed=yesterday + 5 * minutes,
    )
    generation(
        program, t2, status=Status.FAILED, created=day(2, now=now), completed=day(2, now=now)
    )
    long_ago = day(10, now=now)
    generation(program, t3, status=Status.COMPLETED, created=long_ago, completed=long_ago)
    # The 300 s wait: still rendering, dispatched 10 minutes ago.
    generation(
        program,
        t2,
        status=Status.IN_PROGRESS,
        created=now - 15 * minutes,
        dispatched=now - 10 * minutes,
    )
    # Share requests (of videos made before the 30-day window, not counted above).
    old = day(40, now=now)
    done = generation(program, t0, status=Status.COMPLETED, created=old)
    for hours in (30, 26, 1):
        job = generation(program, t1, status=Status.COMPLETED, created=old)
        _share(program, t1, job, created=now - datetime.timedelta(hours=hours))
    _share(
        program,
        t0,
        done,
        created=day(3, now=now),
        status=ShareRequest.Status.APPROVED,
        decided=yesterday,
    )
    # Blocks, leak alerts and reports.
    token = issue_token(membership=t0, name="laptop").token
    other = issue_token(membership=t1, name="ci").token
    for level, target in (
        (AccessBlock.Level.MEMBERSHIP, t3.pk),
        (AccessBlock.Level.TOKEN, token.pk),
    ):
        AccessBlock.objects.create(
            level=level,
            target_id=target,
            program=program,
            kind="suspension",
            reason="r",
            message="m",
            starts_at=now - 60 * minutes,
        )
    AccessBlock.objects.create(
        level=AccessBlock.Level.COHORT,
        target_id=0,
        program=program,
        kind="suspension",
        reason="r",
        message="m",
        starts_at=now - 60 * minutes,
        lifted_at=now - minutes,
    )
    LeakAlert.objects.create(token=token, program=program, kind="burst", detected_at=now - minutes)
    LeakAlert.objects.create(
        token=other,
        program=program,
        kind="burst",
        detected_at=day(4, now=now),
        status=LeakAlert.Status.RESOLVED,
        resolved_at=day(4, now=now),
    )
    LeakReport.objects.create(
        token=token,
        program=program,
        url="https://example.com/x",
        reported_at=yesterday,
        outcome="revoked",
    )
    # Money: the payout period covering today.
    PayoutPeriod.objects.create(
        program=program,
        start=(now - datetime.timedelta(days=3)).date(),
        end=(now + datetime.timedelta(days=3)).date(),
    )
    for kind, amount, when in (
        (LedgerEntry.Kind.AWARD_FORM, "10.00", now - minutes),
        (LedgerEntry.Kind.AWARD_BUG, "25.00", yesterday),
    ):
        entry = _entry(program, t0, kind, amount, when)
    _entry(program, t0, LedgerEntry.Kind.REVERSAL, "-5.00", now - minutes, reverses=entry)
    _entry(program, t0, LedgerEntry.Kind.PAYOUT, "-20.00", now - minutes)
    _entry(program, t1, LedgerEntry.Kind.AWARD_FORM, "7.00", old)
    # Feedback.
    form = FeedbackForm.objects.create(
        program=program,
        title="First impressions",
        opens_at=day(6, now=now),
        closes_at=now + datetime.timedelta(days=3),
        status=FeedbackForm.Status.PUBLISHED,
        published_at=day(6, now=now),
    )
    for member, completed in ((t0, yesterday), (t1, now - minutes), (t2, None)):
        FormResponse.objects.create(form=form, membership=member, completed_at=completed)
    for severity, status, when in (
        ("critical", BugReport.Status.NEW, now - minutes),
        ("high", BugReport.Status.NEW, yesterday),
        ("high", BugReport.Status.CONFIRMED, yesterday),
        ("high", BugReport.Status.FIXED, day(3, now=now)),
    ):
        bug = BugReport.objects.create(
            program=program,
            membership=t2,
            reporter=t2.user,
            title=f"{severity} bug",
            steps="s",
            expected="e",
            actual="a",
            severity=severity,
            status=status,
        )
        BugReport.objects.filter(pk=bug.pk).update(created_at=when)
    return Seeded(program=program, now=now, testers=members, manager=manager)


def _share(program, member, job, *, created, status=ShareRequest.Status.PENDING, decided=None):
    return ShareRequest.objects.create(
        generation=job,
        requested_by=member.user,
        program=program,
        intended_use="portfolio",
        destination="site",
        status=status,
        created_at=created,
        decided_at=decided,
    )


def _entry(program, member, kind, amount, when, reverses=None):
    return LedgerEntry.objects.create(
        membership=member,
        program=program,
        kind=kind,
        amount=Decimal(amount),
        currency="USD",
        idempotency_key=f"health-test:{next(keys)}",
        created_at=when,
        reverses=reverses,
    )
