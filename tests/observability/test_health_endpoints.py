"""/healthz and /readyz: cheap, open, untouched by the other middleware, honest about failures."""

import pytest
from django.db import OperationalError, connection

from accessprogram.observability import checks, views
from accessprogram.observability.models import WorkerHeartbeat
from accessprogram.programs.services import publish_agreement


def test_healthz_answers_without_touching_the_database(client):
    # No db fixture: any query would fail the test ("Database access not allowed").
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readyz_reports_each_dependency(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert "failed" not in body


def test_readyz_answers_503_naming_the_database_when_it_is_down(client, db, monkeypatch):
    def unreachable():
        raise OperationalError("connection refused (password=secret)")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", unreachable)
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["database"]
    assert body["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "ms": body["checks"]["database"]["ms"],
    }
    assert "secret" not in response.content.decode()  # class names only, never messages
    assert body["checks"]["cache"]["ok"] and body["checks"]["broker"]["ok"]


def test_an_outage_is_logged_when_it_starts_and_ends_not_per_probe(client, db, caplog, monkeypatch):
    def down():
        raise ConnectionError("nope")

    monkeypatch.setattr(views, "_last_failed", [])
    with monkeypatch.context() as patch:
        patch.setitem(checks.CHECKS, "cache", down)
        for _ in range(3):
            assert client.get("/readyz").status_code == 503
    assert client.get("/readyz").status_code == 200
    assert client.get("/readyz").status_code == 200
    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        "not ready: cache (ConnectionError) unreachable",
        "ready again: database, cache, broker reachable",
    ]


def test_readyz_names_every_failing_dependency(client, db, monkeypatch):
    def down():
        raise ConnectionError("nope")

    monkeypatch.setitem(checks.CHECKS, "cache", down)
    monkeypatch.setitem(checks.CHECKS, "broker", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache", "broker"]


def test_readyz_reports_workers_without_deciding_readiness(client, db, settings):
    settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS = 30
    body = client.get("/readyz").json()
    assert body["worker"] == {"ok": False, "consuming": []}
    from django.utils import timezone

    WorkerHeartbeat.objects.create(hostname="worker@a", pid=1, seen_at=timezone.now())
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["worker"] == {"ok": True, "consuming": ["worker@a"]}


def test_probes_ignore_hosts_https_redirects_and_the_agreement_gate(client, tester, settings):
    """A load balancer probes by address over plain HTTP; a signed-in browser may carry a
    session that the agreement gate would redirect."""
    settings.SECURE_SSL_REDIRECT = True
    publish_agreement(program=tester.program, text="Keep it secret.")
    client.force_login(tester.user)
    assert client.get("/videos/").status_code == 301  # everything else is redirected to HTTPS
    for path in ("/healthz", "/readyz"):
        response = client.get(path, HTTP_HOST="10.0.0.7:8000")
        assert response.status_code == 200, (path, response)


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_only_read(client, db, path):
    response = client.post(path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
