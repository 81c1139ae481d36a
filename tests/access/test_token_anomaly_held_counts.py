"""A process holds its anomaly counts between reads of the shared cache (access.held_counts):
the same client's requests cost no cache round trip for about a second, every request still
reaches the shared counts, and what another process counted is seen within that second."""

import pytest
from django.core.cache import cache
from test_token_anomalies import T0, CountingCache, call

from accessprogram.access import anomalies, held_counts, tokens
from accessprogram.access.models import AnomalyPolicy, ApiToken, LeakAlert

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = T0

    monkeypatch.setattr(anomalies, "clock", lambda: Clock.now)
    return Clock


def minute_keys(secret: str) -> list[str]:
    token = ApiToken.objects.get(digest=tokens.digest(secret))
    bucket = int(T0 // anomalies.BUCKET_SECONDS)
    return list(
        anomalies._keys(anomalies._membership_key(token), range(bucket, bucket + 1)).values()
    )


def test_one_read_and_write_a_second_while_nothing_new_shows_up(monkeypatch, clock, token):
    counting = CountingCache(cache)
    monkeypatch.setattr(anomalies, "cache", counting)
    for _ in range(10):
        assert call(token, "203.0.113.1") == 200
    assert counting.calls == ["get_many", "set"]  # the first; nine counted in this process
    clock.now = T0 + held_counts.SYNC_SECONDS
    assert call(token, "203.0.113.1") == 200
    assert counting.calls == ["get_many", "set"] * 2
    entries = cache.get_many(minute_keys(token)).values()
    assert sum(entry["n"] for entry in entries) == 11  # every request reached the shared counts
    assert call(token, "203.0.113.2") == 200  # a new address is read and written at once
    assert counting.calls == ["get_many", "set"] * 3


def test_another_process_counts_are_seen_within_a_second(clock, program, token):
    AnomalyPolicy.objects.create(program=program, max_requests=20)
    assert call(token, "203.0.113.1") == 200
    # Another web process served 25 requests of this tester in the same minute.
    key = minute_keys(token)[0]
    entry = cache.get(key) or {"n": 0, "a": {}, "u": {}}
    entry["n"] += 25
    cache.set(key, entry, 300)
    assert call(token, "203.0.113.1") == 200  # counted here, the shared counts not read again
    clock.now = T0 + held_counts.SYNC_SECONDS
    assert call(token, "203.0.113.1") == 403  # read: 1 + 25 + 2 > 20
    assert LeakAlert.objects.get().kind == LeakAlert.Kind.BURST


def test_a_threshold_crossed_in_memory_is_decided_on_fresh_counts(
    monkeypatch, clock, program, token
):
    AnomalyPolicy.objects.create(program=program, max_requests=5)
    counting = CountingCache(cache)
    monkeypatch.setattr(anomalies, "cache", counting)
    statuses = [call(token, "203.0.113.1") for _ in range(7)]
    assert statuses == [200] * 5 + [403, 401]
    # The first request and the one that crossed read the shared counts; the rest did not.
    assert counting.calls[:4] == ["get_many", "set", "get_many", "set"]
