"""Every page at the scale of a large program: time and queries per page.

    .venv/bin/python bench/bench_scale.py [--testers 10000] [--rounds 3] [--keep]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale  (same command, on PostgreSQL)

Seeds one program with bulk inserts (bulk_create in batches), for `testers` T (10,000 by
default; every other count scales with it): 20 cohorts, 5T API tokens, 10T generations (T/10
queued; one tester holds T/2 of them), 2T share requests, 5 feedback forms with T responses
each (5T responses, 25T answers), 20T ledger entries, 10T audit records, T invitations, T/10
time logs, T/20 bug reports and applications, and two agreement versions (the newest accepted
by one tester only: the console's "not yet accepted" list is every other tester).
Ledger and audit rows go in through a plain QuerySet: their managers refuse bulk writes, which
matters for the app, not for a seeded bench (the audit chain's hashes are placeholders).

Then it fetches every console, review, feedback and portal page and the API list with
django.test.Client (a program admin, force_login, staff MFA not required; a tester for portal
pages; a token for /v1) and prints `page | rows | ms | queries` (ms: median of `rounds`),
the peak RSS growth of a process streaming the feedback responses CSV, and one last line:
`scale: N pages over 300 ms, M pages over 30 queries`.

SQLite in a temp dir by default; with DATABASE_URL naming a PostgreSQL server a throwaway
database is created there and dropped at the end (the role needs CREATEDB).
"""

import argparse
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from bench_auth import create_database, destroy_database, prepare_environment

