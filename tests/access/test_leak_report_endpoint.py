"""POST /v1/leaked-tokens: signed reports from secret scanners revoke exactly the leaked tokens."""

import json
import time

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accessprogram.access import tokens
from accessprogram.access.api.leaked_tokens import sign
from accessprogram.access.models import ApiToken, LeakReport
from accessprogram.access.services import revoke_token
from accessprogram.audit.models import AuditRecord
from accessprogram.programs.models import Membership
from factories import MembershipFactory, token_for

URL = "/v1/leaked-tokens"
SECRET = "test-scanner-secret"
LEAK_URL = "https://github.com/someone/demo/blob/main/app.js"


@pytest.fixture(autouse=True)
def scanner_secret(settings):
    settings.LEAK_SCANNER_SECRET = SECRET


def report(payload, *, secret=SECRET, timestamp=None, signature=None, body=None):
    body = json.dumps(payload).encode() if body is None else body
    timestamp = str(int(time.time())) if timestamp is None else str(timestamp)
    headers = {"X-Timestamp": timestamp}
    signature = (
        signature if signature is not None else sign(body=body, timestamp=timestamp, secret=secret)
    )
    if signature:
        headers["X-Signature"] = signature
    return APIClient().generic("POST", URL, body, content_type="application/json", headers=headers)


def stored(secret: str) -> ApiToken:
    return ApiToken.objects.get(digest=tokens.digest(secret))


