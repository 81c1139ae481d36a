"""Many tokens cannot dilute the anomaly detector (finding 3).

The red team minted tokens at will, spread a leaked workload across them so no single token
crossed a threshold, and replaced an auto-suspended token in one click.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accessprogram.access import leaks
from accessprogram.access.blocks import blocks_in_force
from accessprogram.access.models import ApiToken, LeakAlert
from accessprogram.access.scopes import ALL_SCOPES
from accessprogram.access.services import TokenError, issue_token, revoke_token
from accessprogram.programs.models import Membership
from factories import MembershipFactory, token_for


def call(secret, address):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get("/v1/videos", REMOTE_ADDR=address).status_code


def create_on_page(client, tester, name="laptop"):
    return client.post(
        reverse("tokens"), {"membership": tester.pk, "name": name, "scopes": ALL_SCOPES}
    )


# --- the cap ------------------------------------------------------------------------------


def test_at_most_five_live_tokens_by_default(tester):
    for n in range(5):
        issue_token(membership=tester, name=f"t{n}")
    with pytest.raises(TokenError, match="5"):
        issue_token(membership=tester, name="sixth")
    assert ApiToken.objects.filter(membership=tester).count() == 5


def test_revoked_and_expired_tokens_free_their_place(tester):
    issued = [issue_token(membership=tester, name=f"t{n}") for n in range(5)]
    revoke_token(token=issued[0].token, reason="lost laptop")
    ApiToken.objects.filter(pk=issued[1].token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    issue_token(membership=tester, name="new one")
    issue_token(membership=tester, name="another")
    with pytest.raises(TokenError):
        issue_token(membership=tester, name="one too many")


def test_the_cap_is_a_program_setting(client, program, tester):
    admin = MembershipFactory(program=program, role=Membership.Role.ADMIN)
    client.force_login(admin.user)
    url = reverse("console:program-settings", args=[program.slug])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["max_live_tokens"] = 2
    assert client.post(url, data).status_code == 302
    program.refresh_from_db()
    assert program.max_live_tokens == 2
    issue_token(membership=tester, name="a")
    issue_token(membership=tester, name="b")
    with pytest.raises(TokenError, match="2"):
        issue_token(membership=tester, name="c")


def test_the_token_page_says_why_no_token_was_made(client, tester):
    client.force_login(tester.user)
    for n in range(5):
        assert create_on_page(client, tester, f"t{n}").status_code == 200
    response = create_on_page(client, tester, "sixth")
    assert "at most 5" in response.content.decode()
    assert ApiToken.objects.filter(membership=tester).count() == 5


# --- the creation throttle ------------------------------------------------------------------


def test_creating_and_revoking_in_a_loop_is_throttled(client, tester, settings):
    settings.TOKEN_CREATE_RATE = "3/h"
    client.force_login(tester.user)
    answers = []
    for n in range(6):
        response = create_on_page(client, tester, f"t{n}")
        answers.append(response.status_code)
        for token in ApiToken.objects.filter(membership=tester, revoked_at__isnull=True):
            revoke_token(token=token, reason="cycling")
    assert answers == [200, 200, 200, 429, 429, 429]
    assert ApiToken.objects.filter(membership=tester).count() == 3


# --- counting per membership ------------------------------------------------------------------


def test_use_spread_over_many_tokens_is_counted_for_the_tester(tester, settings):
    settings.ANOMALY_MAX_ADDRESSES = 20
    secrets = [token_for(tester, f"t{n}") for n in range(5)]
    answers = [call(secrets[n % 5], f"203.0.113.{n}") for n in range(30)]  # 6 addresses each
    assert 403 in answers
    alert = LeakAlert.objects.get()
    assert alert.kind == LeakAlert.Kind.ADDRESS_SPREAD
    assert alert.evidence["scope"] == "membership"
    assert alert.evidence["address_count"] > 20


def test_different_testers_are_counted_separately(program):
    first, second = MembershipFactory(program=program), MembershipFactory(program=program)
    one, two = token_for(first), token_for(second)
    for n in range(15):
        assert call(one, f"203.0.113.{n}") == 200
        assert call(two, f"198.51.100.{n}") == 200
    assert not LeakAlert.objects.exists()


def test_no_new_token_while_one_is_suspended_by_an_open_alert(client, tester, settings):
    settings.ANOMALY_MAX_ADDRESSES = 3
    secret = token_for(tester)
    for n in range(5):
        call(secret, f"203.0.113.{n}")
    alert = LeakAlert.objects.get()
    assert blocks_in_force().filter(level="token").exists()
    with pytest.raises(TokenError, match="suspended"):
        issue_token(membership=tester, name="replacement")
    client.force_login(tester.user)
    assert "suspended" in create_on_page(client, tester, "replacement").content.decode()
    # Once staff have resolved the alert, a new token may be made.
    staff = MembershipFactory(program=tester.program, role=Membership.Role.PROGRAM_MANAGER)
    leaks.revoke_alerted_token(alert=alert, actor=staff.user)
    issue_token(membership=tester, name="replacement")
