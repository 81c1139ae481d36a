"""The engine's health says whether it has capacity; its log leaves out the polls."""

from __future__ import annotations

import httpx
import pytest
from starlette.testclient import TestClient

from generation.engine.app import create_app
from processes import ENGINE_SECRET, EngineProcess

SLOW = 60.0  # a 4 s clip takes 4 minutes: its slot stays busy for the whole test


@pytest.fixture
def engine_client(tmp_path):
    app = create_app(
        secret="s", slots=1, seconds_per_video_second=SLOW, output_dir=str(tmp_path / "out")
    )
    with TestClient(app, headers={"Authorization": "Bearer s"}) as client:
        yield client


def test_readyz_answers_503_while_every_slot_is_busy_and_healthz_stays_200(engine_client):
    idle = engine_client.get("/readyz", headers={"Authorization": ""})
    assert idle.status_code == 200
    assert idle.json() == {"ok": True, "slots": 1, "busy": 0, "free": 1, "has_capacity": True}

    assert engine_client.post("/v1/videos", json={"prompt": "fills the slot"}).status_code == 201

    full = engine_client.get("/readyz", headers={"Authorization": ""})
    assert full.status_code == 503
    assert full.json()["has_capacity"] is False
    alive = engine_client.get("/healthz", headers={"Authorization": ""})
    assert alive.status_code == 200
    assert alive.json() == {"ok": True, "slots": 1, "busy": 1, "free": 0, "has_capacity": False}


@pytest.mark.e2e
def test_engine_log_has_requests_and_errors_but_no_polls(tmp_path):
    engine = EngineProcess(log=tmp_path / "engine.log")
    try:
        auth = {"Authorization": f"Bearer {ENGINE_SECRET}"}
        with httpx.Client(base_url=engine.url, headers=auth) as client:
            for _ in range(20):
                assert client.get("/v1/capacity").status_code == 200
                assert client.get("/healthz").status_code == 200
                assert client.get("/readyz").status_code == 200
            created = client.post("/v1/videos", json={"prompt": "worth a log line"})
            assert created.status_code == 201
            job_id = created.json()["id"]
            for _ in range(5):  # the sweep follows each running job like this every second
                assert client.get(f"/v1/videos/{job_id}").status_code == 200
            assert client.get("/v1/videos/job_unknown").status_code == 404
        assert httpx.get(f"{engine.url}/v1/capacity").status_code == 401  # no token
    finally:
        engine.stop()
    log = engine.log.read_text()
    assert '"POST /v1/videos HTTP/1.1" 201' in log
    assert '"GET /v1/capacity HTTP/1.1" 401' in log  # a failed poll is worth seeing
    assert '"GET /v1/capacity HTTP/1.1" 200' not in log
    assert f'"GET /v1/videos/{job_id} HTTP/1.1"' not in log
    assert '"GET /v1/videos/job_unknown HTTP/1.1" 404' in log
    assert "/healthz" not in log
    assert "/readyz" not in log
