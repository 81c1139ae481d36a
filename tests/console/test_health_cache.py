"""Past days come from the cache, today from the database: a second read gives the same figures
while asking only about today's rows, and what happens today still shows at once."""

import datetime
from decimal import Decimal

import pytest
from health_seed import _entry, evening_today, generation, seed_program

from accessprogram.compensation.models import LedgerEntry
from accessprogram.console.health import selectors
from accessprogram.console.health.trends import Window
from factories import UserFactory
from generation.models import Generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(program, settings):
    settings.REVIEW_SLA_HOURS = 24
    return seed_program(program, now=evening_today())


def read(seeded, user, days=7, *, later=datetime.timedelta()):
    window = Window(now=seeded.now + later, days=days)
    return selectors.program_health(user=user, program=seeded.program, window=window)


@pytest.mark.parametrize("days", [7, 30])
def test_a_second_read_gives_the_same_figures(seeded, days):
    admin = UserFactory(is_superuser=True)
    assert read(seeded, admin, days) == read(seeded, admin, days)


def test_today_is_read_afresh_and_settled_days_are_not_read_again(seeded):
    admin = UserFactory(is_superuser=True)
    first = read(seeded, admin)
    now, tester = seeded.now, seeded.testers[0]
    done = Generation.Status.COMPLETED
    generation(seeded.program, tester, status=done, created=now, completed=now)
    two_days_ago = now - datetime.timedelta(days=2)
    generation(seeded.program, tester, status=done, created=two_days_ago, completed=two_days_ago)
    _entry(seeded.program, tester, LedgerEntry.Kind.AWARD_FORM, "3.00", now)
    again = read(seeded, admin, later=datetime.timedelta(minutes=1))  # the clock moves on
    today = dict(again.renders.completed_trend.points)[now.date()]
    assert today == dict(first.renders.completed_trend.points)[now.date()] + 1
    # The row dated two days ago (which cannot happen: times are set when things happen) is
    # not read: that day's figures came from the cache.
    assert again.renders.completed == first.renders.completed + 1
    [usd] = again.money.currencies
    assert (usd.owed, usd.earned) == (Decimal("20.00"), Decimal("33.00"))
