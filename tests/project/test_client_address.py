"""One rule for the client's address, used by every part that needs it (finding 9).

The agreement records fell back to REMOTE_ADDR while the anomaly detector took the first
X-Forwarded-For entry, which the client writes itself.
"""

import pytest
from allauth.account.adapter import get_adapter
from django.test import RequestFactory
from rest_framework.test import APIClient

from accessprogram.access import anomalies
from accessprogram.access.models import LeakAlert
from accessprogram.client_address import client_ip

CASES = [
    # (trusted proxies, REMOTE_ADDR, X-Forwarded-For, the client)
    (0, "203.0.113.9", "", "203.0.113.9"),
    (0, "203.0.113.9", "6.6.6.6", "203.0.113.9"),  # no proxy trusted: the header is ignored
    (1, "10.0.0.1", "203.0.113.9", "203.0.113.9"),
    (1, "10.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged entry on the left
    (2, "10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
    # Fewer entries than trusted proxies: the header cannot be trusted, the peer can.
    (2, "10.0.0.2", "6.6.6.6", "10.0.0.2"),
    (1, "10.0.0.1", "", "10.0.0.1"),
]


@pytest.mark.parametrize(("proxies", "remote", "forwarded", "client"), CASES)
def test_every_part_agrees_on_the_client(settings, proxies, remote, forwarded, client):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    assert client_ip(request) == client
    assert anomalies.client_address(request) == client  # the detector
    assert get_adapter(request).get_client_ip(request) == client  # sign-in limits, sessions


def test_forged_forwarded_for_values_do_not_spread_one_client(token, settings):
    """One client behind one trusted proxy, writing a new X-Forwarded-For value each time."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ANOMALY_MAX_ADDRESSES = 3
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    for n in range(10):
        forged = f"198.51.100.{n}, 203.0.113.9"  # the proxy appended the real address
        response = api.get("/v1/videos", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forged)
        assert response.status_code == 200
    assert not LeakAlert.objects.exists()
