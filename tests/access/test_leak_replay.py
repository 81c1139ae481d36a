"""A leaked token replayed from many places is suspended on its own, automatically.

The scenario from the field: a tester's token ends up in a public demo and is used from all
over. Here it is used from 25 client addresses within a minute through the real HTTP API. That
token alone is suspended (the request that tipped it over is refused), staff find an alert with
the evidence in the console, and the owner's other token and every other tester keep working.
"""

import httpx
import pytest
from django.core import mail
from rest_framework.test import APIClient

from accessprogram.access import tokens
from accessprogram.access.anomalies import SUSPENDED_MESSAGE
from accessprogram.access.models import AccessBlock, AnomalyPolicy, ApiToken, LeakAlert
from accessprogram.audit.models import AuditRecord
from accessprogram.programs.models import Membership
from factories import MembershipFactory, token_for

URL = "/v1/videos"


def call(secret: str, *, address: str = "198.51.100.7", user_agent: str = "OpenAI/Python 2.8"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get(URL, REMOTE_ADDR=address, HTTP_USER_AGENT=user_agent)


def stored(secret: str) -> ApiToken:
    return ApiToken.objects.get(digest=tokens.digest(secret))


@pytest.fixture
def cast(program, tester):
    """The owner with a leaked and a private token, two other testers, a program manager."""
    return {
        "leaked": token_for(tester, "public demo"),
        "private": token_for(tester, "laptop"),
        "others": [token_for(MembershipFactory(program=program)) for _ in range(2)],
        "manager": MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER),
    }


def test_a_token_used_from_25_addresses_in_a_minute_is_suspended_alone(
    client, program, tester, cast, eager_celery, django_capture_on_commit_callbacks
):
    leaked = cast["leaked"]
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [call(leaked, address=f"203.0.113.{n}").status_code for n in range(1, 26)]

    # 20 addresses are within the default limit; the 21st trips it and is refused with the
    # reason; from then on the suspended token is refused before anything is counted.
    assert statuses == [200] * 20 + [403] + [401] * 4
    tripped = call(leaked, address="203.0.113.99")
    assert tripped.json()["error"]["message"] == SUSPENDED_MESSAGE

    # Exactly that token is suspended: one block, at token level, a suspension (reversible).
    block = AccessBlock.objects.get()
    assert (block.level, block.kind, block.target_id) == ("token", "suspension", stored(leaked).pk)
    assert block.message == SUSPENDED_MESSAGE
    assert stored(leaked).revoked_at is None

    # The owner's other token and every other tester keep working, from anywhere.
    assert call(cast["private"], address="203.0.113.1").status_code == 200
    assert call(cast["private"], address="192.0.2.50").status_code == 200
    for other in cast["others"]:
        assert call(other, address="203.0.113.1").status_code == 200

    # One alert, with the evidence.
    alert = LeakAlert.objects.get()
    assert (alert.token, alert.program, alert.kind, alert.status) == (
        stored(leaked),
        program,
        "address_spread",
        "open",
    )
    assert alert.suspension == block
    evidence = alert.evidence
    assert evidence["address_count"] == 21
    assert evidence["request_count"] == 21
    assert evidence["window_seconds"] == 60
    assert evidence["triggered"] == ["address_spread"]
    assert {row["address"] for row in evidence["addresses"]} == {
        f"203.0.113.{n}" for n in range(1, 22)
    }
    assert all(row["requests"] == 1 for row in evidence["addresses"])
    assert all(row["first_seen"] <= row["last_seen"] for row in evidence["addresses"])
    assert AuditRecord.objects.filter(action="leak.alert_raised").count() == 1

    # Staff see it in the console, with the addresses; tester and staff were told by email.
    client.force_login(cast["manager"].user)
    page = client.get("/console/leaks/").content.decode()
    assert leaked[:12] in page
    assert "Many client addresses" in page
    assert "203.0.113.21" in page
    assert leaked not in page
    recipients = [message.to[0] for message in mail.outbox]  # the tester by the block's notice
    assert sorted(recipients) == sorted([tester.user.email, cast["manager"].user.email])


