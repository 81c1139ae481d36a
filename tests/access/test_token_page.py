"""The portal's API token page: create (shown once), list, revoke; only one's own tokens."""

import re

from django.urls import reverse
from rest_framework.test import APIClient

from accessprogram.access.models import ApiToken
from accessprogram.access.scopes import ALL_SCOPES
from factories import MembershipFactory, token_for


def api_status(secret: str) -> int:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api.get("/v1/videos").status_code


def test_a_new_token_is_shown_once_and_works(tester_client, tester):
    response = tester_client.post(
        reverse("tokens"),
        {"membership": tester.pk, "name": "laptop", "expires_in": "30", "scopes": ALL_SCOPES},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = re.search(r'data-testid="new-token">(eap_\w+)<', response.content.decode()).group(1)
    assert api_status(secret) == 200
    token = ApiToken.objects.get(name="laptop")
    assert token.expires_at is not None
    again = tester_client.get(reverse("tokens")).content.decode()
    assert secret not in again
    assert token.display_prefix in again


def test_a_blank_name_is_a_form_error_and_creates_nothing(tester_client, tester):
    response = tester_client.post(reverse("tokens"), {"membership": tester.pk, "name": ""})
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_stops_the_token_at_once(tester_client, tester):
    secret = token_for(tester)
    token = ApiToken.objects.get()
    response = tester_client.post(reverse("token-revoke", args=[token.pk]))
    assert response.status_code == 302
    assert api_status(secret) == 401
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_other_peoples_tokens_are_invisible_and_answer_404(tester_client, program):
    other = MembershipFactory(program=program)
    secret = token_for(other, name="someone else's")
    token = ApiToken.objects.get()
    assert "someone else" not in tester_client.get(reverse("tokens")).content.decode()
    assert tester_client.post(reverse("token-revoke", args=[token.pk])).status_code == 404
    assert api_status(secret) == 200


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
