"""Time from revoking a token to its rendering job being stopped at the engine.

    .venv/bin/python bench/bench_revoke_to_cancel.py [--rounds 30] [--sweep-seconds 1.0]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres  (same command, on PostgreSQL)

Real processes, started from the Procfile's own command lines (runtime.supervise.procfile_command):
the reference engine (5 s per second of video, so a 4-second clip renders for 20 s), the Celery
worker and beat, all on the bench's own database, broker file and media root. Each round:
  1. a tester's job is queued (a Generation row plus the sweep nudge, as the API does) and the
     bench waits until the engine reports it rendering;
  2. `revoke_token` is called; the clock starts just before it;
  3. the engine's `GET /v1/videos/{engine_job_id}` is polled every 5 ms until it answers 404:
     the sweep has deleted the job (the render stops on delete).
The path measured: block + bulk cancel in the revoke transaction, the sweep enqueued on commit,
the worker picking it up from the broker, the sweep deleting the engine job. Target: p99 under
2 s. Baselines from the same run: a Celery round trip (`control.ping` to the worker), the time
from queueing a job to the engine rendering it (step 1, the same worker and sweep path in the
other direction) and the beat interval of the sweep.

SQLite and the embedded SQLite broker in a temp dir by default; with DATABASE_URL naming a
PostgreSQL server, a throwaway database on that server (dropped at the end).
"""

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bench_video_retrieve import free_port, percentile
from environment import ROOT, create_database, destroy_database, prepare_environment

# The end-to-end tests' process wrapper (own session, stop, log tail) serves the bench too.
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
from accessprogram.runtime.supervise import procfile_command
from processes import Process

ENGINE_SECRET = "bench-engine-secret"
TARGET_P99_SECONDS = 2.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="revocations (default 30)")
    parser.add_argument(
        "--sweep-seconds",
        type=float,
        default=1.0,
        help="beat interval of the sweep (default 1.0, the project's default)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, db)")
    return parser.parse_args()


