"""`manage.py seed_demo` seeds money: a closed period with a paid batch and statements, an open
period, time logs; and a re-run writes none of it twice."""

from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from accessprogram.compensation.models import LedgerEntry, Payout, PayoutPeriod, TimeLog
from accessprogram.compensation.statements import statement_for
from accessprogram.programs.models import Membership


def seed():
    call_command("seed_demo", stdout=StringIO())


def test_a_closed_period_with_a_paid_batch_and_statements(db):
    seed()
    closed = PayoutPeriod.objects.get(status=PayoutPeriod.Status.CLOSED)
    assert PayoutPeriod.objects.filter(status=PayoutPeriod.Status.OPEN).count() == 1
    lines = list(Payout.objects.filter(batch__period=closed))
    assert {line.membership.user.username for line in lines} == {"artist", "artist2"}
    assert all(line.status == Payout.Status.PAID and line.amount > 0 for line in lines)

    artist = Membership.objects.get(user__username="artist")
    sheet = statement_for(membership=artist, period_start=closed.start, period_end=closed.end)
    (eur,) = sheet.currencies
    assert eur.currency == "EUR"
    assert eur.closing == Decimal("50.00")  # two forms and a high bug, earned in that month
    stipend = LedgerEntry.objects.get(membership=artist, kind=LedgerEntry.Kind.STIPEND)
    assert stipend.pays_from == closed.start
    assert set(TimeLog.objects.values_list("status", flat=True)) == {"approved", "pending"}


def test_the_statement_and_finance_pages_show_the_money(client, db):
    seed()
    closed = PayoutPeriod.objects.get(status=PayoutPeriod.Status.CLOSED)
    client.force_login(Membership.objects.get(user__username="artist").user)
    page = client.get(reverse("compensation:statement", args=[closed.pk]))
    assert page.status_code == 200
    assert "50.00" in page.content.decode()

    client.force_login(Membership.objects.get(user__username="finance").user)
    finance = client.get(reverse("console:finance-program", args=["demo"])).content.decode()
    assert 'data-testid="money-EUR"' in finance
    assert "Nothing earned yet" not in finance


def test_a_second_run_writes_no_money_twice(db):
    seed()
    counts = (LedgerEntry.objects.count(), Payout.objects.count(), TimeLog.objects.count())
    seed()
    assert (LedgerEntry.objects.count(), Payout.objects.count(), TimeLog.objects.count()) == counts
