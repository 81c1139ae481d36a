"""Seeding for bench_scale: one program of a large size, written with bulk inserts.

For `testers` T, every other count scales with it: 20 cohorts, 5T API tokens, 10T generations
(T/10 queued; one tester holds T/2 of them), 2T share requests, 5 feedback forms with T
responses each (5T responses, 25T answers), 20T ledger entries, 10T audit records, T
invitations, T/10 time logs, T/20 bug reports and applications, two agreement versions (the
newest accepted by one tester only), an open payout period and a closed one whose batch holds
one payout line per tester.
Ledger and audit rows go in through a plain QuerySet: their managers refuse bulk writes, which
matters for the app, not for a seeded bench (the audit chain's hashes are placeholders).
"""

from datetime import timedelta
from decimal import Decimal

BATCH = 5000
SLUG = "scale"


def bulk(model, rows, *, plain=False):
    """bulk_create in batches; `plain` bypasses a manager that refuses bulk writes."""
    from django.db.models import QuerySet

    objects = QuerySet(model) if plain else model.objects
    created = []
    rows = list(rows)
    for start in range(0, len(rows), BATCH):
        created += objects.bulk_create(rows[start : start + BATCH])
    return created


def seed(testers: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db.models import Max
    from django.utils import timezone

    from accessprogram.access import tokens
    from accessprogram.access.models import ApiToken
    from accessprogram.access.services import issue_token
    from accessprogram.audit.models import AuditChain, AuditRecord, chain_for
    from accessprogram.compensation.models import LedgerEntry, PayoutPeriod, TimeLog
    from accessprogram.feedback.models import (
        Answer,
        BugReport,
        FeedbackForm,
        FormResponse,
        Question,
    )
    from accessprogram.programs.models import (
        Agreement,
        AgreementAcceptance,
        Application,
        Cohort,
        Invitation,
        Membership,
        Program,
    )
    from generation.models import Generation
    from review.models import ReviewDecision, ShareLink, ShareRequest

    now = timezone.now()
    T = testers
    User = get_user_model()
    program = Program.objects.create(name="Scale program", slug=SLUG)
    admin = User.objects.create(username="admin", email="admin@example.com", password="!")
    Membership.objects.create(user=admin, program=program, role=Membership.Role.ADMIN)
    cohorts = bulk(Cohort, (Cohort(program=program, name=f"Wave {i:02d}") for i in range(20)))
    users = bulk(
        User,
        (User(username=f"t{i}", email=f"t{i}@example.com", password="!") for i in range(T)),
    )
    members = bulk(
        Membership,
        (Membership(user=u, program=program, cohort=cohorts[i % 20]) for i, u in enumerate(users)),
    )
    portal = members[0]  # the tester whose portal pages are fetched: T/2 generations
    v1, v2 = (
        Agreement.objects.create(
            program=program, version=v, text=f"v{v}", published_at=now, required_from=now
        )
        for v in (1, 2)
    )
    bulk(AgreementAcceptance, (AgreementAcceptance(user=u, agreement=v1) for u in users))
    AgreementAcceptance.objects.create(user=portal.user, agreement=v2)

    secret = issue_token(membership=portal, name="bench").secret
    bulk(
        ApiToken,
        (
            ApiToken(
                membership=members[i % T],
                name=f"t{i}",
                display_prefix=tokens.display_prefix(s := tokens.generate()),
                digest=tokens.digest(s),
            )
            for i in range(5 * T - 1)
        ),
    )

    def generation(i, tester, status):
        done = status == Generation.Status.COMPLETED
        return Generation(
            tester=tester.user,
            program=program,
            prompt=f"a lighthouse in fog, take {i}",
            seed=i,
            status=status,
            created_at=now - timedelta(minutes=i % 50_000),
            completed_at=now - timedelta(minutes=i % 50_000) if done else None,
        )

    queued, own = T // 10, T // 2
    rows = []
    for i in range(10 * T):
        tester = portal if i < own else members[i % T]
        status = Generation.Status.QUEUED if i >= 10 * T - queued else Generation.Status.COMPLETED
        rows.append(generation(i, tester, status))
    generations = bulk(Generation, rows)

    shared = generations[: 2 * T]  # the portal tester's own come first: they share too
    states = [
        ShareRequest.Status.PENDING,
        ShareRequest.Status.APPROVED,
        ShareRequest.Status.REJECTED,
    ]
    requests = bulk(
        ShareRequest,
        (
            ShareRequest(
                generation=g,
                requested_by_id=g.tester_id,
                program=program,
                intended_use="portfolio",
                destination="site",
                status=states[i % 3],
                created_at=now - timedelta(hours=1 + i % 200),
                decided_at=None if i % 3 == 0 else now - timedelta(hours=i % 100),
            )
            for i, g in enumerate(shared)
        ),
    )
    decided = [r for r in requests if r.status != ShareRequest.Status.PENDING]
    bulk(
        ReviewDecision,
        (
            ReviewDecision(
                share_request=r,
                reviewer=admin,
                outcome="approve" if r.status == ShareRequest.Status.APPROVED else "reject",
                reason_code="" if r.status == ShareRequest.Status.APPROVED else "quality",
                created_at=r.decided_at,
            )
            for r in decided
        ),
    )
    bulk(
        ShareLink,
        (ShareLink(share_request=r) for r in decided if r.status == ShareRequest.Status.APPROVED),
    )

    forms = bulk(
        FeedbackForm,
        (
            FeedbackForm(
                program=program,
                title=f"Week {i}",
                opens_at=now - timedelta(days=7),
                closes_at=now + timedelta(days=7),
                status=FeedbackForm.Status.PUBLISHED,
                published_at=now,
                created_by=admin,
            )
            for i in range(5)
        ),
    )
    kinds = [
        (Question.Kind.RATING, []),
        (Question.Kind.SINGLE, ["4 s", "8 s", "12 s"]),
        (Question.Kind.MULTIPLE, ["motion", "faces", "text"]),
        (Question.Kind.SHORT, []),
        (Question.Kind.LONG, []),
    ]
    questions = bulk(
        Question,
        (
            Question(form=f, position=p, kind=k, label=f"Q{p} {k}", options=o)
            for f in forms
            for p, (k, o) in enumerate(kinds)
        ),
    )
    for form_index, form in enumerate(forms):
        responses = bulk(
            FormResponse, (FormResponse(form=form, membership=m, completed_at=now) for m in members)
        )
        values = [
            lambda i: 1 + i % 5,
            lambda i: ["4 s", "8 s", "12 s"][i % 3],
            lambda i: [["motion"], ["motion", "faces"], []][i % 3],
            lambda i: f"word {i}",
            lambda i: f"A longer remark about take {i}, what worked and what did not.",
        ]
        own_questions = questions[form_index * 5 : form_index * 5 + 5]
        bulk(
            Answer,
            (
                Answer(response=r, question=q, value=value(i))
                for i, r in enumerate(responses)
                for q, value in zip(own_questions, values, strict=True)
            ),
        )

    kinds_paid = [LedgerEntry.Kind.AWARD_FORM, LedgerEntry.Kind.AWARD_BUG, LedgerEntry.Kind.PAYOUT]
    bulk(
        LedgerEntry,
        (
            LedgerEntry(
                membership=portal if i < 500 else members[i % T],
                program=program,
                kind=kinds_paid[i % 3],
                amount=Decimal("-5.00") if i % 3 == 2 else Decimal("12.50"),
                currency=["USD", "EUR"][i % 2],
                idempotency_key=f"seed-{i}",
                created_at=now - timedelta(days=i % 400),
            )
            for i in range(20 * T)
        ),
        plain=True,
    )
    chain = chain_for(program.slug)  # issuing the token above wrote (and linked) real records
    written = AuditRecord.objects.filter(chain=chain).aggregate(n=Max("sequence"))["n"] or 0
    bulk(
        AuditRecord,
        (
            AuditRecord(
                chain=chain,
                sequence=written + i + 1,
                occurred_at=now - timedelta(seconds=10 * T - i),
                actor=admin,
                action="token.issued",
                target_type="api_token",
                target_id=str(i),
                prev_hash="0" * 64,
                hash="0" * 64,
            )
            for i in range(10 * T)
        ),
        plain=True,
    )
    AuditChain.objects.update_or_create(
        key=chain, defaults={"sequence": written + 10 * T, "hash": "0" * 64}
    )

    invite_states = list(Invitation.Status)
    bulk(
        Invitation,
        (
            Invitation(
                program=program,
                cohort=cohorts[i % 20],
                email=f"guest{i}@example.com",
                digest=f"{i:064d}",
                status=invite_states[i % len(invite_states)],
                expires_at=now + timedelta(days=7 - i % 14),
            )
            for i in range(T)
        ),
    )
    bulk(
        TimeLog,
        (
            TimeLog(
                membership=portal if i < 30 else members[i % T],
                started_at=now - timedelta(days=i % 60, hours=2),
                minutes=90,
                description="long prompts",
            )
            for i in range(max(T // 10, 30))
        ),
    )
    bugs = bulk(
        BugReport,
        (
            BugReport(
                program=program,
                membership=members[i % T],
                reporter=members[i % T].user,
                title=f"Bug {i}",
                steps="s",
                expected="e",
                actual="a",
            )
            for i in range(T // 20)
        ),
    )
    bulk(
        Application,
        (
            Application(program=program, name=f"Applicant {i}", email=f"a{i}@example.com")
            for i in range(T // 20)
        ),
    )
    first_day = now.date().replace(day=1)
    period = PayoutPeriod.objects.create(
        program=program, start=first_day, end=first_day + timedelta(days=27)
    )
    closed = seed_closed_period(program, admin, members, before=first_day, now=now)
    return {
        "program": program,
        "admin": admin,
        "portal": portal,
        "secret": secret,
        "form": forms[0],
        "bug": bugs[0],
        "request": decided[0],
        "generation": generations[0],
        "period": period,
        "closed_period": closed,
    }


def seed_closed_period(program, admin, members, *, before, now):
    """Last month, closed, with a payout batch of one line per tester (some paid, some failed):
    the period page a finance officer opens after a close."""
    from accessprogram.compensation.models import Payout, PayoutBatch, PayoutPeriod

    end = before - timedelta(days=1)
    period = PayoutPeriod.objects.create(
        program=program,
        start=end.replace(day=1),
        end=end,
        status=PayoutPeriod.Status.CLOSED,
        closed_at=now,
        closed_by=admin,
    )
    batch = PayoutBatch.objects.create(period=period, created_by=admin)
    statuses = [Payout.Status.PENDING, Payout.Status.PAID, Payout.Status.FAILED]
    bulk(
        Payout,
        (
            Payout(
                batch=batch,
                membership=m,
                currency=["USD", "EUR"][i % 2],
                amount=Decimal("25.00") + i % 7,
                status=statuses[i % 3],
                provider_reference=f"PP-{i}" if i % 3 == 1 else "",
                failure_reason="account closed" if i % 3 == 2 else "",
                decided_at=None if i % 3 == 0 else now,
                decided_by=None if i % 3 == 0 else admin,
            )
            for i, m in enumerate(members)
        ),
    )
    return period


def load() -> dict:
    """What seed returned, read back from a database seeded by an earlier run (--reuse). A
    token's secret is kept nowhere, so the seeded "bench" token gets a new one (issuing another
    would pass the tester's token limit)."""
    from django.contrib.auth import get_user_model

    from accessprogram.access import tokens
    from accessprogram.access.models import ApiToken
    from accessprogram.compensation.models import PayoutPeriod
    from accessprogram.feedback.models import BugReport, FeedbackForm
    from accessprogram.programs.models import Membership, Program
    from generation.models import Generation
    from review.models import ShareRequest

    program = Program.objects.get(slug=SLUG)
    portal = Membership.objects.select_related("user").get(program=program, user__username="t0")
    periods = PayoutPeriod.objects.filter(program=program)
    secret = tokens.generate()
    ApiToken.objects.filter(membership=portal, name="bench").update(
        display_prefix=tokens.display_prefix(secret), digest=tokens.digest(secret)
    )
    return {
        "program": program,
        "admin": get_user_model().objects.get(username="admin"),
        "portal": portal,
        "secret": secret,
        "form": FeedbackForm.objects.filter(program=program).earliest("pk"),
        "bug": BugReport.objects.filter(program=program).earliest("pk"),
        "request": ShareRequest.objects.filter(program=program)
        .exclude(status=ShareRequest.Status.PENDING)
        .earliest("pk"),
        "generation": Generation.objects.filter(program=program).earliest("pk"),
        "period": periods.get(status=PayoutPeriod.Status.OPEN),
        "closed_period": periods.get(status=PayoutPeriod.Status.CLOSED),
    }


def seeded_testers() -> int:
    """Testers of the seeded program; 0 when the database holds none (seed it)."""
    from accessprogram.programs.models import Membership

    return Membership.objects.filter(program__slug=SLUG, role=Membership.Role.TESTER).count()
