"""Finance pages send as many queries at 100 rows as at 10: the period page pages its payout
lines and sums them in the database; the time logs page counts the platform activity of a
whole page of sessions, of many testers, in one query per counter."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from query_counts import assert_flat

from accessprogram.compensation.models import Payout, PayoutBatch, PayoutPeriod, TimeLog
from factories import GenerationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
serial = itertools.count()


@pytest.fixture
def console(client, finance):
    client.force_login(finance.user)
    return client


@pytest.fixture
def closed_batch(program, finance, today):
    end = today - datetime.timedelta(days=1)
    period = PayoutPeriod.objects.create(
        program=program,
        start=end - datetime.timedelta(days=6),
        end=end,
        status=PayoutPeriod.Status.CLOSED,
        closed_at=timezone.now(),
    )
    return PayoutBatch.objects.create(period=period)


def add_lines(batch, n):
    """n testers paid in the batch: one line each, every third one paid, every other in EUR."""
    for _ in range(n):
        i = next(serial)
        paid = i % 3 == 0
        Payout.objects.create(
            batch=batch,
            membership=MembershipFactory(program=batch.period.program),
            currency=["USD", "EUR"][i % 2],
            amount=Decimal("10.00"),
            status=Payout.Status.PAID if paid else Payout.Status.PENDING,
            provider_reference="PP-1" if paid else "",
            decided_at=timezone.now() if paid else None,
        )


def period_url(batch):
    return reverse("console:finance-period", args=[batch.period.program.slug, batch.period_id])


def test_closed_period_page(console, closed_batch):
    assert_flat(console, period_url(closed_batch), lambda n: add_lines(closed_batch, n))


def test_period_totals_count_every_line_not_the_page(console, closed_batch):
    add_lines(closed_batch, 100)  # two pages of lines
    paid = {
        currency: sum(1 for line in closed_batch.lines.filter(currency=currency, status="paid"))
        for currency in ("USD", "EUR")
    }
    page = console.get(period_url(closed_batch))
    assert page.context["totals"] == [
        ("EUR", {"all": Decimal("500.00"), "paid": Decimal(10 * paid["EUR"])}),
        ("USD", {"all": Decimal("500.00"), "paid": Decimal(10 * paid["USD"])}),
    ]
    assert len(page.context["lines"]) == 50
    assert page.context["lines"].paginator.count == 100
    second = console.get(period_url(closed_batch), {"page": 2})
    first_ids = {line.pk for line in page.context["lines"]}
    assert first_ids.isdisjoint(line.pk for line in second.context["lines"])


def test_statements_are_found_by_a_tester_search(console, closed_batch, program):
    wanted = MembershipFactory(program=program, user=UserFactory(email="ada@example.com"))
    MembershipFactory(program=program, user=UserFactory(email="bob@example.com"))
    url = period_url(closed_batch)
    assert console.get(url).context["testers"] == []  # no list of every tester
    found = console.get(url, {"tester": "ADA@"})
    assert found.context["testers"] == [wanted]
    statement = reverse(
        "console:finance-statement", args=[program.slug, closed_batch.period_id, wanted.pk]
    )
    assert statement in found.content.decode()


def add_pending_logs(program, n):
    """n pending time logs, each of a different tester who made one generation in it."""
    started = timezone.now() - datetime.timedelta(hours=3)
    for _ in range(n):
        membership = MembershipFactory(program=program)
        TimeLog.objects.create(
            membership=membership, started_at=started, minutes=60, description="long prompts"
        )
        generation = GenerationFactory(program=program, tester=membership.user)
        generation.created_at = started + datetime.timedelta(minutes=10)
        generation.save(update_fields=["created_at"])


def test_time_logs_page(console, program):
    url = reverse("console:finance-time-logs", args=[program.slug])
    assert_flat(console, url, lambda n: add_pending_logs(program, n))


def test_each_log_shows_its_own_testers_activity(console, program):
    add_pending_logs(program, 3)
    busy = TimeLog.objects.order_by("pk").first()
    for _ in range(2):
        extra = GenerationFactory(program=program, tester=busy.membership.user)
        extra.created_at = busy.started_at + datetime.timedelta(minutes=20)
        extra.save(update_fields=["created_at"])
    page = console.get(reverse("console:finance-time-logs", args=[program.slug]))
    generations = {
        log.pk: {a.label: a.count for a in activity}["Generations made"]
        for log, activity in page.context["pending"]
    }
    assert generations == {log.pk: 3 if log.pk == busy.pk else 1 for log in TimeLog.objects.all()}
