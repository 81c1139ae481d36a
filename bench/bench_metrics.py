"""What observability costs: a /metrics scrape at scale, and request metrics per request.

    .venv/bin/python bench/bench_metrics.py [--generations 100000] [--blocks 15] [--iterations 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres  (same command, on PostgreSQL)

Scrape: `generations` Generation rows (2% queued, a few running, the rest finished) and one share
request per ten of them (5% pending). GET /metrics through the test client (every middleware,
the multiprocess files and the scrape-time database gauges) against the **baseline** of the two
bare aggregates those gauges need, sent as raw SQL on the same connection, and of GET /healthz
through the same client (the floor: middleware and response, no work). Prints milliseconds per
scrape, the ratio scrape/healthz and the queries one scrape sends.

Per request: GET bench/fixed (plain DRF, no database) through the full middleware stack, with
and without RequestMetricsMiddleware, blocks taking turns; prints the ratio with/without.

In process, one thread. SQLite in a temp dir by default; with DATABASE_URL naming a PostgreSQL
server a throwaway database there, dropped at the end.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from environment import create_database, destroy_database, prepare_environment

QUEUED_SERIES = "accessprogram_generations_queued "
METRICS_MIDDLEWARE = "accessprogram.observability.middleware.RequestMetricsMiddleware"
BASELINE_SQL = (
    "SELECT COUNT(*) FILTER (WHERE status = 'queued'), MIN(created_at) FILTER"
    " (WHERE status = 'queued'), COUNT(*) FILTER (WHERE status = 'in_progress')"
    " FROM generation_generation WHERE status IN ('queued', 'in_progress')",
    "SELECT COUNT(*), MIN(created_at) FROM review_sharerequest WHERE status = 'pending'",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generations", type=int, default=100_000, help="default 100000")
    parser.add_argument("--blocks", type=int, default=15, help="blocks per case (default 15)")
    parser.add_argument(
        "--iterations", type=int, default=200, help="requests per block (default 200)"
    )
    return parser.parse_args()


def build(count: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from accessprogram.programs.models import Membership, Program
    from generation.models import Generation
    from review.models import ShareRequest

    User = get_user_model()
    program = Program.objects.create(name="Bench program", slug="bench")
    testers = User.objects.bulk_create(
        User(username=f"tester-{i}", email=f"tester-{i}@example.com", password="!")
        for i in range(200)
    )
    Membership.objects.bulk_create(Membership(user=u, program=program) for u in testers)
    now = timezone.now()

    def status(i: int) -> str:
        if i % 50 == 0:
            return Generation.Status.QUEUED
        if i % 997 == 1:
            return Generation.Status.IN_PROGRESS
        return Generation.Status.COMPLETED

    generations = Generation.objects.bulk_create(
        (
            Generation(
                tester=testers[i % len(testers)],
                program=program,
                prompt=f"bench {i}",
                seed=i,
                status=status(i),
                created_at=now - timedelta(seconds=count - i),
            )
            for i in range(count)
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
                status="pending" if n % 20 == 0 else "approved",
            )
            for n, g in enumerate(generations[::10])
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def per_call_ms(call, iterations: int) -> float:
    began = time.perf_counter()
    for _ in range(iterations):
        call()
    return (time.perf_counter() - began) * 1000 / iterations


def main() -> int:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-metrics-"))
    prepare_environment(var_dir)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    _, original = create_database("bench_metrics")
    try:
        began = time.monotonic()
        build(args.generations)
        built = time.monotonic() - began
        client = Client()

        def scrape():
            response = client.get("/metrics")
            assert response.status_code == 200, response.status_code

        def baseline():
            with connection.cursor() as cursor:
                for sql in BASELINE_SQL:
                    cursor.execute(sql)  # SQLite has aggregate FILTER since 3.30
                    cursor.fetchall()

        scrape()  # warm: connection, URLconf, templates
        sent = []  # counted at the driver: request_started clears Django's own query log
        with connection.execute_wrapper(
            lambda execute, sql, *rest: (sent.append(sql), execute(sql, *rest))[1]
        ):
            text = client.get("/metrics").content.decode()
        queued = next(line for line in text.splitlines() if line.startswith(QUEUED_SERIES))

        def healthz():
            assert client.get("/healthz").status_code == 200

        scrape_ms, healthz_ms, baseline_ms = [], [], []
        for _ in range(args.blocks):
            scrape_ms.append(per_call_ms(scrape, max(args.iterations // 20, 5)))
            healthz_ms.append(per_call_ms(healthz, max(args.iterations // 20, 5)))
            baseline_ms.append(per_call_ms(baseline, max(args.iterations // 20, 5)))

        with_metrics, without_metrics = (
            list(settings.MIDDLEWARE),
            [m for m in settings.MIDDLEWARE if m != METRICS_MIDDLEWARE],
        )

        # One client per middleware stack: a client builds its handler's chain on first use.
        clients = {}
        for case, stack in (("with", with_metrics), ("without", without_metrics)):
            with override_settings(MIDDLEWARE=stack):
                clients[case] = Client()
                assert clients[case].get("/bench/fixed").status_code == 200

        timings = {"with": [], "without": []}
        for block in range(args.blocks):
            order = ("with", "without") if block % 2 == 0 else ("without", "with")
            for case in order:
                get = clients[case].get
                timings[case].append(
                    per_call_ms(lambda get=get: get("/bench/fixed"), args.iterations)
                )
        ratios = [w / wo for w, wo in zip(timings["with"], timings["without"], strict=True)]
    finally:
        destroy_database(original)
        shutil.rmtree(var_dir, ignore_errors=True)

    print(f"database: {connection.vendor}, {args.generations} generations (built in {built:.0f} s)")
    scrape_median, healthz_median = statistics.median(scrape_ms), statistics.median(healthz_ms)
    print(
        f"scrape /metrics: {scrape_median:.2f} ms, {len(sent)} queries ({queued.strip()}); "
        f"GET /healthz (same client, no work) {healthz_median:.2f} ms; "
        f"the bare aggregates alone {statistics.median(baseline_ms):.2f} ms; "
        f"ratio scrape/healthz {scrape_median / healthz_median:.1f}x"
    )
    print(
        f"request metrics: GET bench/fixed {statistics.median(timings['with']):.3f} ms with, "
        f"{statistics.median(timings['without']):.3f} ms without; "
        f"ratio {statistics.median(ratios):.3f}x (median of {args.blocks} block ratios)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
