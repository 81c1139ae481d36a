"""Real processes for end-to-end tests: the reference engine and a Celery worker (with beat)."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
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
                "--pool",
                "prefork",
                "--hostname",
                f"{name}-{os.getpid()}@%h",
            ],
            env=env,
            log=log,
        )


class SupervisedPlatform(Process):
    """The Procfile's processes under supervisord, started as `make run` starts them.

    Ports are free ones and the database is this test run's; everything else is the real thing:
    gunicorn with two workers, both Celery workers, beat, the engine and the crash watcher.
    """

    def __init__(
        self,
        *,
        var_dir: Path,
        media_root: Path,
        procfile: Path | None = None,
        env: dict | None = None,
        wait_for_web: bool = True,
    ):
        self.var_dir = var_dir
        var_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.engine_url = f"http://127.0.0.1:{free_port()}"
        full_env = dict(os.environ)
        full_env.update(
            VAR_DIR=str(var_dir),
            DATABASE_URL=test_database_url(),
            MEDIA_ROOT=str(media_root),
            PORT=str(self.port),
            ENGINE_PORT=self.engine_url.rsplit(":", 1)[1],
            ENGINE_URL=self.engine_url,
            ENGINE_SECRET=ENGINE_SECRET,
            GENERATION_SWEEP_SECONDS="0.3",
            GENERATION_LEASE_SECONDS="3",
            GENERATION_REDISPATCH_AFTER_SECONDS="2",
            CELERY_POLLING_INTERVAL="0.05",
            PYTHONUNBUFFERED="1",
        )
        full_env.update(env or {})
        args = [sys.executable, "-m", "accessprogram.runtime.supervise"]
        if procfile is not None:
            args += ["--procfile", str(procfile)]
        super().__init__(args, env=full_env, log=var_dir / "supervise.log")
        self.config = var_dir / "supervisord.conf"
        if wait_for_web:
            wait_until(self._web_answers, timeout=90, what=f"the web process\n{self.tail()}")
            wait_until(self._engine_answers, timeout=60, what=f"the engine\n{self.tail()}")

    def _web_answers(self) -> bool:
        if not self.alive():
            raise RuntimeError(f"supervisord exited:\n{self.tail()}")
        try:
            return httpx.get(f"{self.url}/accounts/login/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def _engine_answers(self) -> bool:
        try:
            return httpx.get(f"{self.engine_url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def ctl(self, *args: str) -> str:
        supervisorctl = Path(sys.executable).with_name("supervisorctl")
        result = subprocess.run(
            [str(supervisorctl), "--configuration", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return result.stdout

    def states(self) -> dict[str, tuple[str, int | None]]:
        """{name: (state, pid)} for every supervised process, e.g. {"web": ("RUNNING", 123)}."""
        states = {}
        for line in self.ctl("status").splitlines():
            parts = line.split()
            if len(parts) < 2:
                continue
            name = parts[0].split(":")[-1]
            pid = int(parts[3].rstrip(",")) if parts[1] == "RUNNING" else None
            states[name] = (parts[1], pid)
        return states

    def pid(self, name: str) -> int:
        state, pid = self.states()[name]
        assert state == "RUNNING" and pid, f"{name} is {state}"
        return pid

    def wait_running(self, *names: str, timeout: float = 60) -> dict[str, int]:
        def running():
            states = self.states()
            if all(states.get(name, ("", None))[0] == "RUNNING" for name in names):
                return {name: states[name][1] for name in names}
            return None

        return wait_until(running, timeout=timeout, what=f"{names} running\n{self.tail()}")

    def crash(self, name: str) -> int:
        """SIGKILL a supervised process and its children (it leads its own process group)."""
        pid = self.pid(name)
        os.killpg(pid, signal.SIGKILL)
        return pid

    def interrupt(self, timeout: float = 60) -> int:
        """Ctrl-C: SIGINT to supervisord; returns its exit status."""
        self.popen.send_signal(signal.SIGINT)
        return self.popen.wait(timeout=timeout)

    def stop(self) -> None:
        """Stop supervisord and make sure none of its children outlives the test."""
        children = [pid for _, pid in self.states().values() if pid] if self.alive() else []
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=45)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        self._log_file.close()


class Watchdog(threading.Thread):
    """Fetches a URL every `interval` seconds and remembers the longest time without an answer."""

    def __init__(self, url: str, *, interval: float = 0.2, headers: dict | None = None):
        super().__init__(daemon=True)
        self.url, self.interval, self.headers = url, interval, headers or {}
        self.stopping = threading.Event()
        self.answered = 0
        self.failures: list[str] = []
        self.longest_gap = 0.0

    def run(self) -> None:
        last_answer = time.monotonic()
        with httpx.Client(timeout=5) as client:
            while not self.stopping.is_set():
                try:
                    status = client.get(self.url, headers=self.headers).status_code
                    ok = status < 500
                    if not ok:
                        self.failures.append(f"HTTP {status}")
                except httpx.HTTPError as error:
                    ok = False
                    self.failures.append(repr(error))
                now = time.monotonic()
                if ok:
                    self.answered += 1
                    last_answer = now
                self.longest_gap = max(self.longest_gap, now - last_answer)
                self.stopping.wait(self.interval)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stopping.set()
        self.join(timeout=10)
