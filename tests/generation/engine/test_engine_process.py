"""The engine as a real process: CLI, real HTTP over a socket, clean signal shutdown."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import av
import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_engine(tmp_path: Path, *, speed: float) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "ENGINE_OUTPUT_DIR": str(tmp_path / "out")}
    args = ["--port", str(port), "--slots", "1", "--speed", str(speed), "--secret", "s"]
    # Files, not pipes: nothing can fill up and block the engine. Popen dups the fds.
    with open(tmp_path / "stdout.log", "w") as stdout, open(tmp_path / "stderr.log", "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "generation.engine", *args],
            cwd=REPO_ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, (tmp_path / "stderr.log").read_text()
        try:
            if httpx.get(f"{base}/healthz", timeout=1).json()["ok"] is True:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "engine did not become healthy"
        time.sleep(0.1)
    return process, base


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> int:
    process.send_signal(sig)
    try:
        return process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_engine_process_serves_a_render_and_exits_on_sigterm(tmp_path):
    process, base = start_engine(tmp_path, speed=0)
    try:
        # stdout also carries uvicorn's access log, so look for the line among the others.
        lines = (tmp_path / "stdout.log").read_text().splitlines()
        assert f"engine listening on {base} (1 slots)" in lines
        with httpx.Client(base_url=base, headers={"Authorization": "Bearer s"}) as client:
            assert httpx.get(f"{base}/v1/capacity").status_code == 401
            created = client.post("/v1/videos", json={"prompt": "over the wire", "seconds": "4"})
            assert created.status_code == 201
            job_id = created.json()["id"]
            deadline = time.monotonic() + 60
            while (job := client.get(f"/v1/videos/{job_id}").json())["status"] != "completed":
                assert job["status"] in ("queued", "in_progress"), job
                assert time.monotonic() < deadline
                time.sleep(0.1)
            content = client.get(f"/v1/videos/{job_id}/content")
            assert content.status_code == 200
            with av.open(io.BytesIO(content.content)) as container:
                assert sum(1 for _ in container.decode(video=0)) == 96
    finally:
        code = stop(process)
    assert code == 0, (tmp_path / "stderr.log").read_text()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_engine_process_exits_promptly_while_rendering(tmp_path, sig):
    process, base = start_engine(tmp_path, speed=100)  # the render would take 400 s
    try:
        headers = {"Authorization": "Bearer s"}
        created = httpx.post(f"{base}/v1/videos", json={"prompt": "long"}, headers=headers)
        assert created.status_code == 201
        assert httpx.get(f"{base}/v1/capacity", headers=headers).json()["busy"] == 1
        started = time.monotonic()
    finally:
        code = stop(process, sig)
    assert code == 0, (tmp_path / "stderr.log").read_text()
    assert time.monotonic() - started < 10
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()
    assert not list((tmp_path / "out").glob("*.part"))
