"""manage.py worker_health: 1 without a consuming worker, 0 with a real one; the worker's log
says what happened to each job, not what each sweep did."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from scrape import value

import processes
from accessprogram.observability.models import WorkerHeartbeat
from generation.models import Generation
from generation.services import request_generation
from processes import ROOT, wait_until


def test_no_heartbeat_means_not_consuming(db):
    with pytest.raises(CommandError, match=r"any worker: not consuming .* no heartbeat recorded"):
        call_command("worker_health")


def test_a_stale_heartbeat_means_not_consuming(db, capsys):
    seen = timezone.now() - timedelta(seconds=90)
    WorkerHeartbeat.objects.create(hostname="worker@a", pid=1, seen_at=seen)
    with pytest.raises(CommandError, match="worker@a last seen 90 s ago"):
        call_command("worker_health", "--max-age", "30")
    call_command("worker_health", "--max-age", "120")
    assert "worker@a: consuming" in capsys.readouterr().out


def test_a_named_worker_is_checked_alone(db):
    WorkerHeartbeat.objects.create(hostname="worker@a", pid=1, seen_at=timezone.now())
    call_command("worker_health", "--hostname", "worker@a")
    with pytest.raises(CommandError, match="worker@b: not consuming"):
        call_command("worker_health", "--hostname", "worker@b")


def worker_health(**env) -> subprocess.CompletedProcess:
    """The command as a supervisor runs it: its own process, exit status and output."""
    env = {**os.environ, "DATABASE_URL": processes.test_database_url(), **env}
    return subprocess.run(
        [sys.executable, "manage.py", "worker_health", "--max-age", "10"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.e2e
def test_a_supervisor_polling_worker_health_leaves_no_metric_files(transactional_db, tmp_path):
    """Run every few seconds for months: it must not leave a file per run to be scraped."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    checked = worker_health(PROMETHEUS_MULTIPROC_DIR=str(shared))
    assert checked.returncode == 1, checked.stderr
    assert list(shared.iterdir()) == []


@pytest.mark.e2e
def test_a_real_worker_is_consuming_until_it_stops(worker, client, program, tester, settings):
    settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS = 10
    wait_until(WorkerHeartbeat.objects.exists, timeout=60, what=f"a heartbeat\n{worker.tail()}")
    checked = worker_health()
    assert checked.returncode == 0, checked.stderr + worker.tail()
    assert ": consuming (heartbeat" in checked.stdout
    assert client.get("/readyz").json()["worker"]["ok"] is True

    # A job through the real worker: its render shows in this process's scrape (the worker's
    # pool children write to the same multiprocess directory) and in its log, once.
    render = "accessprogram_generation_render_seconds_count"
    before = value(client.get("/metrics").content.decode(), render, outcome="completed")
    generation = request_generation(membership=tester, prompt="a kite over dunes")

    def finished():
        generation.refresh_from_db()
        return generation.status not in Generation.ACTIVE_STATUSES

    wait_until(finished, timeout=120, what=f"the render\n{worker.tail()}")
    assert generation.status == Generation.Status.COMPLETED, generation.error_message

    def counted() -> float:  # observed just after the completion commits, so wait for it
        return value(client.get("/metrics").content.decode(), render, outcome="completed")

    wait_until(lambda: counted() > before, timeout=10, what="the render to be counted")
    assert counted() - before == 1

    worker.stop()
    log = worker.log.read_text()
    assert log.count(f"{generation.public_id} completed:") == 1
    assert "rendering" in log
    for per_sweep_noise in ("Sending due task", "Received task", "succeeded in"):
        assert per_sweep_noise not in log
    assert not WorkerHeartbeat.objects.exists()  # a clean stop says so at once
    stopped = worker_health()
    assert stopped.returncode == 1
    assert "not consuming" in stopped.stderr