def test_replayed_through_a_proxy_over_live_http(live_server, settings, program, cast):
    """Same scenario over a real socket: behind one trusted proxy, X-Forwarded-For is the client."""
    settings.TRUSTED_PROXY_COUNT = 1
    leaked = cast["leaked"]

    def get(secret, forwarded_for):
        return httpx.get(
            f"{live_server.url}{URL}",
            headers={
                "Authorization": f"Bearer {secret}",
                # what a client may have sent, then what the proxy appended
                "X-Forwarded-For": f"10.9.9.9, {forwarded_for}",
            },
            timeout=10,
        )

    statuses = [get(leaked, f"203.0.113.{n}").status_code for n in range(1, 26)]
    assert statuses == [200] * 20 + [403] + [401] * 4
    assert get(cast["private"], "203.0.113.5").status_code == 200
    assert get(cast["others"][0], "203.0.113.5").status_code == 200
    assert LeakAlert.objects.get().evidence["address_count"] == 21


def test_forwarded_addresses_are_ignored_without_trusted_proxies(program, cast):
    """Otherwise anyone could spread one token over fake addresses, or hide a real spread."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {cast['leaked']}")
    for n in range(30):
        response = client.get(URL, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        assert response.status_code == 200
    assert not LeakAlert.objects.exists()


def test_a_burst_from_one_address_is_suspended(program, cast):
    AnomalyPolicy.objects.create(program=program, max_requests=30)
    statuses = [call(cast["leaked"]).status_code for _ in range(33)]
    assert statuses == [200] * 30 + [403] + [401] * 2
    alert = LeakAlert.objects.get()
    assert alert.kind == "burst"
    assert alert.evidence["request_count"] == 31
    assert alert.evidence["addresses"] == [
        {
            "address": "198.51.100.7",
            "requests": 31,
            "first_seen": alert.evidence["addresses"][0]["first_seen"],
            "last_seen": alert.evidence["addresses"][0]["last_seen"],
        }
    ]
    assert call(cast["private"]).status_code == 200


def test_the_default_burst_limit_comes_from_settings(settings, cast):
    settings.ANOMALY_MAX_REQUESTS = 12
    statuses = [call(cast["leaked"]).status_code for _ in range(13)]
    assert statuses == [200] * 12 + [403]
    assert LeakAlert.objects.get().evidence["thresholds"]["requests"] == 12


def test_many_user_agents_are_suspended(cast):
    statuses = [
        call(cast["leaked"], user_agent=f"python-requests/2.{n}").status_code for n in range(12)
    ]
    assert statuses == [200] * 10 + [403, 401]
    alert = LeakAlert.objects.get()
    assert alert.kind == "user_agents"
    assert alert.evidence["user_agent_count"] == 11
    assert {row["user_agent"] for row in alert.evidence["user_agents"]} == {
        f"python-requests/2.{n}" for n in range(11)
    }
    assert call(cast["private"], user_agent="python-requests/2.99").status_code == 200


def test_use_within_every_limit_is_never_suspended(cast):
    for n in range(60):
        response = call(cast["leaked"], address=f"203.0.113.{n % 20}", user_agent=f"agent {n % 10}")
        assert response.status_code == 200
    assert not LeakAlert.objects.exists()
    assert not AccessBlock.objects.exists()


def test_a_program_can_switch_detection_off(program, cast):
    AnomalyPolicy.objects.create(program=program, enabled=False)
    for n in range(30):
        assert call(cast["leaked"], address=f"203.0.113.{n}").status_code == 200
    assert not LeakAlert.objects.exists()


def test_a_policy_can_be_stricter_than_the_defaults(program, cast):
    AnomalyPolicy.objects.create(program=program, max_addresses=3)
    statuses = [call(cast["leaked"], address=f"203.0.113.{n}").status_code for n in range(5)]
    assert statuses == [200] * 3 + [403, 401]
