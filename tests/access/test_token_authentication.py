"""Bearer-token authentication on the tester API, seen through HTTP on /v1/videos."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accessprogram.access import tokens
from accessprogram.access.models import ApiToken
from accessprogram.access.services import issue_token, revoke_token
from accessprogram.programs.models import Membership, Program

URL = "/v1/videos"


def get_with(authorization: str | None):
    client = APIClient()
    if authorization is not None:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    return client.get(URL)


def assert_unauthorized(response, *, says: str):
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Bearer"
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "invalid_api_key"
    assert error["param"] is None
    assert says.lower() in error["message"].lower(), error["message"]
    return error["message"]


def assert_forbidden(response, *, says: str):
    """A good key whose holder may not use it now: 403 permission_error, saying why."""
    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "permission_error"
    assert says.lower() in error["message"].lower(), error["message"]
    return error["message"]


def stored(token_secret: str) -> ApiToken:
    return ApiToken.objects.get(digest=tokens.digest(token_secret))


def test_a_valid_token_lists_videos(token):
    response = get_with(f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["object"] == "list"


def test_the_scheme_is_case_insensitive(token):
    assert get_with(f"bearer {token}").status_code == 200


def test_no_authorization_header(db):
    assert_unauthorized(get_with(None), says="No API key was provided")


@pytest.mark.parametrize("scheme", ["Basic", "Token", "ApiKey"])
def test_another_scheme_counts_as_no_credentials(token, scheme):
    assert_unauthorized(get_with(f"{scheme} {token}"), says="No API key was provided")


@pytest.mark.parametrize("value", ["Bearer", "Bearer  ", "Bearer one two"])
def test_a_malformed_bearer_header(db, value):
    assert_unauthorized(get_with(value), says="malformed authorization header")


def test_an_unknown_but_well_formed_token(token):
    unknown = tokens.generate()
    assert tokens.is_well_formed(unknown)
    assert_unauthorized(get_with(f"Bearer {unknown}"), says="incorrect api key")


def test_a_token_with_a_bad_checksum(token):
    last = token[-1]
    typo = token[:-1] + ("a" if last != "a" else "b")
    assert_unauthorized(get_with(f"Bearer {typo}"), says="incorrect api key")


def test_a_revoked_token(token):
    revoke_token(token=stored(token), reason="leaked in a demo")
    assert_unauthorized(get_with(f"Bearer {token}"), says="has been revoked")


def test_an_expired_token(tester):
    issued = issue_token(
        membership=tester, name="short-lived", expires_at=timezone.now() + timedelta(hours=1)
    )
    assert get_with(f"Bearer {issued.secret}").status_code == 200
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert_unauthorized(get_with(f"Bearer {issued.secret}"), says="has expired")


@pytest.mark.parametrize("status", [Membership.Status.SUSPENDED, Membership.Status.REMOVED])
def test_a_suspended_or_removed_membership(tester, token, status):
    tester.status = status
    tester.save()
    assert_forbidden(get_with(f"Bearer {token}"), says="access to this program is suspended")


def test_a_deactivated_user(tester, token):
    tester.user.is_active = False
    tester.user.save()
    assert_forbidden(get_with(f"Bearer {token}"), says="suspended")


@pytest.mark.parametrize("role", [Membership.Role.REVIEWER, Membership.Role.ADMIN])
def test_a_tester_whose_role_changed_loses_api_access(tester, token, role):
    tester.role = role
    tester.save()
    assert_forbidden(get_with(f"Bearer {token}"), says="testers only")


def test_a_paused_program(program, token):
    program.status = Program.Status.PAUSED
    program.save()
    assert_forbidden(get_with(f"Bearer {token}"), says="program is paused")


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (Program.Status.CLOSED, "program has been closed"),
        (Program.Status.DRAFT, "program has not started"),
    ],
)
def test_a_program_that_is_not_running(program, token, status, says):
    program.status = status
    program.save()
    assert_forbidden(get_with(f"Bearer {token}"), says=says)


def test_revocation_takes_effect_on_the_very_next_request(token):
    assert get_with(f"Bearer {token}").status_code == 200
    revoke_token(token=stored(token), reason="leaked")
    assert get_with(f"Bearer {token}").status_code == 401


def test_only_the_revoked_token_stops_working(tester, token):
    other = issue_token(membership=tester, name="second").secret
    revoke_token(token=stored(token), reason="leaked")
    assert get_with(f"Bearer {token}").status_code == 401
    assert get_with(f"Bearer {other}").status_code == 200


# --- last use ------------------------------------------------------------------------------


def token_updates(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith("UPDATE") and "access_apitoken" in q["sql"]
    ]


def test_first_use_records_last_used_at(token):
    assert stored(token).last_used_at is None
    before = timezone.now()
    assert get_with(f"Bearer {token}").status_code == 200
    last_used = stored(token).last_used_at
    assert last_used is not None
    assert before <= last_used <= timezone.now()


def test_a_second_request_within_the_window_writes_nothing(token):
    assert get_with(f"Bearer {token}").status_code == 200
    first = stored(token).last_used_at

    with CaptureQueriesContext(connection) as queries:
        assert get_with(f"Bearer {token}").status_code == 200
    assert token_updates(queries.captured_queries) == []
    assert stored(token).last_used_at == first


def test_use_just_inside_the_window_is_not_rewritten(settings, token):
    settings.API_TOKEN_LAST_USED_RESOLUTION_SECONDS = 60
    earlier = timezone.now() - timedelta(seconds=50)
    ApiToken.objects.filter(digest=tokens.digest(token)).update(last_used_at=earlier)

    with CaptureQueriesContext(connection) as queries:
        assert get_with(f"Bearer {token}").status_code == 200
    assert token_updates(queries.captured_queries) == []
    assert stored(token).last_used_at == earlier


def test_use_after_the_window_is_rewritten(settings, token):
    settings.API_TOKEN_LAST_USED_RESOLUTION_SECONDS = 60
    earlier = timezone.now() - timedelta(seconds=61)
    ApiToken.objects.filter(digest=tokens.digest(token)).update(last_used_at=earlier)

    before = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        assert get_with(f"Bearer {token}").status_code == 200
    assert len(token_updates(queries.captured_queries)) == 1
    assert stored(token).last_used_at >= before


def test_a_refused_token_does_not_record_use(token):
    revoke_token(token=stored(token), reason="leaked")
    assert get_with(f"Bearer {token}").status_code == 401
    assert stored(token).last_used_at is None
