"""Shared by the engine's HTTP tests: its secret, waiting for a job, and its error shape."""

import time

from starlette.testclient import TestClient

SECRET = "test-secret"
AUTH = {"Authorization": f"Bearer {SECRET}"}


def wait_for(client: TestClient, job_id: str, status: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/v1/videos/{job_id}").json()
        if job["status"] == status:
            return job
        assert job["status"] in ("queued", "in_progress"), job
        assert time.monotonic() < deadline, f"timed out waiting for {status}: {job}"
        time.sleep(0.05)


def assert_error(response, status: int, type_: str, param=None, code=None) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == type_
    assert isinstance(error["message"], str) and error["message"]
    assert error["param"] == param
    if code is not None:
        assert error["code"] == code
    return error
