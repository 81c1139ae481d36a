"""Per-request cost of the four-level token check against DRF's own TokenAuthentication.

    .venv/bin/python bench/bench_auth.py [--rounds 4] [--seconds 2.5] [--clients 4]
                                         [--iterations 1000] [--blocks 15] [--profile]

One DRF view (`bench.urls.AuthProbeView`: IsAuthenticated, returns {"ok": true}) is served three
times by the same process, differing only in authentication:
  four-level  ApiTokenAuthentication: checksum, SHA-256 digest, one query for the token, its
              membership, program, user and any block in force on the token, tester, cohort
              or program; then the status checks
  drf-token   rest_framework.authentication.TokenAuthentication (one query: token + user)
  none        no authentication, AllowAny: the floor, what the view costs without any auth
The target: four-level costs at most 1.1x what drf-token costs per request.

Measured twice: in-process (RequestFactory -> view, blocks of many iterations, the cases taking
turns; little noise) and through gunicorn (one gthread worker, keep-alive httpx clients,
interleaved rounds, as in bench_video_retrieve.py). The database is a throwaway SQLite file in a
temp dir; with DATABASE_URL=postgres://... a throwaway database on that server instead.
"""

import argparse
import cProfile
import gc
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import bench_video_retrieve as retrieve  # sibling script: server, load and /proc helpers
import httpx
from environment import create_database, destroy_database, prepare_environment

