"""The embedded broker in a file of the test's own, whichever setup runs the suite (on the
PostgreSQL + Redis run the broker tests still exercise the embedded broker), and a probe worker."""

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from processes import WorkerProcess

EMBEDDED_TRANSPORT = "accessprogram.runtime.broker:Transport"


@dataclass
class EmbeddedBroker:
    path: Path
    ledger: Path  # where broker_probe_tasks.record_delivery writes

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def publish(self, task_name: str, **kwargs) -> None:
        """Send a task as a producer does, through Celery, to this broker."""
        from accessprogram.celery import app

        with app.connection_for_write(self.url, transport=EMBEDDED_TRANSPORT) as connection:
            app.send_task(task_name, kwargs=kwargs, connection=connection)

    def count(self, database: Path, query: str, *params) -> int:
        if not database.exists():
            return 0
        with contextlib.closing(sqlite3.connect(database, timeout=30)) as connection:
            try:
                return connection.execute(query, params).fetchone()[0]
            except sqlite3.OperationalError:  # its tables are not there yet
                return 0

    def execute(self, query: str, *params) -> None:
        with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as connection:
            connection.execute(query, params)
            connection.commit()

    def start_worker(self, log: Path, name: str = "worker") -> WorkerProcess:
        """A plain consumer (no beat, no engine) that also runs the probe task."""
        return WorkerProcess(
            log=log,
            name=name,
            include=("broker_probe_tasks",),
            beat=False,
            env={"CELERY_BROKER_URL": self.url},
        )
