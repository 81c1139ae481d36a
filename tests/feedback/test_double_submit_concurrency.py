"""Many testers each submitting the same form twice at once: one response and one payment each.

Threads with their own connections. On PostgreSQL the membership row lock serialises a tester's
two submissions (the second edits the first); on SQLite IMMEDIATE transactions do."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accessprogram.compensation.models import LedgerEntry
from accessprogram.compensation.services import publish_rate_card
from accessprogram.feedback import services
from accessprogram.feedback.models import FormResponse
from factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

TESTERS = 6


def test_concurrent_double_submits_pay_each_tester_once(program):
    publish_rate_card(
        program=program,
        currency="USD",
        effective_from=timezone.now() - datetime.timedelta(days=1),
        per_form_completed=Decimal("5.00"),
    )
    now = timezone.now()
    form = services.create_form(
        program=program,
        title="Race",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(hours=1),
    )
    question = services.add_question(form=form, kind="rating", label="Score")
    services.publish_form(form=form)
    testers = [MembershipFactory(program=program) for _ in range(TESTERS)]
    calls = [m for m in testers for _ in range(2)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(calls))

    def run(membership):
        try:
            start.wait()
            services.submit_response(form=form, membership=membership, raw={question.pk: "4"})
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(m,)) for m in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert FormResponse.objects.filter(form=form).count() == TESTERS
    entries = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.AWARD_FORM)
    assert sorted(entries.values_list("membership_id", flat=True)) == sorted(m.pk for m in testers)
