"""The tester's earnings page, time logs and statements, through the test client."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accessprogram.compensation.models import LedgerEntry, PayoutPeriod, TimeLog
from accessprogram.compensation.payouts import close_period, open_period
from accessprogram.compensation.services import award, award_for_bug, award_for_form
from factories import GenerationFactory, MembershipFactory

EARNINGS = reverse("compensation:earnings")


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(EARNINGS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_shows_balance_entries_and_history(tester_client, tester, rate_card):
    award_for_form(membership=tester, response_id=7, form_title="Motion quality survey")
    award_for_bug(membership=tester, bug_id=3, severity="high", title="Flicker at 24 fps")
    other = MembershipFactory(program=tester.program)
    award_for_form(membership=other, response_id=8, form_title="Someone else's form")

    response = tester_client.get(EARNINGS)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="balance-USD">45.00 USD<' in page
    assert 'data-testid="period-USD">45.00 USD<' in page
    assert "Feedback form completed: Motion quality survey" in page
    assert "Bug confirmed (high): Flicker at 24 fps" in page
    assert "Someone else" not in page
    month = timezone.now().strftime("%b %y")
    assert f'<th scope="row">{month}</th><td>45.00</td>' in page  # the chart's data table
    assert f'id="earnings-{tester.pk}-usd-title"' in page


def test_logging_a_session(tester_client, tester):
    started = (timezone.now() - datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = tester_client.post(
        EARNINGS,
        {
            "membership": tester.pk,
            "started_at": started,
            "minutes": "90",
            "description": "Camera moves",
        },
    )
    assert response.status_code == 302
    log = TimeLog.objects.get()
    assert (log.membership, log.minutes, log.status) == (tester, 90, "pending")
    page = tester_client.get(EARNINGS).content.decode()
    assert "Camera moves" in page and "Pending" in page


@pytest.mark.parametrize(
    ("minutes", "hours_ago", "message"),
    [
        ("0", 3, "A session lasts from 1 minute up to 24 hours."),
        ("1441", 30, "A session lasts from 1 minute up to 24 hours."),
        ("-5", 3, "A session lasts from 1 minute up to 24 hours."),
        ("ninety", 3, "Enter a whole number."),
        ("60", -5, "A session cannot start in the future."),
    ],
)
def test_bad_sessions_are_refused_and_nothing_is_written(
    tester_client, tester, minutes, hours_ago, message
):
    started = (timezone.now() - datetime.timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")
    response = tester_client.post(
        EARNINGS,
        {"membership": tester.pk, "started_at": started, "minutes": minutes, "description": "x"},
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not TimeLog.objects.exists()


def test_a_tester_cannot_log_time_in_someone_elses_program(tester_client, tester):
    elsewhere = MembershipFactory()
    started = (timezone.now() - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = tester_client.post(
        EARNINGS,
        {"membership": elsewhere.pk, "started_at": started, "minutes": "30", "description": "x"},
    )
    assert response.status_code == 422
    assert not TimeLog.objects.exists()


def test_activity_is_shown_beside_a_logged_session(tester_client, tester):
    started = timezone.now() - datetime.timedelta(hours=2)
    TimeLog.objects.create(
        membership=tester, started_at=started, minutes=60, description="Prompt adherence"
    )
    user, program = tester.user, tester.program
    GenerationFactory(
        tester=user, program=program, created_at=started + datetime.timedelta(minutes=5)
    )
    GenerationFactory(
        tester=user, program=program, created_at=started + datetime.timedelta(minutes=50)
    )
    GenerationFactory(
        tester=user, program=program, created_at=started + datetime.timedelta(minutes=70)
    )
    page = tester_client.get(EARNINGS).content.decode()
    assert "Generations made: 2" in page


@pytest.fixture
def closed_period(program, tester, staff, clock, today):
    with clock(
        datetime.datetime.combine(
            today - datetime.timedelta(days=2), datetime.time(9), tzinfo=datetime.UTC
        )
    ):
        award(
            membership=tester,
            kind=LedgerEntry.Kind.AWARD_FORM,
            amount="12.50",
            currency="USD",
            idempotency_key="mine",
            memo="Survey on motion",
        )
    period = open_period(
        program=program,
        start=today - datetime.timedelta(days=7),
        end=today - datetime.timedelta(days=1),
        minimum_hourly_rate=0,
        actor=staff,
    )
    close_period(period=period, actor=staff)
    return period


def test_the_tester_opens_their_statement(tester_client, closed_period, tester):
    page = tester_client.get(EARNINGS).content.decode()
    url = reverse("compensation:statement", args=[closed_period.pk])
    assert url in page
    response = tester_client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Survey on motion" in content
    assert 'data-testid="closing-USD">12.50 USD<' in content
    csv_response = tester_client.get(reverse("compensation:statement-csv", args=[closed_period.pk]))
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in csv_response["Content-Disposition"]
    lines = csv_response.content.decode().splitlines()
    assert lines[0] == "date,entry,kind,description,currency,amount,balance"
    assert lines[-1] == f"{closed_period.end},,closing_balance,Closing balance,USD,12.50,12.50"


def test_a_tester_sees_only_their_own_statement(client, closed_period, program):
    other = MembershipFactory(program=program)
    client.force_login(other.user)
    response = client.get(reverse("compensation:statement", args=[closed_period.pk]))
    assert response.status_code == 200
    assert "Survey on motion" not in response.content.decode()
    assert other.user.email in response.content.decode()

    stranger = MembershipFactory()  # a tester of another program
    client.force_login(stranger.user)
    for name in ("compensation:statement", "compensation:statement-csv"):
        assert client.get(reverse(name, args=[closed_period.pk])).status_code == 404
    missing = PayoutPeriod.objects.order_by("-pk").first().pk + 1
    assert client.get(reverse("compensation:statement", args=[missing])).status_code == 404


def test_balances_drop_by_what_was_paid(tester_client, closed_period, tester, staff):
    from accessprogram.compensation.payouts import mark_payout_paid

    line = closed_period.batch.lines.get()
    mark_payout_paid(line=line, provider_reference="PP-1", actor=staff)
    page = tester_client.get(EARNINGS).content.decode()
    assert 'data-testid="balance-USD">0.00 USD<' in page
    assert "Paid" in page and Decimal("12.50") == line.amount
