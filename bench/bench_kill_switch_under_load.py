"""Safety actions while bulk work runs: kill switch, resume and token revocation latencies during
a 10,000-tester payout close, a 2,000-row invitation import and 20 reviewers claiming.

    .venv/bin/python bench/bench_kill_switch_under_load.py [--testers 10000] [--entries 20]
                                                           [--cohorts 20] [--csv-rows 2000]
                                                           [--reviewers 20] [--pairs 50]
                                                           [--phases] [--ab-link]
                                                           [--durable-bulk]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bulkpay  (same command, on PostgreSQL)

Seeds (bulk_create, untimed): a busy program of `testers` testers in `cohorts` cohorts, each with
`entries` ledger entries last month (form and bug awards, every tenth tester a reversal), one
approved time log and an API token; a rate card with a stipend; last month's payout period with
a minimum hourly rate; `reviewers` reviewers and 5,000 pending share requests; and a quiet
program with 200 testers. Then, at the same time, each in its own thread and connection:
  - the payout close of the busy program, as the worker runs it (compensation.tasks
    .run_period_close: stipends, top-ups, lines, one transaction per stage), its queries counted;
  - the import of a `csv-rows`-row invitation file (operations.tasks.run_invitation_import);
  - `reviewers` threads claiming share requests (review.claims.claim_next_share_request);
  - the measured safety actions, in a forked process of their own (as a staff request runs in a
    gunicorn worker, apart from the Celery workers): `pairs` kill switch / resume pairs on the
    quiet program and `pairs` token revocations on the busy one, interleaved, each timed until
    its service returns.
Before that, a close of a 100-tester program is run alone to show the query count does not grow.

Prints the per-action figures, then exactly:
    kill switch under load: p50 X ms, p99 Y ms, max Z ms     (all safety actions together)
    payout close 10k testers: T s, Q queries
Goal: p99 < 50 ms; close < 10 s; Q the same as for 100 testers.

SQLite has one writer at a time: every safety action waits for whatever write transaction is
open (a close stage, the import, a claim) to commit, so its latency is bounded by the longest
such transaction, not by its own work; it promises correctness (nothing lost, nothing doubled),
not latency under bulk writes. PostgreSQL takes row locks, so a safety action waits only for
rows it shares with the bulk work (none here: it links no audit chain head, see docs/audit.md),
and for the WAL at its commit, which the bulk transactions no longer flush at theirs.

SQLite in a temp dir by default; with DATABASE_URL naming a PostgreSQL server a throwaway
database is created there and dropped at the end (the role needs CREATEDB).
"""

import argparse
import logging
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from environment import create_database, destroy_database, prepare_environment
from kill_switch_seed import SHARE_REQUESTS, seed_program, seed_review_queue

