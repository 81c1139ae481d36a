"""Throughput of `GET /v1/videos/{id}` against a plain DRF baseline served by the same server.

    .venv/bin/python bench/bench_video_retrieve.py [--rounds 4] [--seconds 2.5] [--clients 4]

The candidate is the real tester endpoint: bearer-token authentication (token lookup and access
checks), the tester-and-program scoped lookup, and the OpenAI-shaped serializer. The baseline is
a plain DRF `APIView` with `AllowAny` and no authentication doing one indexed lookup of the same
Generation row and returning a small dict, so the ratio candidate/baseline is the price of auth,
scoping and serialization on top of "DRF plus one query". A third endpoint, fixed JSON with no
database, is measured alongside as the floor.

Everything runs against a throwaway SQLite database in a temp dir (configured DATABASE_URL and
friends are ignored). The project is served by gunicorn in a subprocess: one gthread worker,
so the server holds one core and the load generator (threads with one keep-alive httpx client
each) the other on a two-core machine. Rounds are interleaved, the endpoint order rotating each
round, so drift on a shared machine hits all endpoints alike; the ratio is the median of the
per-round ratios. Server CPU time per request (from /proc) is printed as well: it is much less
sensitive to noisy neighbours than throughput.
"""

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
# The bench must never touch a configured database, broker, cache or bucket.
FOREIGN_SETTINGS = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "AWS_STORAGE_BUCKET_NAME",
    "DJANGO_SETTINGS_MODULE",
)
SERVER_THREADS = 4
OTHER_TESTERS = 20
ROWS_PER_TESTER = 100
GOAL = 0.9  # candidate/baseline throughput (issue 14)


