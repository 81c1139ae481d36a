"""Four producer processes and a real worker on the embedded broker at once: 2,000 tasks, each
run exactly once, and the consumer never dies (kombu's filesystem broker lost its worker to a
half-written message under this kind of load)."""

import contextlib
import os
import sqlite3
import sys

import pytest

from processes import ROOT, Process, WorkerProcess, wait_until

pytestmark = pytest.mark.e2e

PRODUCERS = 4
TASKS_PER_PRODUCER = 500

# A producer as the web process is one: settings from the environment, then .delay().
PRODUCE = """
import sys, time
import django
django.setup()
from broker_probe_tasks import record_delivery
ledger, producer, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for n in range(count):
    record_delivery.delay(ledger=ledger, key=f"{producer}-{n}", sent_at=time.time())
"""


def count_rows(path, query: str) -> int:
    if not path.exists():
        return 0
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
        try:
            return connection.execute(query).fetchone()[0]
        except sqlite3.OperationalError:  # table not created yet
            return 0


def test_many_producers_and_a_worker_deliver_every_task_exactly_once(tmp_path):
    broker = tmp_path / "broker.sqlite3"  # the embedded broker, whichever setup runs the tests
    ledger = tmp_path / "ledger.sqlite3"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": f"sqlite:///{broker}",
        "DJANGO_SETTINGS_MODULE": "accessprogram.settings",
        "PYTHONPATH": str(ROOT / "tests"),
    }
    worker = WorkerProcess(
        log=tmp_path / "worker.log",
        include=("broker_probe_tasks",),
        beat=False,
        env={"CELERY_BROKER_URL": env["CELERY_BROKER_URL"]},
    )
    producers = [
        Process(
            [sys.executable, "-c", PRODUCE, str(ledger), f"p{n}", str(TASKS_PER_PRODUCER)],
            env=env,
            log=tmp_path / f"producer-{n}.log",
        )
        for n in range(PRODUCERS)
    ]
    expected = PRODUCERS * TASKS_PER_PRODUCER
    try:
        for producer in producers:
            assert producer.popen.wait(timeout=300) == 0, producer.tail()

        def all_delivered():
            if not worker.alive():
                raise AssertionError(f"the worker died:\n{worker.tail()}")
            return count_rows(ledger, "SELECT COUNT(*) FROM deliveries") == expected

        wait_until(all_delivered, timeout=300, interval=0.5, what=f"deliveries\n{worker.tail()}")
        # Every message acknowledged (deleted), none set aside, none still claimed.
        wait_until(
            lambda: count_rows(broker, "SELECT COUNT(*) FROM kombu_message") == 0,
            timeout=60,
            what="the last acks",
        )
        assert count_rows(broker, "SELECT COUNT(*) FROM kombu_dead_letter") == 0
        assert count_rows(ledger, "SELECT COUNT(*) FROM duplicates") == 0
        assert count_rows(ledger, "SELECT COUNT(*) FROM starts") == expected
        with contextlib.closing(sqlite3.connect(ledger)) as connection:
            keys = {key for (key,) in connection.execute("SELECT key FROM deliveries")}
        assert keys == {f"p{p}-{n}" for p in range(PRODUCERS) for n in range(TASKS_PER_PRODUCER)}
        assert worker.alive()
        assert "Unrecoverable error" not in worker.log.read_text(errors="replace")
    finally:
        for producer in producers:
            producer.stop()
        worker.stop()
