"""HTTP contract of the engine, exercised in-process through Starlette's TestClient."""

from __future__ import annotations

import io
import os
import re
import shutil
import threading
import time

import av
import pytest
from engine_api_helpers import AUTH, SECRET, assert_error, wait_for
from starlette.testclient import TestClient

from generation.engine import jobs
from generation.engine.app import create_app
from generation.engine.jobs import JobRegistry, NoFreeSlot
from generation.engine.render import RenderCancelled, render_video

SLOW = 60.0  # seconds per video second: a 4 s clip would take 4 minutes, i.e. stays running


@pytest.fixture
def make_client(tmp_path):
    clients = []

    def make(*, slots: int = 2, speed: float = 0.0) -> TestClient:
        app = create_app(
            secret=SECRET,
            slots=slots,
            seconds_per_video_second=speed,
            output_dir=str(tmp_path / "out"),
        )
        client = TestClient(app, headers=AUTH)
        client.__enter__()  # runs the lifespan, so exit cancels renders
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_healthz_needs_no_auth(make_client):
    client = make_client()
    response = client.get("/healthz", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.json() == {"ok": True, "slots": 2, "busy": 0, "free": 2, "has_capacity": True}


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer wrong",
        f"Basic {SECRET}",
        f"Bearer {SECRET}x",
        "Bearer ünï".encode(),
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/videos"),
        ("POST", "/v1/videos"),
        ("GET", "/v1/videos/job_x"),
        ("GET", "/v1/videos/job_x/content"),
        ("DELETE", "/v1/videos/job_x"),
        ("GET", "/v1/capacity"),
    ],
)
def test_every_endpoint_requires_the_secret(make_client, header, method, path):
    client = make_client()
    headers = {} if header is None else {"Authorization": header}
    client.headers.pop("Authorization")
    response = client.request(method, path, headers=headers, json={"prompt": "x"})
    assert_error(response, 401, "authentication_error")
    assert client.get("/v1/videos", headers=AUTH).json()["data"] == []


def test_bearer_scheme_is_case_insensitive(make_client):
    client = make_client()
    response = client.get("/v1/capacity", headers={"Authorization": f"bearer {SECRET}"})
    assert response.json() == {"slots": 2, "busy": 0, "started": 0}


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({}, "prompt"),
        ({"prompt": None}, "prompt"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": "   "}, "prompt"),
        ({"prompt": 5}, "prompt"),
        ({"prompt": "x" * 4001}, "prompt"),
        ({"prompt": "ok", "seconds": "5"}, "seconds"),
        ({"prompt": "ok", "seconds": 5}, "seconds"),
        ({"prompt": "ok", "seconds": 4.0}, "seconds"),
        ({"prompt": "ok", "seconds": True}, "seconds"),
        ({"prompt": "ok", "seconds": 0}, "seconds"),
        ({"prompt": "ok", "seconds": ""}, "seconds"),
        ({"prompt": "ok", "size": ""}, "size"),
        ({"prompt": "ok", "size": "640x480"}, "size"),
        ({"prompt": "ok", "size": ["1280x720"]}, "size"),
        ({"prompt": "ok", "seed": -1}, "seed"),
        ({"prompt": "ok", "seed": 2**31}, "seed"),
        ({"prompt": "ok", "seed": "12"}, "seed"),
        ({"prompt": "ok", "seed": 1.5}, "seed"),
        ({"prompt": "ok", "seed": True}, "seed"),
        ({"prompt": "ok", "client_ref": "r" * 101}, "client_ref"),
        ({"prompt": "ok", "client_ref": ""}, "client_ref"),
        ({"prompt": "ok", "client_ref": 7}, "client_ref"),
        (["prompt", "ok"], None),
    ],
)
def test_invalid_create_bodies_are_400_with_param(make_client, body, param):
    client = make_client()
    assert_error(client.post("/v1/videos", json=body), 400, "invalid_request_error", param=param)
    assert client.get("/v1/videos").json()["data"] == []


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe"])
def test_malformed_json_is_400(make_client, raw):
    client = make_client()
    response = client.post("/v1/videos", content=raw, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "invalid_request_error", param=None, code="invalid_json")


def test_create_poll_download_roundtrip(make_client):
    client = make_client()
    before = int(time.time())
    response = client.post("/v1/videos", json={"prompt": "a fox in snow", "client_ref": "gen-1"})
    assert response.status_code == 201
    job = response.json()
    assert re.fullmatch(r"job_[0-9a-f]{32}", job["id"])
    assert job["object"] == "video"
    assert job["status"] in ("queued", "in_progress")
    assert job["seconds"] == "4" and job["size"] == "1280x720"
    assert job["prompt"] == "a fox in snow" and job["client_ref"] == "gen-1"
    assert 0 <= job["seed"] <= 2**31 - 1
    assert job["created_at"] >= before and job["completed_at"] is None
    assert job["error"] is None and 0 <= job["progress"] < 100

    done = wait_for(client, job["id"], "completed")
    assert done["progress"] == 100
    assert done["completed_at"] >= done["created_at"]

    content = client.get(f"/v1/videos/{job['id']}/content")
    assert content.status_code == 200
    assert content.headers["content-type"] == "video/mp4"
    with av.open(io.BytesIO(content.content)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.codec_context.width, stream.codec_context.height) == (1280, 720)
        assert sum(1 for _ in container.decode(stream)) == 96

    # The default seed is derived from the prompt, so the same prompt gets the same seed.
    again = client.post("/v1/videos", json={"prompt": "a fox in snow", "seconds": 4})
    assert again.status_code == 201 and again.json()["seed"] == job["seed"]
    wait_for(client, again.json()["id"], "completed")
    assert client.get("/v1/capacity").json() == {"slots": 2, "busy": 0, "started": 2}


