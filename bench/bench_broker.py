"""Broker round trip: a task enqueued (`.delay()`) to the moment it starts in a real worker.

    .venv/bin/python bench/bench_broker.py [--rounds 200] [--redis redis://127.0.0.1:6379/3]

Two runs, each with a fresh `celery -A accessprogram worker` (prefork, 2 processes, no beat)
and a producer process configured only by environment variables, as the web process is:
  - the embedded default (no CELERY_BROKER_URL: the SQLite broker file in the bench's VAR_DIR);
  - Redis at --redis (the production setup; skipped with a note when it is not reachable).
Each round the producer sends one test-only task (tests/broker_probe_tasks.py) carrying its send
time and waits until the task has written its start time to a ledger file; the difference is
the round trip. Rounds run one at a time, each after a random pause of up to 100 ms, so each
measures latency, not queueing, at a random point of a polling consumer's cycle. Also printed:
the worker's CPU use while idle for 5 s (its consumer polls the embedded broker).
"""

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from processes import Process  # noqa: E402  (the end-to-end tests' process wrapper)

WARMUP_ROUNDS = 10
# Variables of the calling shell that would point the bench at configured services.
FOREIGN_SETTINGS = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "AWS_STORAGE_BUCKET_NAME")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="measured tasks per broker")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3", help="Redis broker URL")
    parser.add_argument("--produce", metavar="LEDGER", help=argparse.SUPPRESS)  # child mode
    return parser.parse_args()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def produce(ledger: str, rounds: int) -> None:
    """Child process: send tasks one at a time, print the round trips (seconds) as JSON."""
    import django

    django.setup()
    from broker_probe_tasks import open_ledger, record_delivery

    reader = open_ledger(ledger)

    def round_trip(key: str, timeout: float) -> float:
        # A random pause first: sends right after the previous start would all land at the
        # same point of a polling consumer's cycle.
        time.sleep(random.uniform(0, 0.1))
        record_delivery.delay(ledger=ledger, key=key, sent_at=time.time())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = reader.execute(
                "SELECT started_at - sent_at FROM deliveries WHERE key = ?", (key,)
            ).fetchone()
            if row:
                return row[0]
            time.sleep(0.001)
        raise TimeoutError(f"task {key} did not start within {timeout} s")

    round_trip("first", timeout=60)  # the worker may still be starting
    for n in range(WARMUP_ROUNDS):
        round_trip(f"warmup-{n}", timeout=10)
    print(json.dumps([round_trip(f"round-{n}", timeout=10) for n in range(rounds)]))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(label: str, broker_url: str | None, *, rounds: int, var_dir: Path) -> dict:
    var_dir.mkdir(parents=True)
    env = {key: value for key, value in os.environ.items() if key not in FOREIGN_SETTINGS}
    env.update(
        VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="accessprogram.settings",
        PYTHONPATH=str(ROOT / "tests"),
        LOG_LEVEL="WARNING",
    )
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    ledger = var_dir / "ledger.sqlite3"
    worker_options = ["--include", "broker_probe_tasks", "--loglevel", "WARNING"]
    worker_options += ["--concurrency", "2", "--pool", "prefork"]
    worker_options += ["--hostname", f"bench-{uuid.uuid4().hex[:8]}@%h"]
    worker = Process(
        [sys.executable, "-m", "celery", "-A", "accessprogram", "worker", *worker_options],
        env=env,
        log=var_dir / "worker.log",
    )
    try:
        producer = Process(
            [sys.executable, __file__, "--produce", str(ledger), "--rounds", str(rounds)],
            env=env,
            log=var_dir / "producer.log",
        )
        producer.popen.wait(timeout=600)
        producer.stop()
        output = producer.log.read_text().strip().splitlines()
        if producer.popen.returncode != 0 or not output:
            raise RuntimeError(f"{label} producer failed:\n{producer.tail()}\n{worker.tail()}")
        round_trips = json.loads(output[-1])
        before = cpu_seconds(worker.popen.pid)
        time.sleep(5)
        idle_cpu = (cpu_seconds(worker.popen.pid) - before) / 5
    finally:
        worker.stop()
    return {"label": label, "round_trips": round_trips, "idle_cpu": idle_cpu}


def redis_reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=1).close()
    except OSError:
        return False
    return True


def report(result: dict) -> None:
    values = [seconds * 1000 for seconds in result["round_trips"]]
    print(
        f"broker round trip ({result['label']}): median {statistics.median(values):.1f} ms, "
        f"p99 {percentile(values, 0.99):.1f} ms, max {max(values):.1f} ms "
        f"({len(values)} tasks); worker consumer idle CPU {result['idle_cpu'] * 100:.1f}%"
    )


def main() -> int:
    args = parse_args()
    if args.produce:
        produce(args.produce, args.rounds)
        return 0
    var_dir = Path(tempfile.mkdtemp(prefix="bench-broker-"))
    try:
        report(measure("embedded sqlite", None, rounds=args.rounds, var_dir=var_dir / "embedded"))
        if redis_reachable(args.redis):
            report(measure("redis", args.redis, rounds=args.rounds, var_dir=var_dir / "redis"))
        else:
            print(f"broker round trip (redis): skipped, nothing listening at {args.redis}")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
