"""Reviewer claims per second with 20 concurrent reviewers over a big queue, and no double claims.

    .venv/bin/python bench/bench_claims.py [--pending 100000] [--reviewers 20] [--seconds 3]
                                           [--rounds 3] [--explain]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres  (same command, on PostgreSQL)

`pending` share requests wait in one program (bulk_create; on PostgreSQL then VACUUM ANALYZE,
as autovacuum would have done to a live table). `reviewers` threads, each holding its own
database connection for the whole phase (opened before the clock starts), claim for `seconds`
in each of these cases, taking turns over `rounds` rounds (order rotating):
  bare    the floor: one bare claim statement per claim through the same connections,
          `UPDATE ... WHERE id = (SELECT id ... ORDER BY created_at, id LIMIT 1 FOR UPDATE
          SKIP LOCKED) RETURNING id` (SQLite: the same without the lock clause; it runs one
          writer at a time anyway). No scope check, no two-reviewer rule, no expired leases.
  claim   `claim_next_share_request` as the reviewer queue calls it.
  audited the same plus one audit record per claim in the same transaction: what claims cost
          when each one was audited (the chain's head row is locked until commit).
It prints claims/s per case (median over rounds), the ratio claim/bare (median of per-round
ratios), the queries one claim sends, the connections opened, and the number of requests handed
out more than once over all cases (must be 0; exit status 1 otherwise, or if the database holds
a different number of claims than were handed out). Target on PostgreSQL: 500 claims/s.
`--explain` prints the claim statement's plan (EXPLAIN ANALYZE, rolled back) after the run,
when thousands of requests are held, which is when a poor index shows.

Threads share the GIL: the figures are for one web process; on the two cores here the Python
side and PostgreSQL share the machine.

SQLite in a temp dir by default; with DATABASE_URL naming a PostgreSQL server a throwaway
database is created there and dropped at the end (the role needs CREATEDB).
"""

import argparse
import contextlib
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from environment import create_database, destroy_database, prepare_environment
from seeding import pending_share_requests

TARGET_PER_SECOND = 500.0
CASES = ("bare", "claim", "audited")
LEASE = timedelta(minutes=30)  # outlasts the run: nothing held returns to the queue mid-bench


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pending", type=int, default=100_000, help="default 100000")
    parser.add_argument("--reviewers", type=int, default=20, help="default 20")
    parser.add_argument("--seconds", type=float, default=3.0, help="per case and round (3)")
    parser.add_argument("--rounds", type=int, default=3, help="default 3")
    parser.add_argument(
        "--processes", action="store_true", help="one process per reviewer instead of threads"
    )
    parser.add_argument("--explain", action="store_true", help="print the claim's query plan")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    return parser.parse_args()


def build(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from accessprogram.audit.services import record
    from accessprogram.programs.models import Membership, Program

    began = time.monotonic()
    User = get_user_model()
    program = Program.objects.create(name="Bench program", slug="bench")
    testers = User.objects.bulk_create(
        User(username=f"tester-{i}", email=f"tester-{i}@example.com", password="!")
        for i in range(200)
    )
    reviewers = User.objects.bulk_create(
        User(username=f"reviewer-{i}", email=f"reviewer-{i}@example.com", password="!")
        for i in range(args.reviewers)
    )
    Membership.objects.bulk_create(
        [Membership(user=u, program=program) for u in testers]
        + [Membership(user=u, program=program, role=Membership.Role.REVIEWER) for u in reviewers]
    )
    pending_share_requests(program=program, testers=testers, count=args.pending)
    # The audit chain's first record creates its head row, as on any live database.
    record(action="bench.build", target=program, pending=args.pending)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {
        "program": program,
        "reviewers": reviewers,
        "build_seconds": time.monotonic() - began,
    }


BARE_CLAIM_SQL = (
    "UPDATE review_sharerequest SET claimed_by_id = %s, lease_expires_at = %s"
    " WHERE id = (SELECT id FROM review_sharerequest WHERE program_id = %s"
    " AND status = 'pending' AND claimed_by_id IS NULL"
    " ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
)


def bare_claim_sql(vendor: str) -> str:
    if vendor == "postgresql":
        return BARE_CLAIM_SQL
    return BARE_CLAIM_SQL.replace(" FOR UPDATE SKIP LOCKED", "")


def run_threads(reviewers, work, seconds: float) -> tuple[list, float]:
    """Run work(reviewer, results) in one thread per reviewer until `seconds` have passed."""
    from django.db import connection

    start = threading.Barrier(len(reviewers) + 1)
    stop = threading.Event()
    results: list = []
    errors: list = []

    def loop(reviewer):
        try:
            connection.ensure_connection()  # before the clock: setup is not what is measured
            start.wait()
            while not stop.is_set():
                work(reviewer, results)
        except Exception as error:  # reported after the run
            errors.append(error)
            start.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=loop, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # a thread failed: see below
        start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"{len(errors)} thread(s) failed, first: {errors[0]!r}")
    return results, elapsed


