"""Reviewer claims per second with 20 concurrent reviewers over a big queue, and no double claims.

    .venv/bin/python bench/bench_claims.py [--pending 100000] [--reviewers 20] [--seconds 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres  (same command, on PostgreSQL)

`pending` share requests wait in one program (bulk_create). Then, in the same run:
  1. baseline: `reviewers` threads, each with its own connection, read the head of the queue
     with a plain indexed SELECT (pending, oldest first, LIMIT 1) in a transaction, for `seconds`;
  2. `reviewers` threads call `claim_next_share_request` (SKIP LOCKED on PostgreSQL, a conditional
     UPDATE on SQLite, plus the audit record each claim writes) for `seconds`.
It prints both rates, their ratio, and the number of requests handed out more than once (must be
0). Target on PostgreSQL: 500 claims/s. Threads share the GIL, so the figures are for one web
process; several processes would add throughput until the audit chain's lock (one record per
claim, appended in order) becomes the limit.

SQLite in a temp dir by default; with DATABASE_URL naming a PostgreSQL server a throwaway
database is created there and dropped at the end (the role needs CREATEDB).
"""

import argparse
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench_auth import create_database, destroy_database, prepare_environment

TARGET_PER_SECOND = 500.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pending", type=int, default=100_000, help="default 100000")
    parser.add_argument("--reviewers", type=int, default=20, help="default 20")
    parser.add_argument("--seconds", type=float, default=5.0, help="per phase (default 5)")
    parser.add_argument("--no-audit", action="store_true", help="diagnosis: skip audit records")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    return parser.parse_args()


def build(args) -> dict:
    from django.contrib.auth import get_user_model

    from accessprogram.programs.models import Membership, Program
    from generation.models import Generation
    from review.models import ShareRequest

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
    generations = Generation.objects.bulk_create(
        (
            Generation(
                tester=testers[i % len(testers)],
                program=program,
                prompt=f"bench {i}",
                seed=i,
                status=Generation.Status.COMPLETED,
            )
            for i in range(args.pending)
        ),
        batch_size=5000,
    )
    ShareRequest.objects.bulk_create(
        (
            ShareRequest(
                generation=g,
                requested_by_id=g.tester_id,
                program=program,
                intended_use="portfolio",
                destination="site",
            )
            for g in generations
        ),
        batch_size=5000,
    )
    return {"reviewers": reviewers, "build_seconds": time.monotonic() - began}


def run_threads(reviewers, work, seconds: float) -> tuple[list, float]:
    """Run work(reviewer, results) in one thread per reviewer until `seconds` have passed."""
    from django.db import connection

    start = threading.Barrier(len(reviewers) + 1)
    stop = threading.Event()
    results: list = []
    errors: list = []

    def loop(reviewer):
        try:
            start.wait()
            while not stop.is_set():
                work(reviewer, results)
        except Exception as error:  # reported after the run
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=loop, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
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


def main() -> int:
    args = parse_args()
    began = time.monotonic()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-claims-"))
    prepare_environment(var_dir)
    import django

    django.setup()
    from django.db import connection, transaction

    from review.models import ShareRequest
    from review.services import claim_next_share_request

    _, original = create_database("bench_claims")
    vendor = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    try:
        data = build(args)
        connection.close()  # the threads open their own

        def plain_select(reviewer, results):
            with transaction.atomic():
                head = (
                    ShareRequest.objects.filter(status=ShareRequest.Status.PENDING)
                    .order_by("created_at", "id")
                    .values_list("pk", flat=True)
                    .first()
                )
            results.append(head)

        def claim(reviewer, results):
            share_request = claim_next_share_request(reviewer=reviewer)
            if share_request is None:
                raise RuntimeError("the queue ran dry: raise --pending")
            results.append(share_request.pk)

        selects, select_seconds = run_threads(data["reviewers"], plain_select, args.seconds)
        if args.no_audit:  # diagnosis only: what the audit record costs each claim
            import review.services

            review.services.record = lambda **kwargs: None
        claims, claim_seconds = run_threads(data["reviewers"], claim, args.seconds)
        doubles = sum(1 for times in Counter(claims).values() if times > 1)
        held = ShareRequest.objects.filter(claimed_by__isnull=False).count()
    finally:
        connection.close()
        destroy_database(original)
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)

    select_rate = len(selects) / select_seconds
    claim_rate = len(claims) / claim_seconds
    print(f"bench_claims on {vendor}: {args.pending} pending, {args.reviewers} reviewer threads")
    print(f"  build                {data['build_seconds']:8.1f} s")
    print(
        f"  baseline SELECT head {select_rate:8.0f} /s  ({len(selects)} in {select_seconds:.1f} s)"
    )
    print(f"  claim_next           {claim_rate:8.0f} /s  ({len(claims)} in {claim_seconds:.1f} s)")
    print(f"  ratio claim/baseline {claim_rate / select_rate:8.3f}")
    met = claim_rate >= TARGET_PER_SECOND
    print(f"  target               {TARGET_PER_SECOND:8.0f} /s  met: {met}")
    print(f"  double claims        {doubles:8d}  (claims held in the database: {held})")
    print(f"  total                {time.monotonic() - began:8.1f} s")
    return 1 if doubles or held != len(claims) else 0


if __name__ == "__main__":
    sys.exit(main())
