"""A test-only Celery task that records each delivery in a ledger file, for broker tests and the
broker bench. A worker loads it with `--include broker_probe_tasks` (tests/ on PYTHONPATH; see
processes.WorkerProcess(include=...)).

The ledger is its own SQLite file (not the app database, so it works on either setup): a key
may be recorded once; a second delivery of the same key lands in `duplicates`.
"""

import contextlib
import os
import sqlite3
import time
from pathlib import Path

from accessprogram.celery import app

LEDGER_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    key TEXT PRIMARY KEY, sent_at REAL NOT NULL, started_at REAL NOT NULL, pid INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS duplicates (key TEXT NOT NULL, started_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS starts (key TEXT NOT NULL, started_at REAL NOT NULL);
"""


def open_ledger(path: str | Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.executescript(LEDGER_SCHEMA)
    return connection


@app.task(name="broker_probe.record_delivery")
def record_delivery(
    *, ledger: str, key: str, sent_at: float, hold_first_start_seconds: float = 0
) -> None:
    """Records the delivery. `starts` counts every start, `deliveries` the completed ones; the
    first start of a key may hold that long first (a task that a crash can interrupt)."""
    started_at = time.time()  # first thing: the bench reads enqueue -> start from this
    with contextlib.closing(open_ledger(ledger)) as connection:  # autocommit: each row at once
        connection.execute("INSERT INTO starts (key, started_at) VALUES (?, ?)", (key, started_at))
        (starts,) = connection.execute(
            "SELECT COUNT(*) FROM starts WHERE key = ?", (key,)
        ).fetchone()
        if starts == 1:
            time.sleep(hold_first_start_seconds)
        try:
            connection.execute(
                "INSERT INTO deliveries (key, sent_at, started_at, pid) VALUES (?, ?, ?, ?)",
                (key, sent_at, started_at, os.getpid()),
            )
        except sqlite3.IntegrityError:
            connection.execute(
                "INSERT INTO duplicates (key, started_at) VALUES (?, ?)", (key, started_at)
            )