def test_fields_are_echoed_and_ints_accepted_for_seconds(make_client):
    client = make_client(slots=1, speed=SLOW)
    body = {"prompt": "tall", "seconds": 12, "size": "1024x1792", "seed": 2**31 - 1}
    job = client.post("/v1/videos", json=body).json()
    assert (job["seconds"], job["size"], job["seed"]) == ("12", "1024x1792", 2**31 - 1)
    assert job["client_ref"] is None


def test_explicit_nulls_mean_defaults(make_client):
    client = make_client(slots=1, speed=SLOW)
    body = {"prompt": "n", "seconds": None, "size": None, "seed": None, "client_ref": None}
    job = client.post("/v1/videos", json=body).json()
    assert (job["seconds"], job["size"], job["client_ref"]) == ("4", "1280x720", None)
    assert isinstance(job["seed"], int)


def test_client_ref_is_idempotent_after_completion(make_client):
    client = make_client()
    first = client.post("/v1/videos", json={"prompt": "p", "client_ref": "same"}).json()
    wait_for(client, first["id"], "completed")
    # Even different parameters must not start a second render for the same client_ref.
    repeat = client.post("/v1/videos", json={"prompt": "other", "client_ref": "same"})
    assert repeat.status_code == 200
    assert repeat.json()["id"] == first["id"] and repeat.json()["status"] == "completed"
    assert [job["id"] for job in client.get("/v1/videos").json()["data"]] == [first["id"]]


def test_busy_slots_give_429_but_idempotent_repeat_still_200(make_client, tmp_path):
    client = make_client(slots=1, speed=SLOW)
    running = client.post("/v1/videos", json={"prompt": "slow", "client_ref": "r1"})
    assert running.status_code == 201
    job_id = running.json()["id"]
    assert client.get("/v1/capacity").json() == {"slots": 1, "busy": 1, "started": 1}

    assert_error(
        client.post("/v1/videos", json={"prompt": "another"}),
        429,
        "rate_limit_error",
        code="no_free_slot",
    )
    repeat = client.post("/v1/videos", json={"prompt": "slow", "client_ref": "r1"})
    assert repeat.status_code == 200 and repeat.json()["id"] == job_id

    assert_error(
        client.get(f"/v1/videos/{job_id}/content"), 409, "conflict_error", code="not_ready"
    )
    job = wait_for(client, job_id, "in_progress")
    assert 0 <= job["progress"] < 100
    assert len(client.get("/v1/videos").json()["data"]) == 1


def test_delete_cancels_running_render_and_frees_slot(make_client, tmp_path):
    client = make_client(slots=1, speed=0.5)  # 2 s render: long enough to catch it running
    job_id = client.post("/v1/videos", json={"prompt": "doomed", "client_ref": "d"}).json()["id"]
    out = tmp_path / "out"
    deadline = time.monotonic() + 10
    while not (out / f"{job_id}.mp4.part").exists():  # encoding has really started
        assert time.monotonic() < deadline
        time.sleep(0.01)

    response = client.delete(f"/v1/videos/{job_id}")
    assert response.status_code == 200
    assert response.json() == {"id": job_id, "object": "video.deleted", "deleted": True}
    assert_error(client.get(f"/v1/videos/{job_id}"), 404, "not_found_error", param="id")
    assert client.get("/v1/capacity").json() == {"slots": 1, "busy": 0, "started": 1}

    # Encoding stops (partial file removed) well before the 2 s the render would take.
    deadline = time.monotonic() + 1.0
    while os.listdir(out):
        assert time.monotonic() < deadline, os.listdir(out)
        time.sleep(0.01)

    # The slot is reusable, and the forgotten client_ref starts a fresh render.
    fresh = client.post("/v1/videos", json={"prompt": "doomed", "client_ref": "d"})
    assert fresh.status_code == 201 and fresh.json()["id"] != job_id
    wait_for(client, fresh.json()["id"], "completed")


def test_delete_completed_job_removes_file(make_client, tmp_path):
    client = make_client()
    job_id = client.post("/v1/videos", json={"prompt": "keep?"}).json()["id"]
    wait_for(client, job_id, "completed")
    assert (tmp_path / "out" / f"{job_id}.mp4").exists()
    assert client.delete(f"/v1/videos/{job_id}").status_code == 200
    assert not (tmp_path / "out" / f"{job_id}.mp4").exists()
    assert client.get("/v1/videos").json() == {"object": "list", "data": []}


