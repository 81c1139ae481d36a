"""What the token anomaly detector's counting costs, and sees, on each cache backend.

Runs the detector's real counting code (accessprogram.access.anomalies.record_use: one get_many,
one set per request, then the cache's close() as Django's request_finished does) in one process
and in two processes at once, each process using one token as a web worker would:

- LocMemCache, the old embedded default (the baseline): fast, but per process;
- diskcache.DjangoCache as shipped (it closes its SQLite connections after every request);
- SharedDiskCache, the embedded default now (connections kept, busy shards waited for);
- Redis, when --redis URL is given (production).

Figures: microseconds per request (wall and CPU, median over processes), the ratio to the
baseline, and "seen": of all requests made by every process, the share the last request's count
included. A per-process cache sees about 1/n of them with n processes; a shared one about all
(less the rare lost update when two processes rewrite the same shard at once).
"""

import argparse
import multiprocessing
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from environment import prepare_environment

T0 = 1_900_000_040.0  # a fixed clock 20 s into a minute: every request lands in one bucket


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="per process (default 2000)")
    parser.add_argument(
        "--redis", default="", help="also measure this Redis URL (its keys expire in 3 min)"
    )
    return parser.parse_args()


def make_backend(kind: str, location: str):
    from diskcache import DjangoCache
    from django.core.cache.backends.locmem import LocMemCache
    from django.core.cache.backends.redis import RedisCache

    from accessprogram.shared_cache import SharedDiskCache

    if kind == "locmem":
        return LocMemCache("bench", {})
    if kind == "diskcache":
        return DjangoCache(location, {})
    if kind == "shared":
        return SharedDiskCache(location, {"DATABASE_TIMEOUT": 1.0})
    return RedisCache(location, {})


def serve(kind: str, location: str, token_id: int, requests: int, start, results) -> None:
    """One 'web worker': `requests` uses of one token from 20 addresses, as fast as it can."""
    from accessprogram.access import anomalies
    from accessprogram.access.models import ApiToken
    from accessprogram.programs.models import Membership

    backend = make_backend(kind, location)
    anomalies.cache = backend
    # Counts are kept per membership (the token's under it): an unsaved one names the keys.
    membership = Membership(pk=token_id, joined_at=datetime.fromtimestamp(T0, tz=UTC))
    token = ApiToken(pk=token_id, digest=f"{token_id:064d}", membership=membership)
    thresholds = anomalies.Thresholds(
        enabled=True, window_seconds=60, max_addresses=20, max_requests=10**9, max_user_agents=10
    )
    start.wait()
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(requests):
        usage = anomalies.record_use(
            token=token,
            address=f"203.0.113.{n % 20}",
            user_agent="bench",
            thresholds=thresholds,
            now=T0,
        )
        backend.close()  # what Django does when a request finishes
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    results.put((wall / requests * 1e6, cpu / requests * 1e6, usage.requests))


def measure(kind: str, location: str, token_id: int, processes: int, requests: int) -> dict:
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(processes), context.Queue()
    workers = [
        context.Process(target=serve, args=(kind, location, token_id, requests, start, results))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
    return {
        "wall_us": statistics.median(o[0] for o in outcomes),
        "cpu_us": statistics.median(o[1] for o in outcomes),
        "seen": max(o[2] for o in outcomes) / (processes * requests),
    }


def main() -> None:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-shared-cache-"))
    prepare_environment(var_dir)
    import django

    django.setup()

    backends = [
        ("locmem", "LocMemCache (old default)", ""),
        ("diskcache", "diskcache.DjangoCache", str(var_dir / "diskcache")),
        ("shared", "SharedDiskCache (default)", str(var_dir / "shared")),
    ]
    if args.redis:
        backends.append(("redis", "RedisCache", args.redis))
    print(f"{args.requests} requests per process; record_use + close() per request")
    header = f"{'backend':<28}{'procs':>6}{'wall us/req':>13}{'cpu us/req':>12}"
    print(f"{header}{'x base':>8}{'seen':>7}")
    baseline = None
    token_id = 1
    for kind, label, location in backends:
        for processes in (1, 2):
            token_id += 1  # fresh counts for every run
            figures = measure(kind, location, token_id, processes, args.requests)
            if baseline is None:
                baseline = figures["wall_us"]
            print(
                f"{label:<28}{processes:>6}{figures['wall_us']:>13.0f}{figures['cpu_us']:>12.0f}"
                f"{figures['wall_us'] / baseline:>8.1f}{figures['seen']:>7.0%}"
            )


if __name__ == "__main__":
    main()
