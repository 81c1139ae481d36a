"""Shared by the /v1/videos tests: the Video object's fields and how an error looks."""

from datetime import UTC, datetime

from rest_framework.test import APIClient

VIDEO_FIELDS = {
    "id",
    "object",
    "created_at",
    "completed_at",
    "expires_at",
    "status",
    "progress",
    "prompt",
    "seconds",
    "size",
    "model",
    "seed",
    "remixed_from_video_id",
    "error",
}
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def client_for(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def assert_not_found(response, video_id):
    assert response.status_code == 404, response.content
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "not_found"
    assert video_id in error["message"]


# --- create --------------------------------------------------------------------------------


PREVIEW_BYTES = b"\x00\x00\x00\x18ftypmp42 the watermarked preview"