TARGET_P99_MS = 50.0
TARGET_CLOSE_S = 10.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--testers", type=int, default=10_000, help="default 10000")
    parser.add_argument("--entries", type=int, default=20, help="ledger entries per tester (20)")
    parser.add_argument("--cohorts", type=int, default=20, help="default 20")
    parser.add_argument("--csv-rows", type=int, default=2000, help="default 2000")
    parser.add_argument("--reviewers", type=int, default=20, help="default 20")
    parser.add_argument("--pairs", type=int, default=50, help="kill switch / resume pairs (50)")
    parser.add_argument(
        "--phases", action="store_true", help="time each safety action's phases (safety_phases)"
    )
    parser.add_argument(
        "--ab-link", action="store_true", help="every other pair links its audit records inline"
    )
    parser.add_argument(
        "--durable-bulk",
        action="store_true",
        help="bulk transactions keep synchronous_commit on (the A/B of commit_durability)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    return parser.parse_args()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed_close(period, staff) -> tuple[float, int, object]:
    """The close as the worker runs it: seconds, queries sent, the operation."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accessprogram.compensation import tasks
    from accessprogram.compensation.background import queue_period_close
    from accessprogram.compensation.tasks import run_period_close

    operation, _ = queue_period_close(period=period, actor=staff)
    stages = []  # (label, seconds since the start) as each stage begins
    report = tasks.operations.report_progress

    def timing(reported, *, done, total, stage):
        if reported.pk == operation.pk:  # not the import's, which runs at the same time
            stages.append((stage, time.perf_counter() - began))
        report(reported, done=done, total=total, stage=stage)

    tasks.operations.report_progress = timing
    try:
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            run_period_close(operation.pk)
            seconds = time.perf_counter() - began
    finally:
        tasks.operations.report_progress = report
    operation.refresh_from_db()
    marks = [*stages, ("done", seconds)]
    operation.stage_seconds = {
        label: round(marks[n + 1][1] - at, 2) for n, (label, at) in enumerate(marks[:-1])
    }
    return seconds, len(captured.captured_queries), operation


def in_thread(target, results: dict, key: str):
    from django.db import connection

    def run():
        try:
            results[key] = target()
        except Exception as error:  # reported, and the bench fails
            results[key] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=key)
    thread.start()
    return thread


def safety_actions(
    *, go, answers, pairs: int, program, tokens: list, staff, phases, ab_link: bool
) -> None:
    """In the forked safety process: kill switch / resume pairs on a quiet program and token
    revocations on the busy one, each timed; sends back (latencies, refusals, phase lines).
    With `ab_link`, every other pair links its audit records in the call (the design before
    the safety queue did it), filed as "<kind> inline link": an A/B under the same load."""
    from contextlib import nullcontext

    from django.db import DatabaseError, connection

    from accessprogram.access import signals
    from accessprogram.access.revocation import kill_switch, resume_program
    from accessprogram.access.services import revoke_token
    from accessprogram.audit import chain

    latencies: dict[str, list[float]] = {"kill_switch": [], "resume": [], "revoke_token": []}
    refused: list[str] = []  # safety actions that raised (e.g. a deadlock): counted, reported
    if phases:
        from safety_phases import Phases

        phases = Phases.install(signals=[("access_blocked", signals.access_blocked)])

    deferred_link = chain._link_after_commit

    def inline_link(name, *, queue):
        deferred_link(name, queue=None)

    def timed(kind, action):
        inline = ab_link and i % 2 == 1
        kind = f"{kind} inline link" if inline else kind
        latencies.setdefault(kind, [])
        chain._link_after_commit = inline_link if inline else deferred_link
        started = time.perf_counter()
        try:
            with phases.action(kind) if phases else nullcontext():
                action()
        except DatabaseError as error:
            refused.append(f"{kind}: {str(error).splitlines()[0]}")
        latencies[kind].append((time.perf_counter() - started) * 1000)

    go.wait()
    time.sleep(0.2)  # let the bulk work get going first
    try:
        for i in range(pairs):
            timed("kill_switch", lambda: kill_switch(program=program, reason="bench", actor=staff))
            timed("resume", lambda: resume_program(program=program, actor=staff))
            if i < len(tokens):
                token = tokens[i]
                timed(
                    "revoke_token",
                    lambda token=token: revoke_token(token=token, reason="bench", actor=staff),
                )
            time.sleep(0.02)
    finally:
        connection.close()
        answers.put((latencies, refused, phases.report() if phases else []))


def durable_bulk() -> None:
    """The bulk work commits durably, as before accessprogram.commit_durability (an A/B run)."""
    from accessprogram.compensation import payouts, stipends
    from review import claims

    for module in (payouts, stipends, claims):
        module.relax_commit_durability = lambda using=None: False


def main() -> int:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-under-load-"))
    prepare_environment(var_dir)
    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    from django.contrib.auth import get_user_model
    from django.db import connection

    from accessprogram.access.models import ApiToken
    from accessprogram.audit.services import record
    from accessprogram.operations.models import BackgroundOperation
    from accessprogram.operations.tasks import queue_invitation_import, run_invitation_import
    from review.claims import claim_next_share_request

    if args.durable_bulk:
        durable_bulk()
    _, original = create_database("bench_under_load")
    vendor = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    failures = []
    try:
        began = time.monotonic()
        staff = get_user_model().objects.create(
            username="bench-staff", email="staff@example.com", is_staff=True
        )
        small = seed_program("small", testers=100, cohorts=2, entries=args.entries, staff=staff)
        busy = seed_program(
            "busy", testers=args.testers, cohorts=args.cohorts, entries=args.entries, staff=staff
        )
        quiet = seed_program("quiet", testers=200, cohorts=2, entries=2, staff=staff)
        reviewers = seed_review_queue(
            busy["program"], reviewers=args.reviewers, testers=busy["users"][:200]
        )
        record(action="bench.build", target=busy["program"])  # the chain's head row exists
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        tokens = list(
            ApiToken.objects.filter(membership__program=busy["program"]).order_by("pk")[
                : args.pairs
            ]
        )
        csv = "".join(f"New {i},new-{i}@example.com,Wave 1\n" for i in range(args.csv_rows))
        print(
            f"{vendor}: seeded {args.testers} testers in {args.cohorts} cohorts, "
            f"{args.testers * args.entries} ledger entries, {SHARE_REQUESTS} share requests "
            f"in {time.monotonic() - began:.0f} s"
        )

        small_seconds, small_queries, small_op = timed_close(small["period"], staff)
        if small_op.status != BackgroundOperation.Status.DONE:
            failures.append(f"small close: {small_op.status} {small_op.error}")

        import_op, _ = queue_invitation_import(program=busy["program"], text=csv, actor=staff)
        stop_claiming = threading.Event()
        claims = {"count": 0}
        results: dict = {}

        def claim_loop(reviewer):
            def run():
                while not stop_claiming.is_set():
                    if claim_next_share_request(reviewer=reviewer, lease_seconds=3600) is None:
                        return
                    claims["count"] += 1

            return run

        # The safety actions run in a process of their own, as a staff member's request runs in
        # a gunicorn worker while the close and the import run in Celery workers: one process
        # for all of it would measure Python's GIL handing time to 22 busy threads, not the
        # platform. Forked before any bulk thread starts, with no open database connection.
        connection.close()
        go = multiprocessing.get_context("fork").Event()
        answers = multiprocessing.get_context("fork").Queue()
        safety = multiprocessing.get_context("fork").Process(
            target=safety_actions,
            kwargs={
                "go": go,
                "answers": answers,
                "pairs": args.pairs,
                "program": quiet["program"],
                "tokens": tokens,
                "staff": staff,
                "phases": args.phases,
                "ab_link": args.ab_link,
            },
            name="safety",
        )
        safety.start()
        threads = [
            in_thread(lambda: timed_close(busy["period"], staff), results, "close"),
            in_thread(lambda: run_invitation_import(import_op.pk), results, "import"),
            *(
                in_thread(claim_loop(reviewer), results, f"reviewer-{n}")
                for n, reviewer in enumerate(reviewers)
            ),
        ]
        go.set()
        latencies, refused, phase_lines = answers.get(timeout=600)
        safety.join()
        threads[0].join()
        threads[1].join()
        stop_claiming.set()
        for thread in threads[2:]:
            thread.join()

        for key, value in results.items():
            if isinstance(value, Exception):
                failures.append(f"{key}: {value!r}")
        import_op.refresh_from_db()
        if import_op.status != BackgroundOperation.Status.DONE:
            failures.append(f"import: {import_op.status} {import_op.error}")
        close_seconds, close_queries, close_op = results.get("close", (0.0, 0, None))
        if close_op is None or close_op.status != BackgroundOperation.Status.DONE:
            failures.append(f"close: {getattr(close_op, 'status', '?')}")

        for kind, values in latencies.items():
            if values:
                print(
                    f"  {kind:<25} n={len(values):<3} p50 {statistics.median(values):7.1f} ms, "
                    f"p99 {percentile(values, 0.99):7.1f} ms, max {max(values):7.1f} ms"
                )
        for line in phase_lines:
            print(line)
        for problem in refused:
            failures.append(f"safety action failed: {problem}")
        print(
            f"  alongside: invitation import of {args.csv_rows} rows ({import_op.status}), "
            f"{claims['count']} claims by {len(reviewers)} reviewers"
        )
        print(f"  payout close 100 testers (alone): {small_seconds:.2f} s, {small_queries} queries")
        if close_op is not None:
            print(f"  payout close stages (s): {close_op.stage_seconds}")
        # The headline is the platform as built; A/B variants are printed above, apart.
        every = [
            value for kind, values in latencies.items() if "inline" not in kind for value in values
        ]
        print(
            f"kill switch under load: p50 {statistics.median(every):.0f} ms, "
            f"p99 {percentile(every, 0.99):.0f} ms, max {max(every):.0f} ms"
        )
        testers_label = f"{args.testers // 1000}k" if args.testers % 1000 == 0 else args.testers
        print(
            f"payout close {testers_label} testers: {close_seconds:.1f} s, {close_queries} queries"
        )
        verdicts = [
            f"p99 {'within' if percentile(every, 0.99) < TARGET_P99_MS else 'over'} "
            f"{TARGET_P99_MS:.0f} ms",
            f"close {'within' if close_seconds < TARGET_CLOSE_S else 'over'} "
            f"{TARGET_CLOSE_S:.0f} s",
            "queries "
            + ("independent of testers" if close_queries == small_queries else "DIFFER")
            + f" ({small_queries} for 100, {close_queries} for {args.testers})",
        ]
        print("  " + "; ".join(verdicts))
    finally:
        connection.close()
        destroy_database(original)
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
