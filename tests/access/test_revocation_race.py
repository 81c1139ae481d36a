"""Revocation under load: once the revoke call has returned, no request that starts is accepted.

Eight threads, each with its own keep-alive httpx client, call `GET /v1/videos` with the same
token against the live server while the test thread revokes access at one of the four levels.
Each request is stamped with time.monotonic() just before it is sent; the moment the revoke
call returned is stamped the same way. A request sent after that moment must be refused;
requests sent before it were accepted, so a revocation that lagged (a cache, a stale read)
would fail here. Runs unchanged on SQLite and PostgreSQL (CI runs the suite on both).
"""

import threading
import time
from dataclasses import dataclass

import httpx
import pytest

from accessprogram.access import tokens
from accessprogram.access.models import AccessBlock, ApiToken
from accessprogram.access.revocation import block_access, kill_switch
from accessprogram.access.services import revoke_token
from accessprogram.programs.models import Cohort
from factories import UserFactory
from processes import wait_until

# Committed data must be visible to the live server's threads: no test-wide transaction.
pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
ACCEPTED_BEFORE = 2 * THREADS  # accepted requests to see before revoking
AFTER_SECONDS = 0.5  # keep sending at least this long after the revoke returned
STARTED_AFTER = 3 * THREADS  # and at least this many requests
TIMEOUT = 15  # generous: the machine is small and shared


@dataclass(frozen=True)
class Sent:
    started: float  # time.monotonic() just before the request was sent
    status: int  # 0 when the request failed in transport
    detail: str


def revoke_the_token(tester, secret, staff):
    revoke_token(token=ApiToken.objects.get(digest=tokens.digest(secret)), reason="leaked")


def revoke_the_tester(tester, secret, staff):
    block_access(
        target=tester, kind=AccessBlock.Kind.REVOCATION, reason="terms broken", actor=staff
    )


def suspend_the_cohort(tester, secret, staff):
    block_access(
        target=tester.cohort, kind=AccessBlock.Kind.SUSPENSION, reason="wave paused", actor=staff
    )


def kill_the_program(tester, secret, staff):
    kill_switch(program=tester.program, reason="token leaked publicly", actor=staff)


@pytest.mark.parametrize(
    ("revoke", "refusal"),
    [
        pytest.param(revoke_the_token, 401, id="token"),
        pytest.param(revoke_the_tester, 403, id="tester"),
        pytest.param(suspend_the_cohort, 403, id="cohort"),
        pytest.param(kill_the_program, 403, id="program"),
    ],
)
def test_no_request_sent_after_the_revoke_returned_is_accepted(
    live_server, settings, tester, token, revoke, refusal
):
    # One token far past a human rate: the anomaly detector must not suspend it first.
    settings.ANOMALY_MAX_REQUESTS = 10**9
    tester.cohort = Cohort.objects.create(program=tester.program, name="Wave 1")
    tester.save(update_fields=["cohort"])
    staff = UserFactory(is_staff=True)
    sent: list[Sent] = []  # list.append is atomic: the threads share it without a lock
    stop = threading.Event()

    def send_requests():
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=live_server.url, headers=headers, timeout=TIMEOUT) as http:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    response = http.get("/v1/videos")
                except httpx.HTTPError as error:
                    sent.append(Sent(started, 0, repr(error)))
                    continue
                sent.append(Sent(started, response.status_code, response.text[:200]))

    threads = [threading.Thread(target=send_requests, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        wait_until(
            lambda: sum(s.status == 200 for s in sent) >= ACCEPTED_BEFORE,
            timeout=TIMEOUT,
            interval=0.01,
            what=f"{ACCEPTED_BEFORE} accepted requests before revoking",
        )
        revoke(tester, token, staff)
        revoked_at = time.monotonic()
        wait_until(
            lambda: (
                time.monotonic() - revoked_at >= AFTER_SECONDS
                and sum(s.started > revoked_at for s in sent) >= STARTED_AFTER
            ),
            timeout=TIMEOUT,
            interval=0.01,
            what=f"{STARTED_AFTER} requests sent after the revoke returned",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=TIMEOUT)

    before = [s for s in sent if s.started <= revoked_at]
    after = [s for s in sent if s.started > revoked_at]
    unexpected = [s for s in sent if s.status not in (200, 401, 403)]
    assert not unexpected, f"errors under load: {unexpected[:5]}"
    accepted_after = [s for s in after if 200 <= s.status < 300]
    assert not accepted_after, (
        f"{len(accepted_after)} of {len(after)} requests sent after the revoke returned were "
        f"accepted, the first {accepted_after[0].started - revoked_at:.4f} s after it"
    )
    assert {s.status for s in after} == {refusal}, {s.status for s in after}
    assert sum(s.status == 200 for s in before) >= ACCEPTED_BEFORE
    assert len(after) >= STARTED_AFTER
