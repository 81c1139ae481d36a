"""Least privilege: a token may do only what its scopes allow, only from its allowed networks,
and only as many generations a day as its own limit."""

import re

import httpx
import openai
import pytest
from django.urls import reverse
from rendition_fixtures import clip_bytes, complete_with_video, ready_rendition
from rest_framework.test import APIClient

from accessprogram.access.models import ApiToken
from accessprogram.access.scopes import ALL_SCOPES, Scope
from accessprogram.access.services import TokenError, issue_token
from factories import GenerationFactory
from generation.models import Generation

READ_ONLY = [Scope.VIDEOS_READ]


def api_for(secret: str, address: str = "127.0.0.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=address, HTTP_USER_AGENT="scripts/1.0")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def secret_for(tester, **restrictions) -> str:
    return issue_token(membership=tester, name="scoped", **restrictions).secret


@pytest.fixture
def video(tester, program):
    return GenerationFactory(tester=tester.user, program=program)


# --- scopes ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_read_only_token_reads_but_cannot_create_delete_or_rate(tester, video):
    api = api_for(secret_for(tester, scopes=READ_ONLY))
    assert api.get("/v1/videos").status_code == 200
    assert api.get(f"/v1/videos/{video.public_id}").status_code == 200

    created = api.post("/v1/videos", {"prompt": "a boat"}, format="json")
    assert created.status_code == 403
    error = created.json()["error"]
    assert error["code"] == "missing_scope"
    assert "'videos:write'" in error["message"]
    assert error["type"] == "permission_error"

    assert api.delete(f"/v1/videos/{video.public_id}").status_code == 403
    rated = api.post(f"/v1/videos/{video.public_id}/feedback", {"rating": 5}, format="json")
    assert rated.status_code == 403
    assert "'feedback:write'" in rated.json()["error"]["message"]
    assert Generation.objects.count() == 1
    assert Generation.objects.get().deleted_at is None


@pytest.mark.django_db
def test_a_create_only_token_cannot_read(tester, video):
    api = api_for(secret_for(tester, scopes=[Scope.VIDEOS_WRITE]))
    assert api.post("/v1/videos", {"prompt": "a boat"}, format="json").status_code == 200
    listed = api.get("/v1/videos")
    assert listed.status_code == 403
    assert "'videos:read'" in listed.json()["error"]["message"]


@pytest.mark.django_db
def test_tokens_made_before_scopes_existed_keep_every_permission(tester):
    issued = issue_token(membership=tester, name="old")
    assert ApiToken.objects.get(pk=issued.token.pk).scopes == ALL_SCOPES


@pytest.mark.django_db
@pytest.mark.parametrize("scopes", [[], ["videos:admin"]], ids=["none", "unknown"])
def test_a_token_needs_known_scopes(tester, scopes):
    with pytest.raises(TokenError, match="at least one permission"):
        issue_token(membership=tester, name="x", scopes=scopes)
    assert not ApiToken.objects.exists()


# --- networks -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_token_bound_to_a_network_is_refused_elsewhere(tester):
    secret = secret_for(tester, allowed_networks="127.0.0.2/32\n10.1.0.0/16")
    assert api_for(secret, "127.0.0.2").get("/v1/videos").status_code == 200
    assert api_for(secret, "10.1.200.7").get("/v1/videos").status_code == 200
    refused = api_for(secret, "127.0.0.3").get("/v1/videos")
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "network_not_allowed"
    assert "127.0.0.3" in error["message"]
    assert "127.0.0.2/32" in error["message"]


@pytest.mark.django_db
def test_a_token_bound_to_one_ipv6_address_works_from_it_alone(tester):
    # The binding is checked against the client's own address, not the /64 the anomaly
    # detector counts by.
    secret = secret_for(tester, allowed_networks="2001:db8::7/128")
    assert api_for(secret, "2001:db8::7").get("/v1/videos").status_code == 200
    assert api_for(secret, "2001:db8::8").get("/v1/videos").status_code == 403
    assert ApiToken.objects.get().last_used_address == "2001:db8::7"


@pytest.mark.django_db
@pytest.mark.parametrize("networks", ["not-a-network", "10.0.0.0/33", "300.1.2.3"])
def test_a_bad_network_is_refused_at_creation(tester, networks):
    with pytest.raises(TokenError, match="is not an IP address or network"):
        issue_token(membership=tester, name="x", allowed_networks=networks)


# --- daily limit ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_tokens_daily_limit_counts_only_its_own_generations(tester):
    limited = api_for(secret_for(tester, daily_generation_limit=1))
    other = api_for(secret_for(tester))
    assert limited.post("/v1/videos", {"prompt": "one"}, format="json").status_code == 200
    refused = limited.post("/v1/videos", {"prompt": "two"}, format="json")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "token_daily_limit_exceeded"
    assert other.post("/v1/videos", {"prompt": "three"}, format="json").status_code == 200
    assert Generation.objects.count() == 2


# --- the token page -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_creates_a_restricted_token_and_shows_where_it_was_last_used(
    tester_client, tester
):
    response = tester_client.post(
        reverse("tokens"),
        {
            "membership": tester.pk,
            "name": "ci",
            "scopes": [Scope.VIDEOS_READ],
            "allowed_networks": "127.0.0.0/8",
            "daily_generation_limit": "3",
        },
    )
    secret = re.search(r'data-testid="new-token">(eap_\w+)<', response.content.decode())[1]
    token = ApiToken.objects.get(name="ci")
    assert (token.scopes, token.allowed_networks, token.daily_generation_limit) == (
        ["videos:read"],
        ["127.0.0.0/8"],
        3,
    )
    assert api_for(secret, "127.0.0.9").get("/v1/videos").status_code == 200
    page = tester_client.get(reverse("tokens")).content.decode()
    assert "from 127.0.0.9" in page
    assert "scripts/1.0" in page
    assert "videos:read" in page
    assert "3 videos a day" in page


