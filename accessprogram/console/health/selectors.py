"""Reads for the health dashboards: every figure of many programs at once.

Each subject module answers for a list of programs in a fixed number of GROUP BY queries, so a
dashboard costs the same whatever the number of testers, generations, requests or ledger rows
(and, on PostgreSQL, whatever the number of programs).
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from accessprogram.access.policy import ProgramPowers, powers_in
from accessprogram.programs.models import Program

from .counters import open_counts, testers_by_cohort
from .feedback import Feedback, feedback
from .money import Money, money
from .renders import Queue, Renders, queues, renders
from .reviews import Backlog, ReviewTrends, backlogs, review_trends
from .safety import Safety, safety
from .trends import DEFAULT_RANGE, RANGES, Window


def window_of(days, *, now: datetime.datetime | None = None) -> Window:
    """The window asked for (?days=7 or 30; anything else: the default)."""
    days = int(days) if str(days) in {str(n) for n in RANGES} else DEFAULT_RANGE
    return Window(now=now or timezone.now(), days=days)


@dataclass(frozen=True)
class Live:
    """What the live fragment refreshes: the render queue and the review backlog."""

    program: Program
    queue: Queue
    backlog: Backlog


def live(*, program: Program, now: datetime.datetime | None = None) -> Live:
    now = now or timezone.now()
    return Live(
        program=program,
        queue=queues(program_ids=[program.pk], now=now)[program.pk],
        backlog=backlogs(program_ids=[program.pk], now=now)[program.pk],
    )


@dataclass(frozen=True)
class ProgramHealth:
    program: Program
    powers: ProgramPowers
    queue: Queue
    backlog: Backlog
    renders: Renders
    reviews: ReviewTrends
    safety: Safety
    money: Money | None  # None: the reader does not see money totals here
    feedback: Feedback

    @property
    def live(self) -> Live:
        return Live(program=self.program, queue=self.queue, backlog=self.backlog)


def program_health(*, user, program: Program, window: Window) -> ProgramHealth:
    """Every figure of one program's dashboard, as `user` may see them."""
    ids = [program.pk]
    powers = powers_in(user, ids)[program.pk]
    testers = testers_by_cohort(program_ids=ids)
    open_items = open_counts(program_ids=ids)
    return ProgramHealth(
        program=program,
        powers=powers,
        queue=queues(program_ids=ids, now=window.now)[program.pk],
        backlog=backlogs(program_ids=ids, now=window.now)[program.pk],
        renders=renders(program_ids=ids, window=window, testers=testers)[program.pk],
        reviews=review_trends(program_ids=ids, window=window)[program.pk],
        safety=safety(program_ids=ids, window=window, open_items=open_items)[program.pk],
        money=money(program_ids=ids, window=window)[program.pk] if powers.money_totals else None,
        feedback=feedback(program_ids=ids, window=window, testers=testers, open_items=open_items)[
            program.pk
        ],
    )


@dataclass(frozen=True)
class ProgramSummary:
    """One program's row on the platform-wide view."""

    program: Program
    powers: ProgramPowers
    queue: Queue
    backlog: Backlog
    renders: Renders
    safety: Safety


def platform_health(*, user, programs, window: Window) -> list[ProgramSummary]:
    """The headline figures of every program in `programs` (those `user` may see), by name."""
    programs = list(programs.order_by("name"))
    ids = [program.pk for program in programs]
    if not ids:
        return []
    powers = powers_in(user, ids)
    queue = queues(program_ids=ids, now=window.now)
    backlog = backlogs(program_ids=ids, now=window.now)
    render = renders(program_ids=ids, window=window, testers=testers_by_cohort(program_ids=ids))
    safe = safety(program_ids=ids, window=window, open_items=open_counts(program_ids=ids))
    return [
        ProgramSummary(
            program=program,
            powers=powers[program.pk],
            queue=queue[program.pk],
            backlog=backlog[program.pk],
            renders=render[program.pk],
            safety=safe[program.pk],
        )
        for program in programs
    ]


@dataclass(frozen=True)
class PlatformTotals:
    """The sums of the platform-wide view's rows (a few programs, never rows of data)."""

    queued: int
    pending: int
    overdue: int
    failed: int
    open_alerts: int
    paused: int


def platform_totals(summaries: list[ProgramSummary]) -> PlatformTotals:
    return PlatformTotals(
        queued=sum(row.queue.queued for row in summaries),
        pending=sum(row.backlog.pending for row in summaries),
        overdue=sum(row.backlog.overdue for row in summaries),
        failed=sum(row.renders.failed for row in summaries),
        open_alerts=sum(row.safety.open_alerts for row in summaries),
        paused=sum(1 for row in summaries if row.safety.paused),
    )
