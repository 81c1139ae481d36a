"""The health dashboard's figures match seeded data: now, in total over the window, per day."""

import datetime
from decimal import Decimal

import pytest
from health_seed import evening_today, seed_program

from accessprogram.console.health import selectors
from accessprogram.console.health.trends import Window
from accessprogram.programs.models import Membership
from factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(program, settings):
    settings.REVIEW_SLA_HOURS = 24
    return seed_program(program, now=evening_today())


def health(seeded, days=7, user=None):
    user = user or UserFactory(is_superuser=True)
    window = Window(now=seeded.now, days=days)
    return selectors.program_health(user=user, program=seeded.program, window=window)


def by_days_ago(series, now):
    """{days ago: value} of the days with a value."""
    today = now.date()
    return {(today - day).days: value for day, value in series.points if value}


def test_queue_and_backlog_now(seeded):
    h = health(seeded)
    assert (h.queue.queued, h.queue.running) == (2, 2)
    assert h.queue.oldest_wait == datetime.timedelta(minutes=40)
    assert h.queue.median_wait == datetime.timedelta(seconds=120)
    assert h.queue.started == 4
    assert (h.backlog.pending, h.backlog.overdue) == (3, 2)
    assert h.backlog.oldest_wait == datetime.timedelta(hours=30)


def test_testers_and_renders_with_daily_trends(seeded):
    h = health(seeded)
    r, now = h.renders, seeded.now
    assert (r.testers, r.active_week) == (4, 3)
    assert (r.completed, r.failed, r.failure_rate) == (3, 1, Decimal("25.0"))
    assert by_days_ago(r.active_trend, now) == {0: 3, 1: 1, 2: 1}
    assert by_days_ago(r.requested_trend, now) == {0: 6, 1: 1, 2: 1}
    assert by_days_ago(r.completed_trend, now) == {0: 2, 1: 1}
    assert by_days_ago(r.failed_trend, now) == {2: 1}
    assert by_days_ago(r.wait_trend, now) == {0: 150, 1: 300}
    assert len(r.active_trend.points) == 7


def test_thirty_days_reach_further_back(seeded):
    r = health(seeded, days=30).renders
    assert len(r.completed_trend.points) == 30
    assert by_days_ago(r.completed_trend, seeded.now) == {0: 2, 1: 1, 10: 1}
    assert r.completed == 4
    assert r.active_trend.points[0][0] == seeded.now.date() - datetime.timedelta(days=29)


def test_reviews_safety_feedback_and_bugs(seeded):
    h, now = health(seeded), seeded.now
    assert by_days_ago(h.reviews.requested, now) == {0: 1, 1: 2, 3: 1}
    assert by_days_ago(h.reviews.decided, now) == {1: 1}
    s = h.safety
    assert (s.open_alerts, s.open_reports, s.blocks_in_force, s.paused) == (1, 1, 2, False)
    assert dict(s.blocks_by_level) == {"Program": 0, "Cohort": 0, "Tester": 1, "Token": 1}
    assert by_days_ago(s.alerts_trend, now) == {0: 1, 4: 1}
    assert by_days_ago(s.reports_trend, now) == {1: 1}
    f = h.feedback
    assert [(rate.form.title, rate.completed, rate.eligible) for rate in f.forms] == [
        ("First impressions", 2, 4)
    ]
    assert f.response_rate == Decimal("50.0")
    assert by_days_ago(f.responses_trend, now) == {0: 1, 1: 1}
    assert f.open_bugs == [
        ("critical", "Critical", 1),
        ("high", "High", 2),
        ("medium", "Medium", 0),
        ("low", "Low", 0),
    ]
    assert by_days_ago(f.bugs_trend, now) == {0: 1, 1: 2, 3: 1}


def test_money_this_period(seeded):
    m, now = health(seeded).money, seeded.now
    assert m.period is not None and m.start == now.date() - datetime.timedelta(days=3)
    [usd] = m.currencies
    assert (usd.currency, usd.earned, usd.paid, usd.owed) == (
        "USD",
        Decimal("30.00"),
        Decimal("20.00"),
        Decimal("17.00"),
    )
    assert by_days_ago(usd.earned_trend, now) == {0: Decimal("5.00"), 1: Decimal("25.00")}
    assert by_days_ago(usd.paid_trend, now) == {0: Decimal("20.00")}


def test_without_a_period_money_counts_the_calendar_month(program):
    window = Window(now=evening_today())
    m = selectors.money(program_ids=[program.pk], window=window)[program.pk]
    assert (m.period, m.start, m.currencies) == (None, window.today.replace(day=1), [])


@pytest.mark.parametrize(
    ("role", "sees_money"),
    [("reviewer", False), ("finance", True), ("program_manager", True), ("admin", True)],
)
def test_money_totals_only_for_finance_and_managers(seeded, role, sees_money):
    reader = MembershipFactory(program=seeded.program, role=role).user
    assert (health(seeded, user=reader).money is not None) is sees_money


def test_a_blocked_manager_sees_no_money(seeded):
    manager = seeded.manager
    Membership.objects.filter(pk=manager.pk).update(status=Membership.Status.SUSPENDED)
    assert health(seeded, user=manager.user).money is None


def test_platform_view_has_one_row_per_program_with_its_own_figures(seeded):
    from factories import ProgramFactory

    quiet = ProgramFactory(name="A quiet program")
    window = Window(now=seeded.now)
    rows = selectors.platform_health(
        user=UserFactory(is_superuser=True),
        programs=type(quiet).objects.filter(pk__in=[quiet.pk, seeded.program.pk]),
        window=window,
    )
    assert [row.program for row in rows] == sorted([quiet, seeded.program], key=lambda p: p.name)
    figures = {
        row.program.pk: (row.queue.queued, row.backlog.overdue, row.renders.failed) for row in rows
    }
    assert figures == {quiet.pk: (0, 0, 0), seeded.program.pk: (2, 2, 1)}