def test_unknown_ids_are_404(make_client):
    client = make_client()
    for method, path in [
        ("GET", "/v1/videos/job_missing"),
        ("GET", "/v1/videos/job_missing/content"),
        ("DELETE", "/v1/videos/job_missing"),
    ]:
        assert_error(client.request(method, path), 404, "not_found_error", param="id")
    assert_error(client.get("/v1/nope"), 404, "not_found_error")
    assert_error(client.put("/v1/videos"), 405, "invalid_request_error")


def test_list_is_newest_first(make_client):
    client = make_client(slots=3, speed=SLOW)
    ids = [client.post("/v1/videos", json={"prompt": f"p{i}"}).json()["id"] for i in range(3)]
    listed = client.get("/v1/videos").json()
    assert listed["object"] == "list"
    assert [job["id"] for job in listed["data"]] == ids[::-1]


def test_render_failure_marks_job_failed(make_client, tmp_path):
    client = make_client()
    shutil.rmtree(tmp_path / "out")  # the encoder can no longer open its output file
    job_id = client.post("/v1/videos", json={"prompt": "fails"}).json()["id"]
    job = wait_for(client, job_id, "failed", timeout=10)
    assert job["error"]["code"] == "render_failed" and job["error"]["message"]
    assert job["completed_at"] is None
    assert_error(client.get(f"/v1/videos/{job_id}/content"), 409, "conflict_error")
    assert client.get("/v1/capacity").json()["busy"] == 0


def test_delete_stops_the_encoder_itself(make_client, monkeypatch):
    """The render must observe cancellation, not just run to the end unobserved."""
    outcome, finished = {}, threading.Event()

    def spy(**kwargs):
        on_frame = kwargs["on_frame"]
        outcome["frames"] = 0

        def count(done, total):
            outcome["frames"] = done
            on_frame(done, total)

        try:
            render_video(**{**kwargs, "on_frame": count})
            outcome["result"] = "completed"
        except RenderCancelled:
            outcome["result"] = "cancelled"
        finally:
            finished.set()

    monkeypatch.setattr(jobs, "render_video", spy)
    client = make_client(slots=1, speed=SLOW)
    job_id = client.post("/v1/videos", json={"prompt": "spied"}).json()["id"]
    wait_for(client, job_id, "in_progress")
    assert client.delete(f"/v1/videos/{job_id}").status_code == 200
    assert finished.wait(10)
    assert outcome["result"] == "cancelled"
    assert outcome["frames"] < 96


def test_render_respects_speed_factor(tmp_path):
    # Tiny frames encode in well under 0.1 s, so the elapsed time is all pacing.
    registry = JobRegistry(slots=1, seconds_per_video_second=0.25, output_dir=str(tmp_path))
    try:
        started = time.monotonic()
        job, _ = registry.submit(
            prompt="paced", seconds=4, width=64, height=64, seed=1, client_ref=None
        )
        time.sleep(0.5)
        halfway = registry.get(job["id"])
        assert halfway["status"] == "in_progress" and 20 <= halfway["progress"] <= 80
        while registry.get(job["id"])["status"] != "completed":
            assert time.monotonic() - started < 10
            time.sleep(0.01)
        assert 1.0 <= time.monotonic() - started < 3.0
    finally:
        registry.shutdown()


def test_concurrent_creates_with_one_client_ref_start_one_render(tmp_path):
    registry = JobRegistry(slots=4, seconds_per_video_second=SLOW, output_dir=str(tmp_path))
    results, barrier = [], threading.Barrier(8)

    def create():
        barrier.wait()
        results.append(
            registry.submit(prompt="p", seconds=4, width=64, height=64, seed=1, client_ref="shared")
        )

    threads = [threading.Thread(target=create) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({job["id"] for job, _ in results}) == 1
        assert sorted(created for _, created in results) == [False] * 7 + [True]
        assert len(registry.list_jobs()) == 1
    finally:
        registry.shutdown()


def test_concurrent_creates_never_exceed_slots(tmp_path):
    registry = JobRegistry(slots=2, seconds_per_video_second=SLOW, output_dir=str(tmp_path))
    outcomes, barrier = [], threading.Barrier(10)

    def create(i):
        barrier.wait()
        try:
            registry.submit(prompt="p", seconds=4, width=64, height=64, seed=i, client_ref=None)
            outcomes.append("ok")
        except NoFreeSlot:
            outcomes.append("full")

    threads = [threading.Thread(target=create, args=(i,)) for i in range(10)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["full"] * 8 + ["ok"] * 2
        assert registry.capacity() == {"slots": 2, "busy": 2, "started": 2}
    finally:
        started = time.monotonic()
        registry.shutdown()
        assert time.monotonic() - started < 2  # shutdown cancels slow renders promptly