FILLER_TESTERS = 2000  # other testers, each with an ApiToken and a DRF token
BLOCKS_ELSEWHERE = 2000  # blocks in force on other tokens and testers (revocations pile up)
TARGET = 1.1
CASES = ("four-level", "drf-token", "none")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4, help="server rounds (default 4)")
    parser.add_argument(
        "--seconds", type=float, default=2.5, help="one endpoint's turn in a round (default 2.5)"
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument(
        "--iterations", type=int, default=1000, help="in-process calls per block (default 1000)"
    )
    parser.add_argument(
        "--blocks", type=int, default=15, help="in-process blocks per case (default 15)"
    )
    parser.add_argument("--profile", action="store_true", help="print cProfile of both checks")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (db, server log)")
    return parser.parse_args()


def create_data() -> dict:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from accessprogram.access import tokens
    from accessprogram.access.models import AccessBlock, ApiToken
    from accessprogram.access.services import issue_token
    from accessprogram.programs.models import Cohort, Membership, Program

    User = get_user_model()
    program = Program.objects.create(name="Bench program", slug="bench")
    cohort = Cohort.objects.create(program=program, name="Wave 1")
    user = User.objects.create(username="bench-tester", email="bench@example.com", password="!")
    membership = Membership.objects.create(user=user, program=program, cohort=cohort)
    secret = issue_token(membership=membership, name="bench").secret
    key = Token.objects.create(user=user).key

    users = User.objects.bulk_create(
        User(username=f"filler-{i}", email=f"filler-{i}@example.com", password="!")
        for i in range(FILLER_TESTERS)
    )
    memberships = Membership.objects.bulk_create(
        Membership(user=u, program=program, cohort=cohort) for u in users
    )
    filler_tokens = ApiToken.objects.bulk_create(
        ApiToken(
            membership=m,
            name="filler",
            display_prefix=tokens.display_prefix(s := tokens.generate()),
            digest=tokens.digest(s),
        )
        for m in memberships
    )
    Token.objects.bulk_create(Token(user=u, key=Token.generate_key()) for u in users)
    half = BLOCKS_ELSEWHERE // 2
    AccessBlock.objects.bulk_create(
        [
            AccessBlock(
                level=AccessBlock.Level.TOKEN,
                target_id=t.pk,
                program=program,
                kind=AccessBlock.Kind.SUSPENSION,
                reason="bench",
                message="suspended",
            )
            for t in filler_tokens[:half]
        ]
        + [
            AccessBlock(
                level=AccessBlock.Level.MEMBERSHIP,
                target_id=m.pk,
                program=program,
                kind=AccessBlock.Kind.SUSPENSION,
                reason="bench",
                message="suspended",
            )
            for m in memberships[half:BLOCKS_ELSEWHERE]
        ]
    )
    return {"secret": secret, "key": key}


def headers_for(case: str, data: dict) -> dict:
    if case == "four-level":
        return {"Authorization": f"Bearer {data['secret']}"}
    if case == "drf-token":
        return {"Authorization": f"Token {data['key']}"}
    return {}


# --- In-process ----------------------------------------------------------------------------


def in_process(data: dict, *, iterations: int, blocks: int) -> dict:
    """CPU µs per call (median over blocks) of the whole view and of authenticate() alone, the
    cases taking turns block by block; also the per-block ratios four-level/drf-token. CPU
    time (process_time) rather than wall time: other load on a shared machine inflates the
    latter, not the former. The database (SQLite in this process) is counted all the same;
    PostgreSQL's own work is not, so prefer the server figures there."""
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authentication import TokenAuthentication
    from rest_framework.permissions import AllowAny

    from accessprogram.access.authentication import ApiTokenAuthentication
    from bench.urls import AuthProbeView

    factory = RequestFactory()
    auth_classes = {"four-level": ApiTokenAuthentication, "drf-token": TokenAuthentication}
    views = {
        "four-level": AuthProbeView.as_view(authentication_classes=[ApiTokenAuthentication]),
        "drf-token": AuthProbeView.as_view(authentication_classes=[TokenAuthentication]),
        "none": AuthProbeView.as_view(authentication_classes=[], permission_classes=[AllowAny]),
    }

    def request(case):
        header = headers_for(case, data).get("Authorization")
        extra = {"HTTP_AUTHORIZATION": header} if header else {}
        return factory.get("/bench/auth/probe", **extra)

    queries = {}
    for case, view in views.items():  # warm-up, correctness and queries per request
        for _ in range(50):
            response = view(request(case))
            response.render()
            assert response.status_code == 200, (case, response.content)
        with CaptureQueriesContext(connection) as captured:
            view(request(case)).render()
        queries[case] = len(captured)

    def time_view(case) -> float:
        pending = [request(case) for _ in range(iterations)]  # built outside the clock
        view = views[case]
        gc.collect()
        began = time.process_time()
        for r in pending:
            view(r).render()
        return (time.process_time() - began) / iterations

    def time_authenticate(case) -> float:
        auth, r = auth_classes[case](), request(case)
        gc.collect()
        began = time.process_time()
        for _ in range(iterations):
            auth.authenticate(r)
        return (time.process_time() - began) / iterations

    view_times = {case: [] for case in CASES}
    auth_times = {case: [] for case in auth_classes}
    for block in range(blocks):
        order = CASES[block % 3 :] + CASES[: block % 3]
        for case in order:
            view_times[case].append(time_view(case))
        for case in order:
            if case in auth_times:
                auth_times[case].append(time_authenticate(case))
    return {
        "queries": queries,
        "view": view_times,
        "auth": auth_times,
        "view_ratios": ratios(view_times),
        "auth_ratios": ratios(auth_times),
    }


def ratios(times: dict) -> list[float]:
    return [c / b for c, b in zip(times["four-level"], times["drf-token"], strict=True)]


def profile(data: dict, *, iterations: int) -> None:
    from django.test import RequestFactory
    from rest_framework.authentication import TokenAuthentication

    from accessprogram.access.authentication import ApiTokenAuthentication

    factory = RequestFactory()
    for case, auth in (
        ("four-level", ApiTokenAuthentication()),
        ("drf-token", TokenAuthentication()),
    ):
        r = factory.get("/", HTTP_AUTHORIZATION=headers_for(case, data)["Authorization"])
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(iterations):
            auth.authenticate(r)
        profiler.disable()
        print(f"\n--- cProfile: {case} authenticate() x {iterations}, by own time ---")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(14)


# --- Through the server --------------------------------------------------------------------


def through_server(data: dict, *, database_url: str, var_dir: Path, args) -> dict:
    os.environ["DATABASE_URL"] = database_url  # gunicorn serves the database just built
    port = retrieve.free_port()
    base_url = f"http://127.0.0.1:{port}"
    endpoints = [
        retrieve.Endpoint(case, f"/bench/auth/{case}", headers_for(case, data), case)
        for case in CASES
    ]
    server = retrieve.start_server(port, var_dir / "gunicorn.log")
    try:
        for endpoint in endpoints:
            response = httpx.get(base_url + endpoint.path, headers=endpoint.headers)
            assert response.json() == {"ok": True}, (endpoint.path, response.text)
        assert httpx.get(base_url + "/bench/auth/four-level").status_code == 401
        assert httpx.get(base_url + "/bench/auth/drf-token").status_code == 401
        workers = retrieve.worker_pids(server.pid)
        for endpoint in endpoints:  # warm-up
            retrieve.drive(base_url, endpoint, seconds=0.5, clients=args.clients)
        client_cpu, measured = time.process_time(), time.perf_counter()
        for round_no in range(args.rounds):
            shift = round_no % len(endpoints)
            for endpoint in endpoints[shift:] + endpoints[:shift]:
                cpu_before = retrieve.cpu_seconds(workers)
                began = time.perf_counter()
                count, latencies = retrieve.drive(
                    base_url, endpoint, seconds=args.seconds, clients=args.clients
                )
                elapsed = time.perf_counter() - began
                cpu_after = retrieve.cpu_seconds(workers)
                endpoint.round_rps.append(count / elapsed)
                endpoint.latencies.extend(latencies)
                endpoint.requests += count
                if cpu_before is not None and cpu_after is not None:
                    endpoint.cpu_seconds += cpu_after - cpu_before
        client_share = (time.process_time() - client_cpu) / (time.perf_counter() - measured)
    finally:
        retrieve.stop_server(server)
    return {"endpoints": {e.name: e for e in endpoints}, "client_share": client_share}


# --- Report --------------------------------------------------------------------------------


def report(local: dict, served: dict, *, vendor: str, args, total: float) -> None:
    print(
        f"Authentication cost per request: four-level ApiTokenAuthentication vs DRF "
        f"TokenAuthentication on the same view, {vendor}; target four-level/drf-token <= "
        f"{TARGET}x\n"
    )
    print(
        f"In-process (RequestFactory -> view, {args.iterations} calls x {args.blocks} blocks per "
        f"case, cases taking turns; CPU time):"
    )
    print(
        f"  {'case':<11} {'µs/request':>11} {'req/s':>8} {'queries':>8} {'µs authenticate()':>18}"
    )
    for case in CASES:
        per_call = statistics.median(local["view"][case])
        auth = local["auth"].get(case)
        auth_text = f"{1e6 * statistics.median(auth):.1f}" if auth else "-"
        print(
            f"  {case:<11} {1e6 * per_call:>11.1f} {1 / per_call:>8.0f} "
            f"{local['queries'][case]:>8} {auth_text:>18}"
        )
    view_ratio = statistics.median(local["view_ratios"])
    auth_ratio = statistics.median(local["auth_ratios"])
    floor = statistics.median(local["view"]["none"])
    extra = {c: statistics.median(local["view"][c]) - floor for c in ("four-level", "drf-token")}
    print(
        f"  ratio four-level/drf-token, whole request: {view_ratio:.2f}x  {verdict(view_ratio)}"
        f"  (per block: {' '.join(f'{r:.2f}' for r in local['view_ratios'])})"
    )
    print(
        f"  ratio four-level/drf-token, authenticate() alone: {auth_ratio:.2f}x"
        f"  (per block: {' '.join(f'{r:.2f}' for r in local['auth_ratios'])})"
    )
    print(
        f"  auth on top of the no-auth view: four-level {1e6 * extra['four-level']:.1f} µs, "
        f"drf-token {1e6 * extra['drf-token']:.1f} µs"
    )

    endpoints = served["endpoints"]
    print(
        f"\nThrough gunicorn (1 gthread worker x {retrieve.SERVER_THREADS} threads, "
        f"{args.clients} keep-alive httpx clients, {args.rounds} interleaved rounds x "
        f"{args.seconds:g} s per endpoint):"
    )
    print(
        f"  {'case':<11} {'req/s':>8} {'µs/request':>11} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'server CPU µs/req':>18}"
    )
    for case in CASES:
        e = endpoints[case]
        rps = statistics.median(e.round_rps)
        cpu = f"{1e6 * e.cpu_seconds / e.requests:.0f}" if e.cpu_seconds else "n/a"
        print(
            f"  {case:<11} {rps:>8.0f} {1e6 / rps:>11.0f} "
            f"{1000 * retrieve.percentile(e.latencies, 0.5):>7.2f} "
            f"{1000 * retrieve.percentile(e.latencies, 0.99):>7.2f} {cpu:>18}"
        )
    four, drf = endpoints["four-level"], endpoints["drf-token"]
    cost = [d / f for f, d in zip(four.round_rps, drf.round_rps, strict=True)]
    served_ratio = statistics.median(cost)
    print(
        f"  ratio four-level/drf-token, time per request (drf req/s over four-level req/s): "
        f"{served_ratio:.2f}x  {verdict(served_ratio)}"
        f"  (per round: {' '.join(f'{r:.2f}' for r in cost)})"
    )
    if four.cpu_seconds and drf.cpu_seconds:
        cpu_ratio = (four.cpu_seconds / four.requests) / (drf.cpu_seconds / drf.requests)
        print(f"  ratio four-level/drf-token, server CPU per request: {cpu_ratio:.2f}x")
    print(f"  load generator CPU: {100 * served['client_share']:.0f}% of one core", end="")
    if served["client_share"] > 0.9:
        print(" (near saturation: figures may understate the server)", end="")
    print(f"\n  total run time: {total:.0f} s")


def verdict(ratio: float) -> str:
    return f"(within the {TARGET}x target)" if ratio <= TARGET else f"(ABOVE the {TARGET}x target)"


def main() -> int:
    args = parse_args()
    began = time.monotonic()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-auth-"))
    prepare_environment(var_dir, settings_module="bench.auth_settings")
    import django

    django.setup()
    from django.db import connection, connections

    database_url, original = create_database("bench_auth")
    vendor = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    try:
        data = create_data()
        local = in_process(data, iterations=args.iterations, blocks=args.blocks)
        if args.profile:
            profile(data, iterations=args.iterations)
        connections.close_all()
        served = through_server(data, database_url=database_url, var_dir=var_dir, args=args)
    finally:
        destroy_database(original)
        if args.keep:
            print(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    report(local, served, vendor=vendor, args=args, total=time.monotonic() - began)
    return 0


if __name__ == "__main__":
    sys.exit(main())