BATCH = 5000
SLOW_MS = 300
MANY_QUERIES = 30


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--testers", type=int, default=10_000, help="default 10000")
    parser.add_argument("--rounds", type=int, default=3, help="fetches per page (median)")
    parser.add_argument("--keep", action="store_true", help="keep the database and temp dir")
    return parser.parse_args()


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
    from django.utils import timezone

    from accessprogram.access import tokens
    from accessprogram.access.models import ApiToken
    from accessprogram.access.services import issue_token
    from accessprogram.audit.models import AuditChainHead, AuditRecord
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
    program = Program.objects.create(name="Scale program", slug="scale")
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
        Agreement.objects.create(program=program, version=v, text=f"v{v}", published_at=now)
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
    written = AuditRecord.objects.count()  # issuing the token above wrote real records
    bulk(
        AuditRecord,
        (
            AuditRecord(
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
    AuditChainHead.objects.update_or_create(
        defaults={"sequence": written + 10 * T, "hash": "0" * 64}
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
        "invitations": T,
    }


def pages(data: dict, testers: int) -> list[tuple[str, str, str, int]]:
    """(page, client, url, rows it lists or reads) for every page measured."""
    T = testers
    slug = data["program"].slug
    P = f"/console/programs/{slug}"
    F = f"/console/finance/{slug}"
    B = f"/console/feedback/{slug}"
    form = f"{B}/forms/{data['form'].pk}"
    member, period = data["portal"].pk, data["period"].pk
    return [
        ("console dashboard", "admin", "/console/", 10 * T),
        ("console program", "admin", f"{P}/", T),
        ("console member", "admin", f"{P}/members/{member}/", 20),
        ("console agreements", "admin", f"{P}/agreements/", T),
        ("console invitations", "admin", f"{P}/invitations/", T),
        ("console invitations expired", "admin", f"{P}/invitations/?status=expired", T),
        ("console applications", "admin", f"{P}/applications/", T // 20),
        ("console program settings", "admin", f"{P}/settings", 1),
        ("console leaks", "admin", "/console/leaks/", 0),
        ("console audit (not fixed here)", "admin", "/console/audit/", 10 * T),
        ("finance home", "admin", "/console/finance/", 1),
        ("finance program", "admin", f"{F}/", 20 * T),
        ("finance rate cards", "admin", f"{F}/rate-cards/", 0),
        ("finance time logs (not fixed here)", "admin", f"{F}/time-logs/", T // 10),
        ("finance periods (not fixed here)", "admin", f"{F}/periods/", 1),
        ("finance period (not fixed here)", "admin", f"{F}/periods/{period}/", T),
        ("finance ledger", "admin", f"{F}/ledger/", 20 * T),
        ("finance statement", "admin", f"{F}/periods/{period}/statements/{member}/", 500),
        ("feedback index", "admin", "/console/feedback/", 5 * T),
        ("feedback program", "admin", f"{B}/", 5 * T),
        ("feedback form edit", "admin", f"{form}/", 5),
        ("feedback results", "admin", f"{form}/results", T),
        ("feedback responses CSV", "admin", f"{form}/responses.csv", T),
        ("feedback bugs", "admin", f"{B}/bugs/", T // 20),
        ("feedback bug", "admin", f"{B}/bugs/{data['bug'].pk}/", 1),
        ("review SLA", "admin", "/console/review/", 2 * T),
        ("review trace", "admin", "/console/review/trace/", 0),
        ("review queue", "admin", "/review/", 2 * T // 3),
        ("review request", "admin", f"/review/requests/{data['request'].pk}/", 1),
        ("portal home", "tester", "/", T // 2),
        ("portal video", "tester", f"/videos/{data['generation'].public_id}/", 1),
        ("portal my share requests", "tester", "/review/mine/", 2 * T),
        ("portal notifications", "tester", "/review/notifications/", 0),
        ("portal feedback", "tester", "/feedback/", 5),
        ("portal feedback form", "tester", f"/feedback/forms/{data['form'].pk}/", 5),
        ("portal earnings", "tester", "/earnings/", 500),
        ("portal tokens", "tester", "/tokens/", 5),
        ("portal account", "tester", "/account/", 1),
        ("portal agreements", "tester", "/agreements/", 2),
        ("api /v1/videos list", "api", "/v1/videos", T // 2),
    ]


def measure(client, url: str, rounds: int) -> tuple[int, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, status = [], 0, 0
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - began) * 1000)
        queries, status = len(captured), response.status_code
    return status, statistics.median(times), queries


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _stream_csv(env: dict, url: str, admin_id: int, out) -> None:
    """In a fresh process: RSS before, stream the CSV, peak RSS after (kB)."""
    import os

    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.STAFF_MFA_REQUIRED = False
    client = Client()
    client.force_login(get_user_model().objects.get(pk=admin_id))
    client.get("/console/")  # warm: imports, templates, connection
    before = _rss_kb("VmRSS")
    size = sum(len(chunk) for chunk in client.get(url).streaming_content)
    out.put((before, _rss_kb("VmHWM"), size))


def csv_rss_growth(url: str, admin_id: int) -> tuple[int, int]:
    import os

    env = {
        "DATABASE_URL": os.environ["BENCH_DATABASE_URL"],
        "VAR_DIR": os.environ["VAR_DIR"],
        "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
    }
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    child = context.Process(target=_stream_csv, args=(env, url, admin_id, out))
    child.start()
    before, peak, size = out.get(timeout=600)
    child.join()
    return peak - before, size


def main() -> int:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    prepare_environment(var_dir)
    import os

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.STAFF_MFA_REQUIRED = False  # as the tests do: the admin's second factor is assumed

    url, original = create_database("bench_scale")
    os.environ["BENCH_DATABASE_URL"] = url
    try:
        began = time.monotonic()
        data = seed(args.testers)
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")  # as autovacuum would have, on a live table
        took = time.monotonic() - began
        print(f"seeded {args.testers} testers in {took:.0f} s ({connection.vendor})")
        clients = {"admin": Client(), "tester": Client(), "api": Client()}
        clients["admin"].force_login(data["admin"])
        clients["tester"].force_login(data["portal"].user)
        clients["api"].defaults["HTTP_AUTHORIZATION"] = f"Bearer {data['secret']}"
        rows = []
        for name, who, path, count in pages(data, args.testers):
            status, ms, queries = measure(clients[who], path, args.rounds)
            rows.append((name, count, ms, queries, status))
        width = max(len(r[0]) for r in rows)
        print(f"{'page':<{width}} | {'rows':>7} | {'ms':>8} | queries")
        for name, count, ms, queries, status in rows:
            flag = "" if status == 200 else f"  (HTTP {status})"
            print(f"{name:<{width}} | {count:>7} | {ms:>8.1f} | {queries:>7}{flag}")
        form_csv = f"/console/feedback/{data['program'].slug}/forms/{data['form'].pk}/responses.csv"
        growth, size = csv_rss_growth(form_csv, data["admin"].pk)
        print(
            f"feedback responses CSV: {size / 1e6:.2f} MB streamed, peak RSS growth "
            f"{growth / 1024:.1f} MB (a fresh process, after one warm-up page)"
        )
        slow = sum(1 for r in rows if r[2] > SLOW_MS)
        chatty = sum(1 for r in rows if r[3] > MANY_QUERIES)
        print(f"scale: {slow} pages over {SLOW_MS} ms, {chatty} pages over {MANY_QUERIES} queries")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            destroy_database(original)
            shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
