"""Real processes for end-to-end tests: the reference engine and a Celery worker (with beat)."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
ENGINE_SECRET = "test-engine-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def _log_tail(path: Path) -> str:
    return path.read_text(errors="replace")[-4000:] if path.exists() else ""


class Process:
    def __init__(self, args: list[str], *, env: dict, log: Path):
        self.log = log
        self._log_file = log.open("wb")
        # Its own session, so a crash can take down the process and all its children at once.
        self.popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole process group: no chance to clean up, as in a crash."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)  # stragglers, e.g. orphaned pool children
        self._log_file.close()

    def tail(self) -> str:
        return _log_tail(self.log)


class EngineProcess(Process):
    def __init__(self, *, log: Path, slots: int = 2, speed: float = 0.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(
            [
                sys.executable,
                "-m",
                "generation.engine",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--slots",
                str(slots),
                "--speed",
                str(speed),
                "--secret",
                ENGINE_SECRET,
            ],
            env=dict(os.environ),
            log=log,
        )
        wait_until(self._healthy, timeout=30, what=f"engine on {self.url}\n{self.tail()}")

    def _healthy(self) -> bool:
        if not self.alive():
            raise RuntimeError(f"engine exited:\n{self.tail()}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def jobs(self) -> list[dict]:
        response = httpx.get(
            f"{self.url}/v1/videos", headers={"Authorization": f"Bearer {ENGINE_SECRET}"}
        )
        response.raise_for_status()
        return response.json()["data"]


def test_database_url() -> str:
    """A DATABASE_URL naming the database this test run uses (not the configured one)."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(name).resolve()}"
    configured = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(configured._replace(path=f"/{name}"))


class WorkerProcess(Process):
    """`celery worker -B`: a real worker with embedded beat, sweeping every 0.3 s."""

    def __init__(self, *, engine: EngineProcess, log: Path, name: str = "worker"):
        env = dict(os.environ)
        env.update(
            DATABASE_URL=test_database_url(),
            ENGINE_URL=engine.url,
            ENGINE_SECRET=ENGINE_SECRET,
            MEDIA_ROOT=str(settings.MEDIA_ROOT),
            GENERATION_SWEEP_SECONDS="0.3",
            GENERATION_LEASE_SECONDS="3",
            GENERATION_REDISPATCH_AFTER_SECONDS="2",
            CELERY_POLLING_INTERVAL="0.05",
        )
        schedule = log.with_suffix(".schedule")
        super().__init__(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "accessprogram",
                "worker",
                "-B",
                "--schedule",
                str(schedule),
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--queues",  # the default queue and revocations' own (CELERY_TASK_ROUTES)
                "celery,safety",
                "--pool",
                "prefork",
                "--hostname",
                f"{name}-{os.getpid()}@%h",
            ],
            env=env,
            log=log,
        )
