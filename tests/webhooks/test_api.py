"""/v1/webhook_endpoints: token-scoped registration, listing, deliveries and deletion."""

import pytest
from rest_framework.test import APIClient

from accessprogram.access.services import issue_token
from accessprogram.audit.models import AuditRecord
from accessprogram.webhooks import signing
from accessprogram.webhooks.models import WebhookEndpoint
from factories import MembershipFactory, token_for

pytestmark = pytest.mark.django_db


def test_create_returns_the_secret_once_and_stores_it_encrypted(api, receiver):
    created = api.post(
        "/v1/webhook_endpoints",
        {"url": receiver.url, "enabled_events": ["video.completed"]},
        format="json",
    )

    assert created.status_code == 200, created.json()
    body = created.json()
    assert body["object"] == "webhook_endpoint"
    assert body["id"].startswith("we_")
    assert body["enabled_events"] == ["video.completed"]
    assert body["secret"].startswith("whsec_")
    endpoint = WebhookEndpoint.objects.get()
    assert body["secret"].encode() not in bytes(endpoint.encrypted_secret)
    assert signing.decrypt(endpoint.encrypted_secret) == body["secret"]
    assert AuditRecord.objects.filter(action="webhook_endpoint.created").exists()
    # Never again: not in the list, not in the detail.
    listed = api.get("/v1/webhook_endpoints").json()
    assert [e["id"] for e in listed["data"]] == [body["id"]]
    assert "secret" not in listed["data"][0]
    assert "secret" not in api.get(f"/v1/webhook_endpoints/{body['id']}").json()


def test_a_private_address_is_refused_in_openais_error_shape(api, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    refused = api.post(
        "/v1/webhook_endpoints", {"url": "http://169.254.169.254/latest"}, format="json"
    )
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["param"] == "url"
    assert "public addresses" in error["message"]


def test_an_unknown_event_type_is_refused(api, receiver):
    refused = api.post(
        "/v1/webhook_endpoints",
        {"url": receiver.url, "enabled_events": ["video.exploded"]},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "enabled_events"


def test_another_testers_endpoint_answers_404(api, program, receiver):
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(MembershipFactory(program=program))}")
    theirs = other.post("/v1/webhook_endpoints", {"url": receiver.url}, format="json").json()

    assert api.get(f"/v1/webhook_endpoints/{theirs['id']}").status_code == 404
    assert api.delete(f"/v1/webhook_endpoints/{theirs['id']}").status_code == 404
    assert api.get(f"/v1/webhook_endpoints/{theirs['id']}/deliveries").status_code == 404
    assert api.get("/v1/webhook_endpoints").json()["data"] == []


def test_delete_stops_the_endpoint(api, receiver):
    created = api.post("/v1/webhook_endpoints", {"url": receiver.url}, format="json").json()

    deleted = api.delete(f"/v1/webhook_endpoints/{created['id']}")

    assert deleted.json() == {
        "id": created["id"],
        "object": "webhook_endpoint.deleted",
        "deleted": True,
    }
    assert WebhookEndpoint.objects.get().deleted_at is not None
    assert api.get(f"/v1/webhook_endpoints/{created['id']}").status_code == 404


def test_a_token_without_the_webhooks_scope_is_refused(tester, receiver):
    token = issue_token(membership=tester, name="read only", scopes=["videos:read"]).secret
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    refused = client.post("/v1/webhook_endpoints", {"url": receiver.url}, format="json")

    assert refused.status_code == 403
    assert "webhooks:write" in refused.json()["error"]["message"]


def test_no_token_answers_401(receiver):
    assert APIClient().get("/v1/webhook_endpoints").status_code == 401


def test_past_the_endpoint_limit_answers_409(api, receiver, settings):
    settings.WEBHOOK_MAX_ENDPOINTS = 1
    assert (
        api.post("/v1/webhook_endpoints", {"url": receiver.url}, format="json").status_code == 200
    )

    refused = api.post("/v1/webhook_endpoints", {"url": receiver.url}, format="json")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "too_many_endpoints"
