"""/metrics is for the scraper only: allowed networks, the bearer token, closed in production
when no token is configured."""

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def development(settings):
    settings.DEPLOYMENT = "development"
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.1/32", "::1/128"]  # the default


def test_loopback_may_scrape_in_development_without_a_token(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")


def test_other_networks_get_404(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404


@hypothesis_settings(max_examples=50)
@given(address=st.ip_addresses() | st.sampled_from(["127.0.0.1", "::1", "127.0.0.2", "::2"]))
def test_no_address_outside_the_allowed_networks_gets_in(address):
    allowed = str(address) in ("127.0.0.1", "::1")
    response = Client().get("/metrics", REMOTE_ADDR=str(address))
    assert response.status_code == (200 if allowed else 404)


def test_a_configured_network_may_scrape(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics").status_code == 404  # loopback is no longer listed


def test_with_a_token_the_right_bearer_is_required(client, settings):
    settings.METRICS_TOKEN = "scrape-me"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Basic scrape-me").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me").status_code == 200
    # The token does not open the endpoint to other networks.
    outside = client.get("/metrics", REMOTE_ADDR="198.51.100.2", HTTP_AUTHORIZATION="Bearer x")
    assert outside.status_code == 404


def test_production_without_a_token_serves_nothing(client, settings):
    settings.DEPLOYMENT = "production"
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "scrape-me"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me").status_code == 200


def test_a_signed_in_staff_user_is_no_scraper(client, settings, admin_user):
    settings.METRICS_TOKEN = "scrape-me"
    client.force_login(admin_user)
    assert client.get("/metrics").status_code == 403
