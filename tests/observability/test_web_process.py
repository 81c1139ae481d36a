"""The web as people run it: gunicorn with two worker processes (the Procfile's web line)."""

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from scrape import value

import processes
from processes import Process, free_port, wait_until

pytestmark = pytest.mark.e2e
METRICS_TOKEN = "test-metrics-token"


class WebProcess(Process):
    def __init__(self, *, log: Path, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        gunicorn = Path(sys.executable).parent / "gunicorn"
        args = [str(gunicorn), "accessprogram.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        args += ["--workers", "2", "--access-logfile", "-"]
        args += ["--logger-class", "accessprogram.observability.gunicorn_logging.QuietProbeLogger"]
        super().__init__(args, env={**os.environ, "METRICS_TOKEN": METRICS_TOKEN, **env}, log=log)
        wait_until(self._alive, timeout=60, what=f"gunicorn on {self.url}\n{self.tail()}")

    def _alive(self) -> bool:
        if not self.alive():
            raise RuntimeError(f"gunicorn exited:\n{self.tail()}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def scrape(self) -> str:
        response = httpx.get(
            f"{self.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        assert response.status_code == 200, response.text
        return response.text


def test_every_worker_process_is_counted_in_every_scrape(tmp_path, transactional_db):
    shared = tmp_path / "prometheus"
    shared.mkdir()
    web = WebProcess(
        log=tmp_path / "web.log",
        env={
            "DATABASE_URL": processes.test_database_url(),
            "PROMETHEUS_MULTIPROC_DIR": str(shared),
        },
    )
    try:
        # Concurrent requests: a sync worker serves one at a time, so both workers take some.
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(
                pool.map(lambda _: httpx.get(f"{web.url}/accounts/login/").status_code, range(40))
            )
        assert statuses == [200] * 40
        writers = {path.stem.split("_")[-1] for path in shared.glob("counter_*.db")}
        assert len(writers) == 2, writers  # both worker processes recorded requests
        for _ in range(4):  # whichever worker answers the scrape, it reports all 40
            text = web.scrape()
            login = {"view": "account_login", "method": "GET", "status": "200"}
            assert value(text, "accessprogram_http_requests_total", **login) == 40
            assert value(text, "accessprogram_generations_queued") == 0
        assert httpx.get(f"{web.url}/metrics").status_code == 403  # no token
        for _ in range(10):
            assert httpx.get(f"{web.url}/readyz").status_code == 200
    finally:
        web.stop()
    log = web.log.read_text()
    assert log.count('"GET /accounts/login/ HTTP/1.1" 200') == 40
    assert '"GET /metrics HTTP/1.1" 403' in log  # a refused scrape is worth a line
    assert '"GET /metrics HTTP/1.1" 200' not in log
    assert "/healthz" not in log
    assert "/readyz" not in log


def test_readyz_names_the_database_cache_and_broker_when_they_are_down(tmp_path):
    closed = free_port()  # nothing listens there
    web = WebProcess(
        log=tmp_path / "web.log",
        env={
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed}/unreachable",
            "REDIS_URL": f"redis://127.0.0.1:{closed}/0",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{closed}/1",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        },
    )
    try:
        assert httpx.get(f"{web.url}/healthz").json() == {"status": "ok"}  # alive regardless
        response = httpx.get(f"{web.url}/readyz", timeout=30)
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["failed"] == ["database", "cache", "broker"]
        assert body["worker"]["ok"] is False
    finally:
        web.stop()
    log = web.log.read_text()
    assert "not ready: database (OperationalError)" in log
    assert '"GET /readyz HTTP/1.1" 503' in log  # failed probes stay in the access log
