"""How the anomaly detector counts: addresses, the sliding window, its cost per request."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accessprogram.access import anomalies, tokens
from accessprogram.access.models import AnomalyPolicy, ApiToken, LeakAlert
from factories import token_for

T0 = 1_900_000_040.0  # 20 s into a minute


@pytest.fixture
def clock(monkeypatch):
    """Unix time as the detector sees it; tests move it by assigning `clock.now`."""

    class Clock:
        now = T0

    monkeypatch.setattr(anomalies, "clock", lambda: Clock.now)
    return Clock


def call(secret, address):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get("/v1/videos", REMOTE_ADDR=address).status_code


# --- Client addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "203.0.113.9"),
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "203.0.113.9"),
        # a client-chosen entry on the left does not fool one trusted proxy
        (
            1,
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"},
            "203.0.113.9",
        ),
        (
            2,
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9, 10.0.0.1"},
            "203.0.113.9",
        ),
        # fewer entries than trusted proxies: the header proves nothing, the peer is the client
        (2, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "10.0.0.2"),
        (1, {"REMOTE_ADDR": "10.0.0.1"}, "10.0.0.1"),
        (0, {"REMOTE_ADDR": "2001:db8:1:2:aaaa::1"}, "2001:db8:1:2::/64"),
        (0, {"REMOTE_ADDR": "::ffff:192.0.2.5"}, "192.0.2.5"),
        (0, {"REMOTE_ADDR": "not-an-ip"}, "not-an-ip"),
        (0, {}, "unknown"),
    ],
)
def test_client_address(settings, proxies, meta, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/")
    request.META = dict(meta)
    assert anomalies.client_address(request) == expected


def test_one_ipv6_subscriber_counts_as_one_address(token):
    """Privacy addresses rotate inside a /64: 30 of them are still one client."""
    for n in range(30):
        assert call(token, f"2001:db8:0:1::{n + 1:x}") == 200
    assert not LeakAlert.objects.exists()


# --- The sliding window -----------------------------------------------------------------------


def test_addresses_spread_over_more_than_the_window_do_not_trip(clock, token):
    for n in range(15):
        assert call(token, f"203.0.113.{n}") == 200
    clock.now = T0 + 61  # the first 15 have left the 60 s window
    for n in range(15, 30):
        assert call(token, f"203.0.113.{n}") == 200
    assert not LeakAlert.objects.exists()


def test_the_window_slides_across_minute_boundaries(clock, token):
    for n in range(15):  # at :20
        assert call(token, f"203.0.113.{n}") == 200
    clock.now = T0 + 50  # at :10 of the next minute: all 15 are 50 s old, still inside
    statuses = [call(token, f"198.51.100.{n}") for n in range(7)]
    assert statuses == [200] * 5 + [403, 401]
    assert LeakAlert.objects.get().evidence["address_count"] == 21


def test_the_oldest_minute_counts_only_in_part_for_bursts(clock, program, token):
    AnomalyPolicy.objects.create(program=program, max_requests=20)
    clock.now = T0 + 30  # :50
    for _ in range(16):
        assert call(token, "203.0.113.1") == 200
    clock.now = T0 + 70  # :30 next minute: 16 requests in the previous minute count half
    statuses = [call(token, "203.0.113.1") for _ in range(14)]
    assert statuses == [200] * 12 + [403, 401]  # 8 + 13 = 21 > 20


def test_a_longer_window_from_the_policy(clock, program, token):
    AnomalyPolicy.objects.create(program=program, window_seconds=300, max_addresses=5)
    for n in range(5):
        clock.now = T0 + 55 * n
        assert call(token, f"203.0.113.{n}") == 200
    clock.now = T0 + 280
    assert call(token, "203.0.113.99") == 403


# --- Cost -------------------------------------------------------------------------------------


class CountingCache:
    def __init__(self, inner):
        self.inner, self.calls = inner, []

    def __getattr__(self, name):
        attribute = getattr(self.inner, name)
        if callable(attribute):

            def counted(*args, **kwargs):
                self.calls.append(name)
                return attribute(*args, **kwargs)

            return counted
        return attribute


def test_a_request_costs_one_cache_read_and_one_write(monkeypatch, token):
    """Token and membership counts live in the same entries: one read, one single-key write
    (for a request from a new address; see test_token_anomaly_held_counts for the others)."""
    counting = CountingCache(cache)
    monkeypatch.setattr(anomalies, "cache", counting)
    for n in range(5):
        assert call(token, f"203.0.113.{n}") == 200
    assert counting.calls == ["get_many", "set"] * 5


def test_no_database_writes_and_no_extra_query_on_the_hot_path(token):
    assert call(token, "203.0.113.1") == 200  # writes last_used_at once
    with CaptureQueriesContext(connection) as queries:
        assert call(token, "203.0.113.2") == 200
    token_queries = [q["sql"] for q in queries.captured_queries if "access_apitoken" in q["sql"]]
    assert len(token_queries) == 1  # the one look-up, policy included (select_related)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_stored_detail_stays_bounded(token):
    """A flood of distinct user agents does not grow the cached entries without limit."""
    secret = token
    stored = ApiToken.objects.select_related("membership__program").get(
        digest=tokens.digest(secret)
    )
    thresholds = anomalies.thresholds_for(stored.membership.program)
    for n in range(200):
        usage = anomalies.record_use(
            token=stored,
            address="203.0.113.1",
            user_agent=f"agent {n}",
            thresholds=thresholds,
            now=T0,
        )
    assert len(usage.user_agents) <= anomalies.SHARDS * (thresholds.max_user_agents + 1) + 1
    assert usage.requests == 200


def test_thresholds_fall_back_to_settings_field_by_field(settings, program):
    settings.ANOMALY_MAX_ADDRESSES = 7
    settings.ANOMALY_MAX_REQUESTS = 70
    assert anomalies.thresholds_for(program).max_addresses == 7
    AnomalyPolicy.objects.create(program=program, max_requests=5)
    program.refresh_from_db()
    thresholds = anomalies.thresholds_for(program)
    assert (thresholds.max_addresses, thresholds.max_requests) == (7, 5)
    assert thresholds.window_seconds == settings.ANOMALY_WINDOW_SECONDS


def test_long_user_agents_are_cut(token, tester):
    request = RequestFactory().get("/", HTTP_USER_AGENT="x" * 5000, REMOTE_ADDR="203.0.113.1")
    stored = ApiToken.objects.select_related("membership__program").get(digest=tokens.digest(token))
    anomalies.check_token_use(token=stored, request=request)
    usage = anomalies.record_use(
        token=stored,
        address="203.0.113.1",
        user_agent="y",
        thresholds=anomalies.thresholds_for(stored.membership.program),
        now=anomalies.clock(),
    )
    assert {len(agent) for agent in usage.user_agents} == {anomalies.USER_AGENT_LENGTH, 1}


def test_a_testers_tokens_are_counted_together(tester):
    """Spreading use over two tokens does not halve it (tests/access/test_token_limits.py)."""
    first, second = token_for(tester, "one"), token_for(tester, "two")
    answers = []
    for n in range(15):
        answers += [call(first, f"203.0.113.{n}"), call(second, f"198.51.100.{n}")]
    assert 403 in answers
    assert LeakAlert.objects.get().evidence["scope"] == "membership"
