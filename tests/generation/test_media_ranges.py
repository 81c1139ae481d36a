"""Video bytes (the watermarked preview) are served with Range support, to the owner only."""

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from rendition_fixtures import ready_rendition

from generation.media import _byte_range
from generation.models import Asset, Generation

CONTENT = bytes(range(256)) * 40  # 10,240 bytes: the watermarked preview that is served
ORIGINAL = b"original, never served" * 100


@pytest.fixture
def video(tester, media_root):
    generation = Generation.objects.create(
        tester=tester.user,
        program=tester.program,
        prompt="p",
        seed=1,
        status=Generation.Status.COMPLETED,
    )
    key = f"generations/{generation.public_id}.mp4"
    (media_root / "generations").mkdir(parents=True)
    (media_root / key).write_bytes(ORIGINAL)
    Asset.objects.create(
        generation=generation,
        storage_key=key,
        sha256="0" * 64,
        bytes=len(ORIGINAL),
        width=1280,
        height=720,
        duration_seconds=4,
        codec="h264",
    )
    ready_rendition(generation, CONTENT)
    return generation


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def owner(client, tester):
    client.force_login(tester.user)
    return client


def test_a_whole_file_advertises_ranges(owner, video):
    response = owner.get(reverse("portal:video-media", args=[video.public_id]))
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == CONTENT


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, 10239),
        ("bytes=-500", 9740, 10239),
        ("bytes=10000-20000", 10000, 10239),
    ],
)
def test_a_range_returns_exactly_those_bytes(owner, video, header, start, end):
    response = owner.get(reverse("portal:video-media", args=[video.public_id]), HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(CONTENT)}"
    assert int(response["Content-Length"]) == end - start + 1
    assert body(response) == CONTENT[start : end + 1]


@pytest.mark.parametrize("header", ["bytes=20000-", "bytes=50-10", "bytes=-0", "items=0-1"])
def test_an_unsatisfiable_range_is_416(owner, video, header):
    response = owner.get(reverse("portal:video-media", args=[video.public_id]), HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(CONTENT)}"


def test_the_api_download_supports_ranges_too(api, video):
    response = api.get(f"/v1/videos/{video.public_id}/content", HTTP_RANGE="bytes=10-19")
    assert response.status_code == 206
    assert body(response) == CONTENT[10:20]


@settings(max_examples=200)
@given(size=st.integers(1, 5000), first=st.integers(0, 6000), last=st.integers(0, 6000))
def test_parsed_ranges_always_lie_inside_the_file(size, first, last):
    parsed = _byte_range(f"bytes={first}-{last}", size)
    if parsed is None:
        assert first > min(last, size - 1)
    else:
        assert 0 <= parsed[0] <= parsed[1] < size


def test_an_absurdly_long_range_is_416_not_500(owner, video):
    response = owner.get(
        reverse("portal:video-media", args=[video.public_id]),
        HTTP_RANGE="bytes=" + "9" * 5000 + "-",
    )
    assert response.status_code == 416