def api_status(secret: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get("/v1/videos").status_code


def typo_of(secret: str) -> str:
    position = 12
    return secret[:position] + ("a" if secret[position] != "a" else "b") + secret[position + 1 :]


def assert_unsigned(response):
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("HMAC-SHA256")
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "invalid_signature"
    return error["message"]


# --- Signature ---------------------------------------------------------------------------------


def test_without_a_signature_nothing_is_revoked(token):
    payload = {"tokens": [{"token": token, "url": LEAK_URL}]}
    assert "X-Signature" in assert_unsigned(report(payload, signature=""))
    assert stored(token).revoked_at is None
    assert api_status(token) == 200
    assert not LeakReport.objects.exists()


@pytest.mark.parametrize(
    "signature",
    [
        "sha256=" + "0" * 64,
        "sha1=abc",
        "garbage",
        sign(body=b"{}", timestamp="1", secret=SECRET),
    ],
)
def test_a_wrong_signature_revokes_nothing(token, signature):
    payload = {"tokens": [{"token": token, "url": LEAK_URL}]}
    assert_unsigned(report(payload, signature=signature))
    assert stored(token).revoked_at is None


def test_a_signature_made_with_another_secret_is_refused(token):
    payload = {"tokens": [{"token": token, "url": LEAK_URL}]}
    assert "does not match" in assert_unsigned(report(payload, secret="someone-elses"))
    assert stored(token).revoked_at is None


def test_a_body_changed_after_signing_is_refused(token, tester):
    other = token_for(tester, "other")
    timestamp = str(int(time.time()))
    signed = json.dumps({"tokens": [{"token": other, "url": LEAK_URL}]}).encode()
    sent = json.dumps({"tokens": [{"token": token, "url": LEAK_URL}]}).encode()
    signature = sign(body=signed, timestamp=timestamp, secret=SECRET)
    assert_unsigned(report(None, body=sent, timestamp=timestamp, signature=signature))
    assert stored(token).revoked_at is None and stored(other).revoked_at is None


# 320 s, not 301: a slow request must not drift a "future" report back inside the window.
@pytest.mark.parametrize("age", [320, 3600, -320])
def test_a_replayed_or_future_report_is_refused(token, age):
    """Correctly signed, but for a time more than five minutes away from now."""
    payload = {"tokens": [{"token": token, "url": LEAK_URL}]}
    message = assert_unsigned(report(payload, timestamp=int(time.time()) - age))
    assert "five minutes" in message
    assert stored(token).revoked_at is None
    assert api_status(token) == 200


def test_the_timestamp_is_part_of_the_signature(token):
    """Re-dating a captured report without re-signing it does not work."""
    body = json.dumps({"tokens": [{"token": token, "url": LEAK_URL}]}).encode()
    old = str(int(time.time()) - 3600)
    signature = sign(body=body, timestamp=old, secret=SECRET)
    assert_unsigned(report(None, body=body, signature=signature))  # sent with a fresh timestamp
    assert stored(token).revoked_at is None


@pytest.mark.parametrize("timestamp", ["", "soon", "1.5e9", "-5", "１２３", "9" * 5000])  # noqa: RUF001
def test_a_malformed_timestamp_is_refused(token, timestamp):
    payload = {"tokens": [{"token": token, "url": LEAK_URL}]}
    body = json.dumps(payload).encode()
    headers = {
        "X-Timestamp": timestamp,
        "X-Signature": sign(body=body, timestamp=timestamp, secret=SECRET),
    }
    response = APIClient().generic(
        "POST", URL, body, content_type="application/json", headers=headers
    )
    assert_unsigned(response)


def test_a_tester_token_is_no_way_in(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.post(URL, {"tokens": []}, format="json")
    assert_unsigned(response)


# --- Revoking -------------------------------------------------------------------------------


@pytest.fixture
def staff(program):
    return {
        role: MembershipFactory(program=program, role=role)
        for role in (
            Membership.Role.PROGRAM_MANAGER,
            Membership.Role.ADMIN,
            Membership.Role.REVIEWER,
            Membership.Role.FINANCE,
        )
    }


def test_a_batch_revokes_exactly_the_valid_live_tokens(
    program, tester, staff, django_capture_on_commit_callbacks
):
    leaked = token_for(tester, "demo key")
    kept = token_for(tester, "laptop")  # the same tester's other token
    other_tester = MembershipFactory()  # in another program
    other_leaked = token_for(other_tester)
    bystander = token_for(MembershipFactory(program=program))
    dead = token_for(tester, "old")
    revoke_token(token=stored(dead), reason="rotated")
    payload = {
        "tokens": [
            {"token": leaked, "url": LEAK_URL, "source": "github-secret-scanning"},
            {"token": typo_of(kept), "url": LEAK_URL},  # a look-alike of a live token
            {"token": tokens.generate(), "url": LEAK_URL},  # well formed, never issued
            {"token": dead, "url": "https://example.com/old.txt"},
            {"token": "eap_nonsense", "url": LEAK_URL},
            {"token": other_leaked, "url": "https://gist.github.com/x/1"},
        ]
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = report(payload)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "revoked": [
            {"token_prefix": leaked[:12], "url": LEAK_URL, "program": program.slug},
            {
                "token_prefix": other_leaked[:12],
                "url": "https://gist.github.com/x/1",
                "program": other_tester.program.slug,
            },
        ],
        "count": 2,
    }
    assert stored(leaked).revoked_at is not None
    assert "github.com/someone/demo" in stored(leaked).revoked_reason
    assert stored(other_leaked).revoked_at is not None
    assert stored(kept).revoked_at is None and stored(bystander).revoked_at is None

    assert api_status(leaked) == 401
    assert api_status(other_leaked) == 401
    assert api_status(kept) == 200
    assert api_status(bystander) == 200

    reports = {r.token.display_prefix: r for r in LeakReport.objects.select_related("token")}
    assert set(reports) == {leaked[:12], other_leaked[:12], dead[:12]}
    first = reports[leaked[:12]]
    assert (first.url, first.source, first.outcome, first.status) == (
        LEAK_URL,
        "github-secret-scanning",
        "revoked",
        "open",
    )
    assert first.program == program
    assert reports[dead[:12]].outcome == "already_revoked"
    assert reports[dead[:12]].status == "resolved"
    assert AuditRecord.objects.filter(action="leak.reported").count() == 3


def test_the_tester_and_the_programs_access_staff_are_emailed(
    program, tester, staff, eager_celery, django_capture_on_commit_callbacks
):
    leaked = token_for(tester, "demo key")
    with django_capture_on_commit_callbacks(execute=True):
        assert report({"tokens": [{"token": leaked, "url": LEAK_URL}]}).status_code == 200

    by_recipient = {message.to[0]: message for message in mail.outbox}
    manager = staff[Membership.Role.PROGRAM_MANAGER].user.email
    admin = staff[Membership.Role.ADMIN].user.email
    assert set(by_recipient) == {tester.user.email, manager, admin}
    assert all(len(message.to) == 1 for message in mail.outbox)
    to_tester = by_recipient[tester.user.email]  # the block's notice (access.block_notices)
    assert "revoked" in to_tester.subject
    assert leaked[:12] in to_tester.body and LEAK_URL in to_tester.body
    assert "/console/leaks/" in by_recipient[manager].body
    for message in mail.outbox:
        assert leaked not in message.subject + message.body  # never the whole secret


def test_no_email_before_the_revocation_commits(tester, staff, django_capture_on_commit_callbacks):
    leaked = token_for(tester)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert report({"tokens": [{"token": leaked, "url": LEAK_URL}]}).status_code == 200
    assert mail.outbox == []
    # The emails wait for the commit, like the audit records' link into their chain.
    for callback in callbacks:  # the commit
        callback()
    assert len(mail.outbox) >= 1


def test_nothing_to_revoke_answers_the_same_shape_and_sends_nothing(
    tester, staff, django_capture_on_commit_callbacks
):
    dead = token_for(tester)
    revoke_token(token=stored(dead), reason="rotated")
    payload = {
        "tokens": [
            {"token": tokens.generate(), "url": LEAK_URL},
            {"token": dead, "url": LEAK_URL},
            {"token": "not a token at all", "url": LEAK_URL},
        ]
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = report(payload)
    assert response.status_code == 200
    assert response.json() == {"revoked": [], "count": 0}
    assert mail.outbox == []


def test_an_empty_batch(db):
    response = report({"tokens": []})
    assert response.status_code == 200
    assert response.json() == {"revoked": [], "count": 0}


def test_reporting_the_same_leak_again_changes_nothing(tester):
    leaked = token_for(tester)
    payload = {"tokens": [{"token": leaked, "url": LEAK_URL}, {"token": leaked, "url": LEAK_URL}]}
    assert report(payload).json()["count"] == 1
    revoked_at = stored(leaked).revoked_at
    assert report(payload).json() == {"revoked": [], "count": 0}
    assert stored(leaked).revoked_at == revoked_at
    assert LeakReport.objects.count() == 1


def test_the_same_token_at_a_second_place_is_recorded_once_more(tester):
    leaked = token_for(tester)
    elsewhere = "https://pastebin.com/abc"
    payload = {"tokens": [{"token": leaked, "url": LEAK_URL}, {"token": leaked, "url": elsewhere}]}
    assert report(payload).json()["count"] == 1
    outcomes = dict(LeakReport.objects.values_list("url", "outcome"))
    assert outcomes == {LEAK_URL: "revoked", elsewhere: "already_revoked"}


# --- Bad bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "param"),
    [
        ({}, "tokens"),
        ({"tokens": "eap_x"}, "tokens"),
        ({"tokens": [{"url": LEAK_URL}]}, "tokens"),
        ({"tokens": [{"token": "eap_x"}]}, "tokens"),
        ({"tokens": [{"token": "eap_x", "url": "not a url"}]}, "tokens"),
        ({"tokens": [{"token": "eap_x", "url": "javascript:alert(1)"}]}, "tokens"),
        ({"tokens": [{"token": "eap_x", "url": LEAK_URL, "source": "s" * 101}]}, "tokens"),
    ],
)
def test_a_bad_body_is_a_400_and_revokes_nothing(token, payload, param):
    if isinstance(payload.get("tokens"), list):
        payload["tokens"].insert(0, {"token": token, "url": LEAK_URL})  # valid, but not alone
    response = report(payload)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert stored(token).revoked_at is None


def test_more_than_a_thousand_tokens_is_a_400(token):
    payload = {"tokens": [{"token": token, "url": LEAK_URL}] * 1001}
    response = report(payload)
    assert response.status_code == 400
    assert "1000" in response.json()["error"]["message"]
    assert stored(token).revoked_at is None


def test_a_thousand_tokens_are_fine(tester):
    leaked = token_for(tester)
    payload = {"tokens": [{"token": tokens.generate(), "url": LEAK_URL} for _ in range(999)]}
    payload["tokens"].append({"token": leaked, "url": LEAK_URL})
    response = report(payload)
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_invalid_json_is_a_400(token):
    response = report(None, body=b'{"tokens": [')
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_only_post(db):
    response = APIClient().get(URL)
    assert response.status_code in (401, 405)