@dataclass
class Endpoint:
    name: str
    path: str
    headers: dict
    describe: str
    latencies: list = field(default_factory=list)  # seconds, every request of every round
    round_rps: list = field(default_factory=list)
    requests: int = 0
    cpu_seconds: float = 0.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds (default 4)")
    parser.add_argument(
        "--seconds", type=float, default=2.5, help="length of one endpoint's turn (default 2.5)"
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (db, server log)")
    return parser.parse_args()


def prepare_environment(var_dir: Path) -> None:
    for name in FOREIGN_SETTINGS:
        os.environ.pop(name, None)
    os.environ["VAR_DIR"] = str(var_dir)
    os.environ["DEPLOYMENT"] = "development"  # the embedded default, development secrets included
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def create_data() -> dict:
    """Migrate the throwaway database; one tester with a token and a completed video, plus
    other testers' rows so the lookups run against an index of realistic size."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from accessprogram.access.services import issue_token
    from accessprogram.programs.models import Membership, Program
    from generation.models import Generation

    call_command("migrate", verbosity=0)
    User = get_user_model()
    program = Program.objects.create(name="Bench program", slug="bench")
    tester = User.objects.create_user("bench-tester", "bench@example.com", "not-used")
    membership = Membership.objects.create(user=tester, program=program)
    secret = issue_token(membership=membership, name="bench").secret
    now = timezone.now()
    video = Generation.objects.create(
        tester=tester,
        program=program,
        prompt="a paper boat drifting at dusk",
        seed=7,
        status=Generation.Status.COMPLETED,
        progress=100,
        completed_at=now,
    )
    others = [
        User.objects.create_user(f"other-{i}", f"other-{i}@example.com", "not-used")
        for i in range(OTHER_TESTERS)
    ]
    Membership.objects.bulk_create([Membership(user=u, program=program) for u in others])
    Generation.objects.bulk_create(
        Generation(
            tester=user,
            program=program,
            prompt=f"filler {i}",
            seed=i,
            status=Generation.Status.COMPLETED,
            progress=100,
            completed_at=now,
        )
        for user in others
        for i in range(ROWS_PER_TESTER)
    )
    connections.close_all()
    return {"secret": secret, "video_id": video.public_id}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, log: Path) -> subprocess.Popen:
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "accessprogram.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--worker-class",
        "gthread",
        "--threads",
        str(SERVER_THREADS),
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
        "--chdir",
        str(ROOT),
    ]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with log.open("wb") as out:
        server = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/bench/fixed", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop_server(server)
    raise SystemExit(f"gunicorn did not answer within 30 s:\n{log.read_text()[-3000:]}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def worker_pids(master_pid: int) -> list[int]:
    """gunicorn's worker processes (children of the master), from /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name: state, ppid, ...
        if int(stat.rsplit(")", 1)[1].split()[1]) == master_pid:
            pids.append(int(entry.name))
    return pids


def cpu_seconds(pids: list[int]) -> float | None:
    """User plus system CPU time of these processes, or None where /proc is unavailable."""
    try:
        ticks = 0
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None


def drive(base_url: str, endpoint: Endpoint, *, seconds: float, clients: int) -> tuple[int, list]:
    """`clients` threads, each with its own keep-alive client, for `seconds`; returns the number
    of requests completed and their latencies. Any answer but 200 aborts the bench."""
    start = threading.Barrier(clients + 1)
    results: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []

    def client(latencies: list[float]) -> None:
        with httpx.Client(base_url=base_url, headers=endpoint.headers, timeout=10) as http:
            http.get(endpoint.path)  # open the connection before the clock starts
            start.wait()
            deadline = time.perf_counter() + seconds
            while (now := time.perf_counter()) < deadline:
                response = http.get(endpoint.path)
                latencies.append(time.perf_counter() - now)
                if response.status_code != 200:
                    failures.append(f"{endpoint.path} -> {response.status_code}: {response.text}")
                    return

    threads = [threading.Thread(target=client, args=(r,)) for r in results]
    for thread in threads:
        thread.start()
    start.wait()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{endpoint.name}: {failures[0][:500]}")
    latencies = [x for r in results for x in r]
    return len(latencies), latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    args = parse_args()
    began = time.monotonic()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-video-retrieve-"))
    prepare_environment(var_dir)
    data = create_data()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    video = data["video_id"]
    candidate = Endpoint(
        "candidate",
        f"/v1/videos/{video}",
        {"Authorization": f"Bearer {data['secret']}"},
        "GET /v1/videos/{id}: token auth + scoped lookup + VideoOutput serializer",
    )
    baseline = Endpoint(
        "baseline",
        f"/bench/lookup/{video}",
        {},
        "plain DRF APIView, AllowAny, no auth, one indexed lookup of the same row, small dict",
    )
    floor = Endpoint("floor", "/bench/fixed", {}, "plain DRF APIView, AllowAny, fixed JSON, no DB")
    endpoints = [candidate, baseline, floor]

    server = start_server(port, var_dir / "gunicorn.log")
    try:
        body = httpx.get(base_url + candidate.path, headers=candidate.headers).json()
        assert body["id"] == video and body["object"] == "video", body
        unauthorised = httpx.get(base_url + candidate.path)
        assert unauthorised.status_code == 401, unauthorised.text
        workers = worker_pids(server.pid)
        for endpoint in endpoints:  # warm-up: imports, first queries, token last-used write
            drive(base_url, endpoint, seconds=0.5, clients=args.clients)

        client_cpu = time.process_time()
        measured = time.perf_counter()
        for round_no in range(args.rounds):
            shift = round_no % len(endpoints)
            for endpoint in endpoints[shift:] + endpoints[:shift]:
                cpu_before = cpu_seconds(workers)
                began_turn = time.perf_counter()
                count, latencies = drive(
                    base_url, endpoint, seconds=args.seconds, clients=args.clients
                )
                elapsed = time.perf_counter() - began_turn
                cpu_after = cpu_seconds(workers)
                endpoint.round_rps.append(count / elapsed)
                endpoint.latencies.extend(latencies)
                endpoint.requests += count
                if cpu_before is not None and cpu_after is not None:
                    endpoint.cpu_seconds += cpu_after - cpu_before
        client_share = (time.process_time() - client_cpu) / (time.perf_counter() - measured)
    finally:
        stop_server(server)
        if args.keep:
            print(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)

    report(endpoints, args=args, client_share=client_share, total=time.monotonic() - began)
    return 0


def report(endpoints: list[Endpoint], *, args, client_share: float, total: float) -> None:
    candidate, baseline, _ = endpoints
    print(
        f"GET /v1/videos/{{id}} vs a plain DRF baseline, same gunicorn process "
        f"(1 gthread worker x {SERVER_THREADS} threads), {args.clients} keep-alive httpx "
        f"clients, SQLite; {args.rounds} interleaved rounds x {args.seconds:g} s per endpoint\n"
    )
    for endpoint in endpoints:
        print(f"  {endpoint.name:<9} {endpoint.describe}")
    print()
    print(f"  {'endpoint':<9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'server CPU ms/req':>18}")
    for endpoint in endpoints:
        rps = statistics.median(endpoint.round_rps)
        cpu = (
            f"{1000 * endpoint.cpu_seconds / endpoint.requests:.2f}"
            if endpoint.cpu_seconds
            else "n/a"
        )
        print(
            f"  {endpoint.name:<9} {rps:>8.0f} {1000 * percentile(endpoint.latencies, 0.5):>8.2f} "
            f"{1000 * percentile(endpoint.latencies, 0.99):>8.2f} {cpu:>18}"
        )
    ratios = [c / b for c, b in zip(candidate.round_rps, baseline.round_rps, strict=True)]
    print(
        f"\n  throughput ratio candidate/baseline: {statistics.median(ratios):.2f}"
        f"  (per round: {' '.join(f'{r:.2f}' for r in ratios)})"
    )
    if candidate.cpu_seconds and baseline.cpu_seconds:
        per_request = (candidate.cpu_seconds / candidate.requests) / (
            baseline.cpu_seconds / baseline.requests
        )
        print(f"  server CPU per request candidate/baseline: {per_request:.2f}x")
    print(f"  load generator CPU: {100 * client_share:.0f}% of one core", end="")
    if client_share > 0.9:
        print(" (near saturation: figures may understate the server)", end="")
    print(f"\n  total run time: {total:.0f} s")
    verdict = "goal met" if statistics.median(ratios) >= GOAL else "below the goal"
    print(f"retrieve ratio: {statistics.median(ratios):.2f} (goal >= {GOAL}: {verdict})")


if __name__ == "__main__":
    sys.exit(main())
