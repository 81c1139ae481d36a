"""The data set of bench_kill_switch_under_load.py, written with bulk inserts: programs of many
testers with tokens, ledger entries and a payout period to close, and a review queue."""

import datetime
from decimal import Decimal

from seeding import pending_share_requests

SHARE_REQUESTS = 5000


def last_month() -> tuple[datetime.date, datetime.date]:
    today = datetime.datetime.now(datetime.UTC).date()
    end = today.replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


def seed_program(slug: str, *, testers: int, cohorts: int, entries: int, staff) -> dict:
    """A program with its testers, ledger, time logs, tokens and last month's open period."""
    from django.contrib.auth import get_user_model
    from django.db import models, transaction

    from accessprogram.access import tokens
    from accessprogram.access.models import ApiToken
    from accessprogram.compensation.models import LedgerEntry, TimeLog
    from accessprogram.compensation.payouts import open_period
    from accessprogram.compensation.services import publish_rate_card
    from accessprogram.programs.models import Cohort, Membership, Program

    User = get_user_model()
    start, end = last_month()
    moment = datetime.datetime.combine(start, datetime.time(12), tzinfo=datetime.UTC)
    long_ago = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    with transaction.atomic():
        program = Program.objects.create(name=f"Program {slug}", slug=slug)
        groups = Cohort.objects.bulk_create(
            Cohort(program=program, name=f"Wave {n}") for n in range(max(cohorts, 1))
        )
        publish_rate_card(
            program=program,
            currency="USD",
            effective_from=long_ago,
            actor=staff,
            per_form_completed="5.00",
            per_hour="20.00",
            monthly_stipend="50.00",
        )
        users = User.objects.bulk_create(
            (
                User(username=f"{slug}-{i}", email=f"{slug}-{i}@example.com", password="!")
                for i in range(testers)
            ),
            batch_size=5000,
        )
        memberships = Membership.objects.bulk_create(
            (
                Membership(user=user, program=program, cohort=groups[i % len(groups)])
                for i, user in enumerate(users)
            ),
            batch_size=5000,
        )
        Membership.objects.filter(program=program).update(joined_at=long_ago)
        TimeLog.objects.bulk_create(
            (
                TimeLog(
                    membership=m,
                    started_at=moment,
                    minutes=60 + i % 240,
                    description="bench",
                    status=TimeLog.Status.APPROVED,
                    decided_at=moment,
                )
                for i, m in enumerate(memberships)
            ),
            batch_size=5000,
        )
        ledger = models.QuerySet(LedgerEntry)  # seeding only: the manager refuses bulk writes

        def rows():
            for i, m in enumerate(memberships):
                for n in range(entries):
                    kind, amount = ("award_bug", "40.00") if n % 7 == 6 else ("award_form", "5.00")
                    yield LedgerEntry(
                        membership=m,
                        program=program,
                        kind=kind,
                        amount=Decimal(amount),
                        currency="USD",
                        idempotency_key=f"bench:{slug}:{i}:{n}",
                        created_at=moment,
                    )

        ledger.bulk_create(rows(), batch_size=5000)
        reversed_ = ledger.filter(program=program, kind="award_bug").order_by("pk")[::10]
        ledger.bulk_create(
            (
                LedgerEntry(
                    membership_id=e.membership_id,
                    program=program,
                    kind="reversal",
                    amount=-e.amount,
                    currency="USD",
                    idempotency_key=f"reversal:{e.pk}",
                    reverses=e,
                    created_at=moment,
                )
                for e in reversed_
            ),
            batch_size=5000,
        )
        secrets = []

        def issue():
            for m in memberships[:200]:
                secret = tokens.generate()
                secrets.append(secret)
                yield ApiToken(
                    membership=m,
                    name="bench",
                    display_prefix=tokens.display_prefix(secret),
                    digest=tokens.digest(secret),
                )

        ApiToken.objects.bulk_create(issue())
    period = open_period(
        program=program, start=start, end=end, minimum_hourly_rate="30.00", actor=staff
    )
    return {"program": program, "period": period, "users": users}


def seed_review_queue(program, *, reviewers: int, testers: list):
    from django.contrib.auth import get_user_model

    from accessprogram.programs.models import Membership

    User = get_user_model()
    people = User.objects.bulk_create(
        User(username=f"reviewer-{i}", email=f"reviewer-{i}@example.com", password="!")
        for i in range(reviewers)
    )
    Membership.objects.bulk_create(
        Membership(user=u, program=program, role=Membership.Role.REVIEWER) for u in people
    )
    pending_share_requests(program=program, testers=testers, count=SHARE_REQUESTS)
    return people
