"""The finance console through the test client: scoping, forms, close, payouts, reversals."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accessprogram.audit.models import AuditRecord
from accessprogram.compensation.models import (
    LedgerEntry,
    Payout,
    PayoutPeriod,
    RateCard,
    TimeLog,
)
from accessprogram.compensation.payouts import close_period, open_period
from accessprogram.compensation.services import award
from accessprogram.programs.models import Membership
from factories import GenerationFactory, MembershipFactory


def url(name, program, *args):
    return reverse(f"console:{name}", args=[program.slug, *args])


@pytest.fixture
def console(client, finance):
    client.force_login(finance.user)
    return client


RATES = {
    "currency": "EUR",
    "per_form_completed": "5.00",
    "per_bug_low": "1.00",
    "per_bug_medium": "2.00",
    "per_bug_high": "3.00",
    "per_bug_critical": "4.00",
    "per_hour": "25.00",
    "monthly_stipend": "100.00",
    "licence_fee": "300.00",
}


@pytest.fixture
def period(program, tester, finance, clock, today):
    with clock(
        datetime.datetime.combine(
            today - datetime.timedelta(days=3), datetime.time(10), tzinfo=datetime.UTC
        )
    ):
        award(
            membership=tester,
            kind=LedgerEntry.Kind.AWARD_BUG,
            amount="80.00",
            currency="USD",
            idempotency_key="bug:1",
        )
    return open_period(
        program=program,
        start=today - datetime.timedelta(days=7),
        end=today - datetime.timedelta(days=1),
        minimum_hourly_rate=0,
        actor=finance.user,
    )


def test_only_finance_and_admins_of_the_program_get_in(client, program, tester, period):
    pages = [
        url("finance-program", program),
        url("finance-rate-cards", program),
        url("finance-time-logs", program),
        url("finance-periods", program),
        url("finance-period", program, period.pk),
        url("finance-statement", program, period.pk, tester.pk),
        url("finance-ledger", program),
    ]
    for role in (Membership.Role.FINANCE, Membership.Role.ADMIN):
        client.force_login(MembershipFactory(program=program, role=role).user)
        assert [client.get(page).status_code for page in pages] == [200] * len(pages)
    outsiders = [
        tester.user,
        MembershipFactory(program=program, role=Membership.Role.REVIEWER).user,
        MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER).user,
        MembershipFactory(role=Membership.Role.FINANCE).user,  # finance of another program
    ]
    for user in outsiders:
        client.force_login(user)
        assert [client.get(page).status_code for page in pages] == [404] * len(pages)
        assert client.post(url("finance-period-close", program, period.pk)).status_code == 404
        home = client.get(reverse("console:finance"))
        if user == outsiders[-1]:  # their own program's finance, not this one
            assert home["Location"] != url("finance-program", program)
        else:
            assert home.status_code == 404
    period.refresh_from_db()
    assert not period.is_closed


def test_publishing_a_rate_card(console, program):
    response = console.post(url("finance-rate-cards", program), RATES)
    assert response.status_code == 302
    card = RateCard.objects.get()
    assert (card.version, card.currency, card.per_hour, card.licence_fee) == (
        1,
        "EUR",
        Decimal("25.00"),
        Decimal("300.00"),
    )
    assert AuditRecord.objects.filter(action="compensation.rate_card.publish").count() == 1
    page = console.get(url("finance-rate-cards", program)).content.decode()
    assert "in effect" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"per_hour": "-1.00"}, "Ensure this value is greater than or equal to 0."),
        ({"currency": "CAD"}, "Select a valid choice. CAD is not one of the available choices."),
        ({"per_form_completed": "1.005"}, "Ensure that there are no more than 2 decimal places."),
        ({"monthly_stipend": "lots"}, "Enter a number."),
    ],
)
def test_bad_rates_are_form_errors_and_write_nothing(console, program, change, message):
    response = console.post(url("finance-rate-cards", program), {**RATES, **change})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not RateCard.objects.exists()
    assert not AuditRecord.objects.filter(action="compensation.rate_card.publish").exists()


def test_opening_periods_and_refusing_overlaps(console, program, today):
    data = {
        "start": f"{today}",
        "end": f"{today + datetime.timedelta(days=6)}",
        "minimum_hourly_rate": "20.00",
    }
    assert console.post(url("finance-periods", program), data).status_code == 302
    period = PayoutPeriod.objects.get()
    assert period.minimum_hourly_rate == Decimal("20.00")
    overlapping = {
        **data,
        "start": f"{today + datetime.timedelta(days=3)}",
        "end": f"{today + datetime.timedelta(days=9)}",
    }
    response = console.post(url("finance-periods", program), overlapping)
    assert response.status_code == 422
    assert "periods cannot overlap" in response.content.decode()
    negative = {
        **data,
        "start": f"{today + datetime.timedelta(days=20)}",
        "end": f"{today + datetime.timedelta(days=21)}",
        "minimum_hourly_rate": "-3",
    }
    assert console.post(url("finance-periods", program), negative).status_code == 422
    assert PayoutPeriod.objects.count() == 1


def test_close_pay_and_download(
    console, program, tester, period, finance, eager_celery, django_capture_on_commit_callbacks
):
    unconfirmed = console.post(url("finance-period-close", program, period.pk), follow=True)
    assert "tick the confirmation" in unconfirmed.content.decode()
    assert not Payout.objects.exists()
    # The close is queued; its task runs once the request commits (here, inline).
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(url("finance-period-close", program, period.pk), {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == url("finance-period", program, period.pk)
    page = console.get(response["Location"]).content.decode()
    assert "Closed: 1 payout lines." in page
    line = Payout.objects.get()
    assert (line.membership, line.amount, line.currency) == (tester, Decimal("80.00"), "USD")

    download = console.get(url("finance-period-csv", program, period.pk))
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == (
        f'attachment; filename="payouts-{program.slug}-{period.start}-{period.end}.csv"'
    )
    user = tester.user
    assert download.content.decode() == (
        "recipient_email,name,amount,currency,reference,note\r\n"
        f"{user.email},{user.username},80.00,USD,{line.reference},"
        f"{program.name}: earnings {period.start} to {period.end}\r\n"
    )

    again = console.post(
        url("finance-period-close", program, period.pk), {"confirm": "on"}, follow=True
    )
    assert "is already closed" in again.content.decode()

    paid = console.post(
        url("finance-payout", program, line.pk, "paid"),
        {"provider_reference": "PP-42"},
        follow=True,
    )
    assert f"{line.reference} is paid: 80.00 USD." in paid.content.decode()
    twice = console.post(url("finance-payout", program, line.pk, "paid"), follow=True)
    assert "is already paid" in twice.content.decode()
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PAYOUT).count() == 1
    assert console.get(url("finance-period", program, period.pk)).status_code == 200


def test_a_failed_payout_needs_a_reason(console, program, period, finance):
    close_period(period=period, actor=finance.user)
    line = Payout.objects.get()
    response = console.post(
        url("finance-payout", program, line.pk, "failed"), {"reason": ""}, follow=True
    )
    assert "Say why the payout failed." in response.content.decode()
    line.refresh_from_db()
    assert line.status == "pending"
    console.post(url("finance-payout", program, line.pk, "failed"), {"reason": "Account closed"})
    line.refresh_from_db()
    assert (line.status, line.failure_reason) == ("failed", "Account closed")
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PAYOUT).exists()
    assert console.post(url("finance-payout", program, line.pk, "bogus")).status_code == 404


def test_finance_sees_any_statement_of_their_program(console, program, tester, period):
    other_program_tester = MembershipFactory()
    response = console.get(url("finance-statement", program, period.pk, tester.pk))
    assert response.status_code == 200
    assert 'data-testid="closing-USD">80.00 USD<' in response.content.decode()
    csv = console.get(url("finance-statement-csv", program, period.pk, tester.pk))
    assert csv.content.decode().splitlines()[-1].endswith(",80.00,80.00")
    assert (
        console.get(
            url("finance-statement", program, period.pk, other_program_tester.pk)
        ).status_code
        == 404
    )


def test_time_logs_with_evidence_approve_and_reject(console, program, tester, old_rates):
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=5)
    approve_me = TimeLog.objects.create(
        membership=tester, started_at=start, minutes=60, description="Lighting"
    )
    reject_me = TimeLog.objects.create(
        membership=tester,
        started_at=start + datetime.timedelta(hours=2),
        minutes=30,
        description="Nothing",
    )
    GenerationFactory(
        tester=tester.user, program=program, created_at=start + datetime.timedelta(minutes=10)
    )
    page = console.get(url("finance-time-logs", program)).content.decode()
    assert page.count("Generations made: <strong>1</strong>") == 1
    assert page.count("Generations made: <strong>0</strong>") == 1
    assert page.count("Feedback forms answered: <strong>0</strong>") == 2
    assert page.count("Bug reports filed: <strong>0</strong>") == 2

    console.post(url("finance-time-log-decide", program, approve_me.pk, "approve"))
    assert LedgerEntry.objects.get(kind="award_hours").amount == Decimal("30.00")
    no_reason = console.post(
        url("finance-time-log-decide", program, reject_me.pk, "reject"), {"reason": ""}, follow=True
    )
    assert "Say why the time log is rejected." in no_reason.content.decode()
    console.post(
        url("finance-time-log-decide", program, reject_me.pk, "reject"), {"reason": "No activity"}
    )
    reject_me.refresh_from_db()
    assert (reject_me.status, reject_me.decision_reason) == ("rejected", "No activity")


def test_reversing_an_entry_needs_a_reason(console, program, tester):
    entry = award(
        membership=tester, kind="award_form", amount="9.00", currency="USD", idempotency_key="f"
    )
    console.post(url("finance-reverse", program, entry.pk), {"reason": ""})
    assert not LedgerEntry.objects.filter(kind="reversal").exists()
    response = console.post(
        url("finance-reverse", program, entry.pk), {"reason": "Spam"}, follow=True
    )
    reversal = LedgerEntry.objects.get(kind="reversal")
    assert reversal.amount == Decimal("-9.00") and reversal.memo == "Spam"
    assert f"Entry #{entry.pk} is reversed by #{reversal.pk}." in response.content.decode()
    foreign = award(
        membership=MembershipFactory(),
        kind="award_form",
        amount="1.00",
        currency="USD",
        idempotency_key="g",
    )
    assert (
        console.post(url("finance-reverse", program, foreign.pk), {"reason": "x"}).status_code
        == 404
    )


def test_the_stipend_button(
    console, program, tester, eager_celery, django_capture_on_commit_callbacks
):
    from accessprogram.compensation.rules import previous_month
    from accessprogram.compensation.services import publish_rate_card

    Membership.objects.filter(pk=tester.pk).update(
        joined_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    publish_rate_card(
        program=program,
        currency="USD",
        effective_from=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        monthly_stipend="75.00",
    )
    month = previous_month()
    with django_capture_on_commit_callbacks(execute=True):
        console.post(url("finance-program", program), {"month": f"{month:%Y-%m}"})
    response = console.get(url("finance-program", program))
    assert f"Stipends for {month:%B %Y}: 1 paid now (75.00 USD each), 0 paid before." in (
        response.content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        console.post(url("finance-program", program), {"month": f"{month:%Y-%m}"})
    assert LedgerEntry.objects.filter(kind="stipend").count() == 1
    this_month = datetime.date.today().replace(day=1)
    bad = console.post(url("finance-program", program), {"month": f"{this_month:%Y-%m}"})
    assert bad.status_code == 422
    assert "Stipends are paid once the month is over." in bad.content.decode()


@pytest.fixture
def old_rates(program):
    from accessprogram.compensation.services import publish_rate_card

    return publish_rate_card(
        program=program,
        currency="USD",
        effective_from=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        per_hour="30.00",
    )


def test_the_console_dashboard_links_to_finance(console, program):
    assert reverse("console:finance") in console.get(reverse("console:dashboard")).content.decode()
    response = console.get(reverse("console:finance"))  # one program: straight to it
    assert response["Location"] == url("finance-program", program)