def run_processes(reviewers, work, seconds: float, opened: Counter) -> tuple[list, float]:
    """The same with one forked process per reviewer, as several web workers would claim."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(reviewers) + 1)
    stop = context.Event()
    outcomes = context.Queue()

    def loop(reviewer):
        from django.db import connection

        results: list = []
        error = None
        before = opened["connections"]  # inherited from the parent
        try:
            connection.ensure_connection()
            start.wait()
            while not stop.is_set():
                work(reviewer, results)
        except Exception as failure:  # reported by the parent
            error = repr(failure)
            start.abort()
        finally:
            connection.close()
        outcomes.put((results, error, opened["connections"] - before))

    processes = [context.Process(target=loop, args=(r,)) for r in reviewers]
    for process in processes:
        process.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # a process failed: see below
        start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    gathered = [outcomes.get(timeout=60) for _ in processes]
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join()
    errors = [error for _, error, _ in gathered if error]
    if errors:
        raise RuntimeError(f"{len(errors)} process(es) failed, first: {errors[0]}")
    opened.update(connections=sum(count for _, _, count in gathered))
    return [pk for results, _, _ in gathered for pk in results], elapsed


def make_cases(program, vendor: str) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from accessprogram.audit.services import record
    from review.claims import claim_next_share_request

    sql = bare_claim_sql(vendor)

    def bare(reviewer, results):
        with connection.cursor() as cursor:
            cursor.execute(sql, [reviewer.pk, timezone.now() + LEASE, program.pk])
            row = cursor.fetchone()
        if row is None:
            raise RuntimeError("the queue ran dry: raise --pending")
        results.append(row[0])

    def claim(reviewer, results):
        share_request = claim_next_share_request(
            reviewer=reviewer, lease_seconds=int(LEASE.total_seconds())
        )
        if share_request is None:
            raise RuntimeError("the queue ran dry: raise --pending")
        results.append(share_request.pk)
        return share_request

    def audited(reviewer, results):
        with transaction.atomic():
            share_request = claim(reviewer, results)
            record(  # as claims were audited before
                action="share_request.claim",
                target=share_request,
                actor=reviewer,
                program=program.slug,
                lease_expires_at=share_request.lease_expires_at,
            )

    return {"bare": bare, "claim": claim, "audited": audited}


def queries_per_claim(reviewer) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from review.claims import claim_next_share_request

    with CaptureQueriesContext(connection) as captured:
        claim_next_share_request(reviewer=reviewer, lease_seconds=int(LEASE.total_seconds()))
    return [" ".join(q["sql"].split())[:90] for q in captured.captured_queries]


def python_cpu_split(reviewer, calls: int = 300) -> tuple[float, float]:
    """Milliseconds of this process's CPU per claim, and per separate scope check
    (policy.reviewable_program_ids: the claim statement holds the scope itself; the separate
    check runs only when a claim finds nothing, to tell an empty queue from a caller without a
    role), one thread, no contention."""
    from accessprogram.access import policy
    from review.claims import claim_next_share_request

    began = time.process_time()
    for _ in range(calls):
        claim_next_share_request(reviewer=reviewer, lease_seconds=int(LEASE.total_seconds()))
    claim = (time.process_time() - began) / calls * 1000
    began = time.process_time()
    for _ in range(calls):
        policy.reviewable_program_ids(reviewer)
    return claim, (time.process_time() - began) / calls * 1000


def explain_claim(reviewer) -> str:
    """EXPLAIN ANALYZE of the claim statement, rolled back."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accessprogram.access import policy
    from review import claims

    now = timezone.now()
    params = {
        "reviewer": reviewer.pk,
        "lease": now + LEASE,
        "now": now,
        "roles": policy.REVIEW_ROLE_VALUES,
        "programs": sorted(policy.reviewable_program_ids(reviewer)),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + claims._CLAIM_SQL, params)
        plan = "\n".join(f"    {line}" for (line,) in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


def main() -> int:
    args = parse_args()
    began = time.monotonic()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-claims-"))
    prepare_environment(var_dir)
    import django

    django.setup()
    from django.db import connection
    from django.db.backends.signals import connection_created

    from review.models import ShareRequest

    _, original = create_database("bench_claims")
    vendor = connection.vendor
    opened = Counter()
    connection_created.connect(lambda **kwargs: opened.update(["connections"]), weak=False)
    claimed: list = []
    rates: dict[str, list[float]] = {case: [] for case in CASES}
    ratios: list[float] = []
    plan = ""
    try:
        data = build(args)
        reviewers = data["reviewers"]
        queries = queries_per_claim(reviewers[0])
        cpu_claim, cpu_scope = python_cpu_split(reviewers[0])
        claimed.extend(
            ShareRequest.objects.filter(claimed_by__isnull=False).values_list("pk", flat=True)
        )
        cases = make_cases(data["program"], vendor)
        connection.close()  # the threads open their own
        opened.clear()
        for round_number in range(args.rounds):
            order = CASES[round_number % 3 :] + CASES[: round_number % 3]
            this_round = {}
            for case in order:
                if args.processes:
                    results, seconds = run_processes(reviewers, cases[case], args.seconds, opened)
                else:
                    results, seconds = run_threads(reviewers, cases[case], args.seconds)
                claimed.extend(results)
                this_round[case] = len(results) / seconds
                rates[case].append(this_round[case])
            ratios.append(this_round["claim"] / this_round["bare"])
        phases = args.rounds * len(CASES)
        if args.explain and vendor == "postgresql":
            plan = explain_claim(reviewers[0])
        doubles = sum(1 for times in Counter(claimed).values() if times > 1)
        held = ShareRequest.objects.filter(claimed_by__isnull=False).count()
    finally:
        connection.close()
        destroy_database(original)
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)

    name = "PostgreSQL" if vendor == "postgresql" else "SQLite"
    workers = "processes" if args.processes else "threads"
    print(f"bench_claims on {name}: {args.pending} pending, {args.reviewers} reviewer {workers}")
    print(f"  build                 {data['build_seconds']:8.1f} s")
    print(f"  queries per claim     {len(queries):8d}")
    for sql in queries:
        print(f"      {sql}")
    print(
        f"  python CPU per claim  {cpu_claim:8.2f} ms  (one thread; a separate scope check,"
        f" policy.reviewable_program_ids, run only when the queue is empty: {cpu_scope:.2f} ms)"
    )
    print(
        f"  connections opened    {opened['connections']:8d}  over {phases} phases"
        f" ({args.reviewers} {workers} each; every claim reuses its own connection)"
    )
    labels = {
        "bare": "bare claim statement",
        "claim": "claim_next",
        "audited": "claim_next + audit",
    }
    for case in CASES:
        per_round = ", ".join(f"{rate:.0f}" for rate in rates[case])
        print(
            f"  {labels[case]:21} {statistics.median(rates[case]):8.0f} /s  (rounds: {per_round})"
        )
    claim_rate = statistics.median(rates["claim"])
    print(
        f"  ratio claim/bare      {statistics.median(ratios):8.3f}"
        f"  (rounds: {', '.join(f'{r:.3f}' for r in ratios)})"
    )
    audited_rate = statistics.median(rates["audited"])
    print(f"  ratio audited/claim   {audited_rate / claim_rate:8.3f}")
    met = claim_rate >= TARGET_PER_SECOND
    print(f"  target                {TARGET_PER_SECOND:8.0f} /s  met: {met}")
    print(f"  double claims         {doubles:8d}  (claims held in the database: {held})")
    if plan:
        print("  claim statement plan, with the claims above held:")
        print(plan)
    print(f"  total                 {time.monotonic() - began:8.1f} s")
    return 1 if doubles or held != len(claimed) else 0


if __name__ == "__main__":
    sys.exit(main())