@pytest.mark.django_db
def test_a_bad_network_on_the_page_is_a_form_error_and_creates_nothing(tester_client, tester):
    response = tester_client.post(
        reverse("tokens"),
        {"membership": tester.pk, "name": "ci", "scopes": ALL_SCOPES, "allowed_networks": "x"},
    )
    assert "is not an IP address or network" in response.content.decode()
    assert not ApiToken.objects.exists()


# --- through the official SDK ---------------------------------------------------------------


def sdk(live_server, secret: str, *, source: str = "127.0.0.1") -> openai.OpenAI:
    transport = httpx.HTTPTransport(local_address=source)
    return openai.OpenAI(
        base_url=f"{live_server.url}/v1",
        api_key=secret,
        max_retries=0,
        http_client=httpx.Client(transport=transport),
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_sdk_with_a_read_only_token_lists_and_downloads_but_cannot_create(
    live_server, tester, program, media_root
):
    done = complete_with_video(GenerationFactory(tester=tester.user, program=program), clip_bytes())
    preview = clip_bytes(seed=2)
    ready_rendition(done, preview)
    client = sdk(live_server, secret_for(tester, scopes=READ_ONLY))

    assert [video.id for video in client.videos.list().data] == [done.public_id]
    assert client.videos.download_content(done.public_id).read() == preview
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client.videos.create(prompt="a boat", seconds="4")
    assert refused.value.code == "missing_scope"
    assert Generation.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_sdk_with_a_network_bound_token_from_elsewhere_is_refused(live_server, tester):
    secret = secret_for(tester, allowed_networks="127.0.0.2/32")
    assert sdk(live_server, secret, source="127.0.0.2").videos.list().data == []
    with pytest.raises(openai.PermissionDeniedError) as refused:
        sdk(live_server, secret, source="127.0.0.3").videos.list()
    assert refused.value.code == "network_not_allowed"
