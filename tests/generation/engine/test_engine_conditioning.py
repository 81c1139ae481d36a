"""The engine's conditioning inputs: a start frame (input_reference) and character insets."""

import base64
import io

import av
import numpy as np
import pytest
from engine_api_helpers import AUTH, SECRET, assert_error, wait_for
from PIL import Image
from starlette.testclient import TestClient

from generation.engine.app import create_app


def data_url(width: int, height: int, colour=(20, 160, 220), fmt="PNG") -> str:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format=fmt)
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def client(tmp_path):
    app = create_app(secret=SECRET, slots=2, seconds_per_video_second=0, output_dir=str(tmp_path))
    with TestClient(app, headers=AUTH) as client:
        yield client


def first_frame(client, job_id: str) -> np.ndarray:
    content = client.get(f"/v1/videos/{job_id}/content").content
    with av.open(io.BytesIO(content)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24").astype(int)


def test_the_reference_is_the_first_frame(client):
    body = {"prompt": "sky", "seconds": "4", "size": "1280x720"}
    job = client.post(
        "/v1/videos", json={**body, "input_reference": {"image_url": data_url(1280, 720)}}
    ).json()
    assert job["input_reference"] is True
    wait_for(client, job["id"], "completed")
    assert np.abs(first_frame(client, job["id"]) - (20, 160, 220)).mean() < 3
    plain = client.post("/v1/videos", json=body).json()
    wait_for(client, plain["id"], "completed")
    assert np.abs(first_frame(client, plain["id"]) - (20, 160, 220)).mean() > 30


def test_characters_appear_as_insets(client):
    job = client.post(
        "/v1/videos",
        json={
            "prompt": "a rower",
            "seconds": "4",
            "size": "1280x720",
            "characters": [{"name": "Lu", "image_url": data_url(64, 64, (250, 250, 20), "JPEG")}],
        },
    ).json()
    assert job["characters"] == 1
    wait_for(client, job["id"], "completed")
    inset = first_frame(client, job["id"])[14:194, 14:334]  # a quarter wide, 14 px margin
    assert np.abs(inset - (250, 250, 20)).mean() < 6


@pytest.mark.parametrize(
    "extra,param",
    [
        ({"input_reference": {"image_url": data_url(720, 1280)}}, "input_reference"),
        ({"input_reference": {"image_url": "https://example.com/a.png"}}, "input_reference"),
        (
            {"input_reference": {"image_url": "data:image/png;base64,bm90IGFuIGltYWdl"}},
            "input_reference",
        ),
        ({"characters": [{"image_url": data_url(8, 8)}]}, "characters"),
        ({"characters": [{"name": "x", "image_url": data_url(8, 8)}] * 5}, "characters"),
    ],
)
def test_bad_conditioning_is_a_400_naming_the_field(client, extra, param):
    response = client.post("/v1/videos", json={"prompt": "p", "size": "1280x720", **extra})
    assert_error(response, 400, "invalid_request_error", param=param)
