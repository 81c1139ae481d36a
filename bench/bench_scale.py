"""Every page at the scale of a large program: time and queries per page.

    .venv/bin/python bench/bench_scale.py [--testers 10000] [--rounds 3] [--keep] [--reuse NAME]
        [--only TEXT]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale  (same command, on PostgreSQL)

Seeds one program with bulk inserts (see scale_seed: 10,000 testers by default, every other
count scaled with them), then fetches every console, review, feedback, finance and portal page
and the API list with django.test.Client (a program admin, force_login, staff MFA not required;
a tester for portal pages; a token for /v1) and prints `page | rows | ms | queries` (ms: median
of `rounds`), the peak RSS growth of a process streaming the feedback responses CSV, and one
last line: `scale: N pages over 300 ms, M pages over 30 queries`.

SQLite in a temp dir by default; with DATABASE_URL naming a PostgreSQL server a throwaway
database is created there and dropped at the end (the role needs CREATEDB). Seeding 10,000
testers takes minutes: `--reuse NAME` keeps the seeded database NAME (on the PostgreSQL server,
or a SQLite file in the temp dir) and the next run with the same NAME migrates it and measures
again without seeding (--testers is then what was seeded).
"""

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from environment import create_database, destroy_database, prepare_environment
from scale_seed import load, seed, seeded_testers

SLOW_MS = 300
MANY_QUERIES = 30


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--testers", type=int, default=10_000, help="default 10000")
    parser.add_argument("--rounds", type=int, default=3, help="fetches per page (median)")
    parser.add_argument("--keep", action="store_true", help="keep the database and temp dir")
    parser.add_argument(
        "--reuse", metavar="NAME", help="seed database NAME once, keep it, measure it again"
    )
    parser.add_argument(
        "--only", metavar="TEXT", default="", help="measure only pages whose name contains TEXT"
    )
    return parser.parse_args()


def use_kept_database(name: str) -> str:
    """Point the default connection at database `name`, created if missing, migrated; returns
    its DATABASE_URL for subprocesses."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        connection.settings_dict["NAME"] = name
        url = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))
    else:
        path = Path(tempfile.gettempdir()) / f"bench-scale-{name}.sqlite3"
        connection.close()
        connection.settings_dict["NAME"] = str(path)
        url = f"sqlite:///{path}"
    call_command("migrate", verbosity=0)
    return url


def pages(data: dict, testers: int) -> list[tuple[str, str, str, int]]:
    """(page, client, url, rows it lists or reads) for every page measured."""
    T = testers
    slug = data["program"].slug
    P = f"/console/programs/{slug}"
    F = f"/console/finance/{slug}"
    B = f"/console/feedback/{slug}"
    form = f"{B}/forms/{data['form'].pk}"
    member, period = data["portal"].pk, data["period"].pk
    closed = data["closed_period"].pk
    return [
        ("console dashboard", "admin", "/console/", 10 * T),
        ("console health (7 days)", "admin", f"{P}/health/", 10 * T),
        ("console health (30 days)", "admin", f"{P}/health/?days=30", 10 * T),
        ("console health live", "admin", f"{P}/health/live", 10 * T),
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
        ("finance time logs", "admin", f"{F}/time-logs/", T // 10),
        ("finance periods", "admin", f"{F}/periods/", 2),
        ("finance period (open)", "admin", f"{F}/periods/{period}/", T),
        ("finance period (closed)", "admin", f"{F}/periods/{closed}/", T),
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


def prepare_data(args) -> tuple[dict, int, str | None]:
    """(seeded data, testers, the database to destroy at the end or None to keep it)."""
    from django.db import connection

    if args.reuse:
        os.environ["BENCH_DATABASE_URL"] = use_kept_database(args.reuse)
        testers = seeded_testers()
        if testers:
            print(f"reusing {args.reuse}: {testers} testers ({connection.vendor})")
            return load(), testers, None
        original = None
    else:
        url, original = create_database("bench_scale")
        os.environ["BENCH_DATABASE_URL"] = url
    began = time.monotonic()
    data = seed(args.testers)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would have, on a live table
    took = time.monotonic() - began
    print(f"seeded {args.testers} testers in {took:.0f} s ({connection.vendor})")
    return data, args.testers, original


def report(rows: list[tuple[str, int, float, int, int]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"{'page':<{width}} | {'rows':>7} | {'ms':>8} | queries")
    for name, count, ms, queries, status in rows:
        flag = "" if status == 200 else f"  (HTTP {status})"
        print(f"{name:<{width}} | {count:>7} | {ms:>8.1f} | {queries:>7}{flag}")


def main() -> int:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    prepare_environment(var_dir)

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.STAFF_MFA_REQUIRED = False  # as the tests do: the admin's second factor is assumed

    original = None
    try:
        data, testers, original = prepare_data(args)
        clients = {"admin": Client(), "tester": Client(), "api": Client()}
        clients["admin"].force_login(data["admin"])
        clients["tester"].force_login(data["portal"].user)
        clients["api"].defaults["HTTP_AUTHORIZATION"] = f"Bearer {data['secret']}"
        for who, client in clients.items():  # one-time costs (imports, templates) apart
            client.get("/v1/videos" if who == "api" else "/")
        rows = []
        for name, who, path, count in pages(data, testers):
            if args.only not in name:
                continue
            status, ms, queries = measure(clients[who], path, args.rounds)
            rows.append((name, count, ms, queries, status))
        report(rows)
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
        from django.db import connections

        connections.close_all()
        if original is not None and not args.keep:
            destroy_database(original)
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
