"""The finance page's money summary (SQL aggregates, constant queries), the rate card message
while a card waits to take effect, and a period that has not ended: no close offered, and the
close refused by the service and the queue."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from query_counts import assert_flat

from accessprogram.compensation.background import queue_period_close
from accessprogram.compensation.models import LedgerEntry, PayoutPeriod
from accessprogram.compensation.money import CompensationError
from accessprogram.compensation.payouts import close_period, mark_payout_paid, open_period
from accessprogram.compensation.services import award, publish_rate_card
from accessprogram.compensation.summary import money_summary
from accessprogram.operations.models import BackgroundOperation
from factories import MembershipFactory


@pytest.fixture
def console(client, finance):
    client.force_login(finance.user)
    return client


def program_url(program):
    return reverse("console:finance-program", args=[program.slug])


def give(membership, amount, key, currency="USD", kind=LedgerEntry.Kind.AWARD_FORM):
    return award(
        membership=membership, kind=kind, amount=amount, currency=currency, idempotency_key=key
    )


def test_the_summary_adds_up_earned_paid_and_owed(program, tester, finance, clock, today):
    other = MembershipFactory(program=program)
    long_ago = timezone.now() - datetime.timedelta(days=60)
    with clock(long_ago):
        give(tester, "40.00", "form:1")
        give(other, "10.00", "form:2")
    give(tester, "5.00", "form:3")
    give(tester, "7.50", "form:4", currency="EUR")
    period = open_period(
        program=program,
        start=long_ago.date() - datetime.timedelta(days=1),
        end=long_ago.date() + datetime.timedelta(days=1),
        minimum_hourly_rate=0,
        actor=finance.user,
    )
    batch = close_period(period=period, actor=finance.user)
    first = batch.lines.get(membership=tester)
    mark_payout_paid(line=first, actor=finance.user)

    eur, usd = money_summary(program=program)
    assert (eur.currency, eur.earned, eur.owed, eur.paid) == (
        "EUR",
        Decimal("7.50"),
        Decimal("7.50"),
        0,
    )
    assert usd.earned == Decimal("55.00")
    assert usd.earned_recently == Decimal("5.00")
    assert usd.paid == Decimal("40.00")
    assert usd.owed == Decimal("15.00")
    assert usd.in_batches == Decimal("10.00")  # the other tester's line, not yet paid


def test_the_finance_page_shows_the_summary_in_constant_queries(console, program):
    def grow(n):
        for _ in range(n):
            membership = MembershipFactory(program=program)
            give(membership, "1.00", f"form:{membership.pk}")

    assert_flat(console, program_url(program), grow)
    page = console.get(program_url(program)).content.decode()
    assert 'data-testid="money-USD"' in page
    assert "100.00" in page  # 100 testers given 1.00 each


def test_a_card_not_yet_in_effect_is_shown_not_no_rate_card(console, program, staff):
    starts = timezone.now() + datetime.timedelta(days=2)
    publish_rate_card(
        program=program, currency="USD", effective_from=starts, actor=staff, per_hour=Decimal("20")
    )
    page = console.get(program_url(program)).content.decode()
    assert "No rate card yet" not in page
    assert 'data-testid="upcoming-card"' in page
    assert starts.strftime("%-d %b %Y") in page


def test_a_card_in_effect_is_shown(console, program, rate_card):
    page = console.get(program_url(program)).content.decode()
    assert "No rate card yet" not in page and f"Version {rate_card.version}" in page


@pytest.fixture
def running_period(program, finance, today):
    return open_period(
        program=program,
        start=today - datetime.timedelta(days=6),
        end=today,
        minimum_hourly_rate=0,
        actor=finance.user,
    )


def test_a_period_ending_today_offers_no_close(console, program, running_period):
    periods = console.get(reverse("console:finance-periods", args=[program.slug])).content
    assert b"Close period" not in periods and b"Closable after" in periods
    page = console.get(
        reverse("console:finance-period", args=[program.slug, running_period.pk])
    ).content.decode()
    assert 'data-testid="period-running"' in page
    assert "Close period</button>" not in page


def test_closing_a_running_period_is_refused_everywhere(console, program, finance, running_period):
    with pytest.raises(CompensationError, match="once that day is over"):
        close_period(period=running_period, actor=finance.user)
    with pytest.raises(CompensationError, match="once that day is over"):
        queue_period_close(period=running_period, actor=finance.user)
    response = console.post(
        reverse("console:finance-period-close", args=[program.slug, running_period.pk]),
        {"confirm": "on"},
        follow=True,
    )
    assert "once that day is over" in response.content.decode()
    assert not BackgroundOperation.objects.exists()
    running_period.refresh_from_db()
    assert running_period.status == PayoutPeriod.Status.OPEN


def test_an_ended_period_offers_the_close(console, program, finance, today):
    ended = open_period(
        program=program,
        start=today - datetime.timedelta(days=8),
        end=today - datetime.timedelta(days=1),
        minimum_hourly_rate=0,
        actor=finance.user,
    )
    page = console.get(reverse("console:finance-period", args=[program.slug, ended.pk]))
    assert b"Close period</button>" in page.content
