"""One token used from many client addresses is suspended at the threshold, whichever web process
serves each request: the counts live in the shared cache, not in a process's memory."""

import httpx
import pytest
from django.conf import settings

from accessprogram.access.blocks import blocks_in_force
from accessprogram.access.models import AccessBlock, LeakAlert

pytestmark = pytest.mark.e2e


def get_videos(server, token: str, *, source: str) -> int:
    """One request from `source`, a loopback address of its own (127.0.0.0/8 on Linux)."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=server.url, transport=transport, timeout=30) as client:
        response = client.get("/v1/videos", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


def test_a_token_from_25_addresses_is_suspended_by_the_21st(web_servers, token):
    assert settings.ANOMALY_MAX_ADDRESSES == 20  # the servers run with the same default
    # Requests alternate between the two processes (a per-process cache needed ~41 addresses).
    statuses = [
        get_videos(web_servers[n % 2], token, source=f"127.0.0.{10 + n}") for n in range(25)
    ]

    assert statuses[:20] == [200] * 20, statuses
    assert statuses[20] == 403, statuses  # the 21st address: suspended on the spot
    assert 200 not in statuses[21:], statuses
    alert = LeakAlert.objects.get()
    assert alert.kind == LeakAlert.Kind.ADDRESS_SPREAD
    assert alert.evidence["address_count"] == 21
    assert {row["address"] for row in alert.evidence["addresses"]} == {
        f"127.0.0.{10 + n}" for n in range(21)
    }
    assert blocks_in_force().filter(level=AccessBlock.Level.TOKEN).count() == 1
    for server in web_servers:
        assert server.workers_that_served("/v1/videos"), server.tail()
