"""The kill switch's confirmation page and its POST through HTTP, at program scale.

    .venv/bin/python bench/bench_confirmation_pages.py [--testers 10000] [--jobs 500] [--runs 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/...

The GET states the impact (block_impact: testers, jobs, sessions) with a fixed number of
queries; the POST must stay as fast as the kill switch itself (issue 13): it reads no figures.
A throwaway database is created and dropped (bench/environment.py)."""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from environment import create_database, destroy_database, prepare_environment


def seed(*, testers: int, jobs: int):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from accessprogram.programs.models import Membership, Program
    from generation.models import Generation

    User = get_user_model()
    with transaction.atomic():
        program = Program.objects.create(name="Bench program", slug="bench")
        users = User.objects.bulk_create(
            (
                User(username=f"t{i}", email=f"t{i}@example.com", password="!")
                for i in range(testers)
            ),
            batch_size=5000,
        )
        Membership.objects.bulk_create(
            (Membership(user=user, program=program) for user in users), batch_size=5000
        )
        Generation.objects.bulk_create(
            (
                Generation(
                    tester=users[i % testers],
                    program=program,
                    prompt="bench",
                    seconds=4,
                    size="1280x720",
                    seed=i,
                )
                for i in range(jobs)
            ),
            batch_size=5000,
        )
        manager = User.objects.create(username="manager", email="manager@example.com")
        Membership.objects.create(
            user=manager, program=program, role=Membership.Role.PROGRAM_MANAGER
        )
    return program, manager


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--testers", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    prepare_environment(Path(tempfile.mkdtemp(prefix="bench-confirm-")))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from accessprogram.access.models import AccessBlock
    from accessprogram.access.revocation import resume_program

    setup_test_environment()
    settings.STAFF_MFA_REQUIRED = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _, original = create_database("bench_confirm")
    try:
        program, manager = seed(testers=args.testers, jobs=args.jobs)
        client = Client()
        client.force_login(manager)
        url = f"/console/programs/{program.slug}/kill-switch"
        gets, posts, queries = [], [], []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                page = client.get(url)
                gets.append(time.perf_counter() - started)
            assert page.status_code == 200, page.status_code
            queries.append(len(captured))
            started = time.perf_counter()
            done = client.post(url, {"reason": "bench", "confirm_name": program.name})
            posts.append(time.perf_counter() - started)
            assert done.status_code == 302, done.status_code
            assert AccessBlock.objects.filter(level="program").exists()
            resume_program(program=program, actor=manager)
            client.force_login(manager)  # the manager is staff: not signed out, but be sure
        print(
            f"{connection.vendor}, {args.testers} testers, {args.jobs} queued jobs, "
            f"{args.runs} runs"
        )
        print(
            f"  GET confirmation page: median {statistics.median(gets) * 1000:.1f} ms, "
            f"max {max(gets) * 1000:.1f} ms, {queries[0]} queries (all runs: {set(queries)})"
        )
        print(
            f"  POST kill switch (typed name): median {statistics.median(posts) * 1000:.1f} ms, "
            f"max {max(posts) * 1000:.1f} ms"
        )
        print(f"  impact stated: {page.content.decode().count('Pauses')} line(s) with 'Pauses'")
    finally:
        destroy_database(original)


if __name__ == "__main__":
    main()