def wait_until(predicate, *, timeout: float, interval: float, what: str, processes=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        for process in processes:
            if not process.alive():
                raise SystemExit(f"{process.log.name} exited:\n{process.tail()}")
        time.sleep(interval)
    tails = "\n".join(f"--- {p.log.name}\n{p.tail()}" for p in processes)
    raise SystemExit(f"timed out after {timeout} s waiting for {what}\n{tails}")


def start_engine(var_dir: Path) -> tuple[Process, str]:
    """The Procfile's engine on a free port, 5 s per second of video (a 4 s clip renders 20 s)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, ENGINE_PORT=str(port), ENGINE_SECONDS_PER_VIDEO_SECOND="5")
    engine = Process(procfile_command("engine", environ=env), env=env, log=var_dir / "engine.log")

    def healthy():
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, timeout=30, interval=0.1, what="the engine", processes=[engine])
    return engine, url


def start_worker(var_dir: Path, *, database_url: str, sweep_seconds: float) -> list[Process]:
    """The Procfile's worker and beat, as `make run` starts them, on the bench's database."""
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        GENERATION_SWEEP_SECONDS=str(sweep_seconds),
        LOG_LEVEL="WARNING",
    )
    return [
        Process(procfile_command(name, environ=env), env=env, log=var_dir / f"{name}.log")
        for name in ("worker", "beat")
    ]


def main() -> int:
    args = parse_args()
    began = time.monotonic()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-revoke-to-cancel-"))
    prepare_environment(var_dir)
    # Shared by this process (it enqueues on commit) and the worker.
    os.environ.update(
        CELERY_POLLING_INTERVAL="0.05",
        MEDIA_ROOT=str(var_dir / "media"),
        ENGINE_SECRET=ENGINE_SECRET,
    )
    processes: list[Process] = []
    engine, engine_url = start_engine(var_dir)
    processes.append(engine)
    os.environ["ENGINE_URL"] = engine_url

    import django

    django.setup()
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)  # "no hostname": filesystem
    from django.db import connection

    database_url, original = create_database("bench_revoke_to_cancel")
    vendor = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    try:
        data = create_data(args.rounds)
        connection.close()
        processes.extend(
            start_worker(var_dir, database_url=database_url, sweep_seconds=args.sweep_seconds)
        )
        results = run_rounds(data, engine_url=engine_url, processes=processes)
    finally:
        for process in reversed(processes):
            process.stop()
        connection.close()
        destroy_database(original)
        if args.keep:
            print(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    report(results, args=args, vendor=vendor, total=time.monotonic() - began)
    return 0  # a missed target is reported, not an error; a job that never stops is (timeout)


def create_data(rounds: int) -> list[tuple]:
    """One tester and token per round, in one program."""
    from django.contrib.auth import get_user_model

    from accessprogram.access.services import issue_token
    from accessprogram.programs.models import Membership, Program

    User = get_user_model()
    program = Program.objects.create(name="Bench program", slug="bench")
    pairs = []
    for n in range(rounds):
        user = User.objects.create(username=f"tester-{n}", email=f"t{n}@example.com", password="!")
        membership = Membership.objects.create(user=user, program=program)
        pairs.append((membership, issue_token(membership=membership, name="bench").token))
    return pairs


def run_rounds(pairs: list[tuple], *, engine_url: str, processes: list[Process]) -> dict:
    from accessprogram.access.services import revoke_token
    from accessprogram.celery import app
    from generation.models import Dispatcher, Generation
    from generation.tasks import advance_generations

    engine = httpx.Client(
        base_url=engine_url, headers={"Authorization": f"Bearer {ENGINE_SECRET}"}, timeout=5
    )
    wait_until(
        lambda: Dispatcher.objects.filter(engine_seen_at__isnull=False).exists(),
        timeout=60,
        interval=0.1,
        what="the first sweep (worker, beat, engine and database all up)",
        processes=processes,
    )
    pings = []
    with app.connection_for_write() as connection:
        # Remote control needs fanout, which the embedded SQLite broker does not offer.
        can_ping = "fanout" in connection.transport.implements.exchange_type
    for _ in range(10 if can_ping else 0):
        sent = time.monotonic()
        if app.control.ping(timeout=2.0, limit=1):
            pings.append(time.monotonic() - sent)

    def rendering(generation_id: int) -> str | None:
        engine_id = Generation.objects.filter(pk=generation_id).values_list(
            "engine_job_id", flat=True
        )[0]
        if engine_id is None:
            return None
        response = engine.get(f"/v1/videos/{engine_id}")
        if response.status_code == 200 and response.json()["status"] == "in_progress":
            return engine_id
        return None

    results = {"cancel": [], "dispatch": [], "revoke_call": [], "pings": pings}
    for n, (membership, token) in enumerate(pairs):
        queued = time.monotonic()
        generation = Generation.objects.create(
            tester_id=membership.user_id,
            program_id=membership.program_id,
            token=token,
            prompt=f"a lighthouse in fog, take {n}",
            seed=n,
        )
        advance_generations.delay()
        engine_id = wait_until(
            lambda generation=generation: rendering(generation.pk),
            timeout=30,
            interval=0.01,
            what=f"job {n} rendering at the engine",
            processes=processes,
        )
        results["dispatch"].append(time.monotonic() - queued)
        started = time.monotonic()
        revoke_token(token=token, reason="bench: leaked")
        results["revoke_call"].append(time.monotonic() - started)
        wait_until(
            lambda engine_id=engine_id: engine.get(f"/v1/videos/{engine_id}").status_code == 404,
            timeout=15,
            interval=0.005,
            what=f"job {n} deleted at the engine",
            processes=processes,
        )
        results["cancel"].append(time.monotonic() - started)
        status = Generation.objects.filter(pk=generation.pk).values_list("status", flat=True)[0]
        assert status == Generation.Status.CANCELLED, status
    engine.close()
    return results


def summary(values: list[float], *, header: bool = False) -> str:
    if header:
        return f"{'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}"
    figures = [percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)]
    return " ".join(f"{1000 * v:>6.0f}" for v in [*figures, max(values)])


def report(results: dict, *, args, vendor: str, total: float) -> None:
    cancel, dispatch = results["cancel"], results["dispatch"]
    print(
        f"Revoke -> engine job deleted, {args.rounds} rounds; real engine, Celery worker and beat ("
        f"sweep every {args.sweep_seconds:g} s), {vendor}, embedded SQLite broker polled every "
        f"0.05 s; target p99 under {TARGET_P99_SECONDS:g} s\n"
    )
    print(f"  {'milliseconds':<42} {summary(cancel, header=True)}")
    print(f"  {'revoke -> engine job gone (measured)':<42} {summary(cancel)}")
    print(f"  {'revoke_token call returned':<42} {summary(results['revoke_call'])}")
    print(f"  {'queued -> rendering at engine (baseline)':<42} {summary(dispatch)}")
    if results["pings"]:
        print(f"  {'Celery control.ping round trip (baseline)':<42} {summary(results['pings'])}")
    p99 = percentile(cancel, 0.99)
    verdict = "within" if p99 < TARGET_P99_SECONDS else "ABOVE"
    print(
        f"\n  p99 {1000 * p99:.0f} ms ({verdict} the {TARGET_P99_SECONDS:g} s target); "
        f"p50 is {statistics.median(cancel) / statistics.median(dispatch):.2f}x the "
        f"queue-to-render time and {statistics.median(cancel) / args.sweep_seconds:.2f}x the "
        f"sweep interval"
        + (
            f", {statistics.median(cancel) / statistics.median(results['pings']):.1f}x a Celery "
            f"ping"
            if results["pings"]
            else ""
        )
    )
    print(f"  per round (ms): {' '.join(f'{1000 * v:.0f}' for v in cancel)}")
    print(f"  total run time: {total:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
